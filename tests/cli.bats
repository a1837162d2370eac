#!/usr/bin/env bats
#
# cli.bats - what every tool does alike (lib/cli.h): -h, --version, -c
# anywhere, -o (gzip for a .gz name), -k, -q, a bad option, messages that
# begin with the tool's name

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	export STP_DB="$STP_ROOT/data/mm-pc/pc.mm"
}

TOOLS="stp-seed stp-conjecture stp-prove stp-verify stp-reward stp-train stp-passk stp-sftdata stp-mmdata stp-leandata stp-config stp-export"

@test "a misspelt section of the configuration exits 78 naming file:line:column, in every tool" {
	printf 'verify:\n  jobs: 1\nrewad:\n  conj_pass_max: 0.3\n' >bad.yaml
	for t in $TOOLS; do
		run --separate-stderr "$t" -c bad.yaml -q /dev/null
		assert_failure 78
		assert_stderr "$t: bad.yaml:3:1: unknown key 'rewad' (known: verify, model, train, prove, conjecture, seed, reward, openai, passk, sftdata, mmdata, leandata)"
	done
}

@test "-h prints the usage on stdout and exits 0, in every tool" {
	for t in $TOOLS; do
		run --separate-stderr "$t" -h
		assert_success
		assert_line --index 0 --partial "usage: $t"
		assert_stderr ""
		run --separate-stderr "$t" --help
		assert_success
	done
}

@test "--version prints the tool's name and the build's git description, exit 0" {
	for t in $TOOLS; do
		run --separate-stderr "$t" --version
		assert_success
		[[ $output == "$t "* ]]
		[[ -n ${output#"$t "} ]]
	done
}

@test "an unknown option is one line and 'try -h' on stderr, exit 64, in every tool" {
	for t in $TOOLS; do
		run --separate-stderr "$t" --bogus
		assert_failure 64
		assert_stderr "$t: unrecognized option '--bogus'
try '$t -h'"
		run --separate-stderr "$t" -Z
		assert_failure 64
		assert_stderr "$t: unrecognized option '-Z'
try '$t -h'"
	done
}

@test "a long option of another tool is unknown here, named as written, exit 64" {
	run --separate-stderr stp-seed --embed
	assert_failure 64
	assert_stderr "stp-seed: unrecognized option '--embed'
try 'stp-seed -h'"
	run --separate-stderr stp-config --model m.safetensors
	assert_failure 64
	assert_stderr "stp-config: unrecognized option '--model'
try 'stp-config -h'"
	run --separate-stderr stp-passk --split=test /dev/null
	assert_success
	run --separate-stderr stp-sftdata --split=test /dev/null
	assert_failure 64
	assert_stderr "stp-sftdata: unrecognized option '--split=test'
try 'stp-sftdata -h'"
	# -j is --jobs in stp-verify and --threads elsewhere: each takes its own
	run --separate-stderr stp-verify --threads 2
	assert_failure 64
	assert_stderr "stp-verify: unrecognized option '--threads'
try 'stp-verify -h'"
	run --separate-stderr stp-prove --jobs 2
	assert_failure 64
	assert_stderr "stp-prove: unrecognized option '--jobs'
try 'stp-prove -h'"
}

@test "messages begin with the tool's name when it is run by its path" {
	for t in $TOOLS; do
		run --separate-stderr "$STP_ROOT/bin/$t" -Z
		assert_failure 64
		assert_stderr "$t: unrecognized option '-Z'
try '$t -h'"
	done
}

@test "an option without its argument is named, exit 64" {
	run --separate-stderr stp-prove -n
	assert_failure 64
	assert_stderr "stp-prove: option '-n' needs an argument
try 'stp-prove -h'"
	run --separate-stderr stp-passk --ks
	assert_failure 64
	assert_stderr "stp-passk: option '--ks' needs an argument
try 'stp-passk -h'"
}

@test "a configuration that cannot be opened is 66 in every tool, --config=FILE last on the line too" {
	for t in $TOOLS; do
		run --separate-stderr "$t" -q /dev/null --config=nosuch.yaml
		assert_failure 66
		assert_stderr "$t: cannot open configuration 'nosuch.yaml': No such file or directory"
		run --separate-stderr "$t" -c nosuch.yaml -q /dev/null
		assert_failure 66
	done
}

@test "--config=FILE as the last argument is read (its setting shows)" {
	printf 'prove:\n  samples: many\n' >bad.yaml
	run --separate-stderr stp-prove --model x.safetensors /dev/null --config=bad.yaml
	assert_failure 78
	assert_stderr "stp-prove: bad.yaml:2:12: 'prove.samples': expected an integer from 1 to 100000"
}

@test "-k, -q, -o and -c are accepted by every tool (with --print-config)" {
	: >empty.yaml
	for t in $TOOLS; do
		run --separate-stderr "$t" -k -q -o out.txt -c empty.yaml --print-config
		assert_success
		assert_stderr ""
	done
}

@test "-o FILE.gz writes gzip: stp-verify's verdicts read back with zcat" {
	echo '{"id":"x","statement":"|- ( ph -> ph )","proof":"mpd ( ph -> ph ) ax-1 ax-1"}' >a.jsonl
	run --separate-stderr stp-verify -q -o plain.jsonl a.jsonl
	assert_success
	run --separate-stderr stp-verify -q -o v.jsonl.gz a.jsonl
	assert_success
	run gzip -t v.jsonl.gz
	assert_success
	run zcat v.jsonl.gz
	assert_output "$(cat plain.jsonl)"
}

@test "-o FILE.gz: the same records give the same bytes" {
	echo '{"id":"x","statement":"|- ( ph -> ph )","proof":"mpd ( ph -> ph ) ax-1 ax-1"}' >a.jsonl
	stp-verify -q -o 1.jsonl.gz a.jsonl
	sleep 1
	stp-verify -q -o 2.jsonl.gz a.jsonl
	cmp 1.jsonl.gz 2.jsonl.gz
}

@test "-o FILE.gz writes gzip in every tool that writes records" {
	F=$STP_ROOT/tests/fixtures
	printf '{"id":"a","sample":0,"ok":true}\n' >v.jsonl
	run stp-passk -o p.json.gz v.jsonl
	assert_success
	[[ $(zcat p.json.gz) == *'"solved":1}' ]]
	run stp-seed -q --select --state "$F/seed/sel-state.jsonl" \
		--statements "$F/seed/statements.jsonl" -o s.jsonl.gz
	assert_success
	stp-seed -q --select --state "$F/seed/sel-state.jsonl" \
		--statements "$F/seed/statements.jsonl" -o s.jsonl
	[[ $(zcat s.jsonl.gz) == "$(cat s.jsonl)" ]]
	run stp-reward -q --init-state --statements "$F/reward/statements.jsonl" -o st.jsonl.gz
	assert_success
	[[ $(zcat st.jsonl.gz) == "$(cat "$F/reward/expected-init-state.jsonl")" ]]
	run stp-conjecture -q --filter --state "$F/conjecture/state.jsonl" -o c.jsonl.gz \
		"$F/conjecture/cands.jsonl"
	assert_success
	run zcat c.jsonl.gz
	assert_success
	[[ -n $output ]]
	run stp-config -c "$STP_ROOT/configs/small.yaml" -o r.gz train.iter.replay_share
	assert_success
	[[ $(zcat r.gz) == 0.5 ]]
}

@test "stp-train refuses a checkpoint named .gz (64)" {
	run --separate-stderr stp-train -o m.safetensors.gz /dev/null
	assert_failure 64
	assert_stderr "stp-train: -o: a checkpoint is not compressed: give a name not ending in .gz"
}

@test "-k in a tool without records (stp-config, stp-mmdata) changes nothing" {
	run --separate-stderr stp-config -k -c "$STP_ROOT/configs/small.yaml" model.width
	assert_success
	assert_output "128"
	run --separate-stderr stp-mmdata -k --print-config
	assert_success
	assert_line '  out: "data/mm-pc"'
}

@test "stp-mmdata: -o DIR is --out DIR" {
	run --separate-stderr stp-mmdata -o d1 --print-config
	assert_line '  out: "d1"'
	run --separate-stderr stp-mmdata --out d2 --print-config
	assert_line '  out: "d2"'
}

@test "stp-config without a KEY is bad usage (64)" {
	run --separate-stderr stp-config -c "$STP_ROOT/configs/small.yaml"
	assert_failure 64
	assert_stderr "stp-config: expected -c CONFIG and one KEY; try 'stp-config -h'"
}
