#!/usr/bin/env bats
#
# keep-going.bats - -k/--keep-going in the tools that gained it (stp-seed,
# stp-reward, stp-passk, stp-sftdata): a malformed record is skipped with a
# warning, the output is that of the other records, and the exit status is
# 65 at the end; without -k the first one stops the tool (65) and no output
# file is left.

load test_helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	head -30 "$STP_ROOT/data/mm-pc/proofs.jsonl" >proofs.jsonl
	STP_DB="$STP_ROOT/data/mm-pc/pc.mm" stp-verify -q proofs.jsonl >human.jsonl
}

setup() {
	F="$BATS_TEST_DIRNAME/fixtures"
	export STP_DB="$STP_ROOT/data/mm-pc/pc.mm"
	cd "$BATS_TEST_TMPDIR" || return 1
}

# ---- stp-seed

@test "stp-seed -k: a malformed verdict is skipped with a warning, the seeds are the rest's, exit 65" {
	cp "$F"/seed/* .
	stp-seed -q --state state.jsonl thr.jsonl >want.jsonl
	{ head -1 thr.jsonl; echo '{"id":"d/x","ok":tru}'; tail -n +2 thr.jsonl; } >bad.jsonl
	run --separate-stderr stp-seed -q -k --state state.jsonl bad.jsonl
	assert_failure 65
	assert_output "$(cat want.jsonl)"
	assert_stderr "stp-seed: warning: bad.jsonl:2: invalid JSON: invalid token near 'tru' (column 20) (skipped)
stp-seed: 1 malformed record skipped"
}

@test "stp-seed without -k: a malformed verdict exits 65 and leaves no output file" {
	cp "$F"/seed/* .
	{ head -1 thr.jsonl; echo '{"id":"d/x","ok":tru}'; tail -n +2 thr.jsonl; } >bad.jsonl
	run --separate-stderr stp-seed -q --state state.jsonl -o seeds.jsonl bad.jsonl
	assert_failure 65
	assert_stderr "stp-seed: bad.jsonl:2: invalid JSON: invalid token near 'tru' (column 20)"
	[ ! -e seeds.jsonl ]
}

@test "stp-seed -k: a verdict whose lemma is not an assertion is skipped whole" {
	cp "$F"/seed/* .
	stp-seed -q --state state.jsonl thr.jsonl >want.jsonl
	{ sed -n 2p thr.jsonl | sed 's/"lemmas":\["syl"\]/"lemmas":["syl","wph"]/'; cat thr.jsonl; } >bad.jsonl
	run --separate-stderr stp-seed -q -k --state state.jsonl bad.jsonl
	assert_failure 65
	assert_output "$(cat want.jsonl)"
	assert_stderr "stp-seed: warning: bad.jsonl:1: field 'lemmas': 'wph' is not an assertion of $STP_DB (skipped)
stp-seed: 1 malformed record skipped"
}

@test "stp-seed --select -k: a conjecture without a statement is skipped" {
	cp "$F"/seed/* .
	stp-seed -q --select --state sel-state.jsonl --statements statements.jsonl \
		conjectures.jsonl >want.jsonl
	{ echo '{"id":"c/x"}'; cat conjectures.jsonl; } >bad.jsonl
	run --separate-stderr stp-seed -q -k --select --state sel-state.jsonl \
		--statements statements.jsonl bad.jsonl
	assert_failure 65
	assert_output "$(cat want.jsonl)"
	assert_stderr "stp-seed: warning: bad.jsonl:1: field 'statement': missing (skipped)
stp-seed: 1 malformed record skipped"
}

# ---- stp-reward

# reward OUT VERDICTS... [FLAGS]: one iteration without the Wasserstein step;
# examples OUT.ex, state OUT.state, stats OUT.stats
reward() {
	local out=$1
	shift
	run --separate-stderr stp-reward -q -c nw.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl --seeds seeds.jsonl -o "$out.ex" --state-out "$out.state" \
		--stats "$out.stats" "$@"
}

@test "stp-reward -k: a malformed verdict is skipped; the outputs are the rest's; exit 65" {
	cp "$F"/reward/* .
	reward want window.jsonl
	assert_success
	{ head -2 window.jsonl; echo '{"id":"d/t1","ok":tru}'; tail -n +3 window.jsonl; } >bad.jsonl
	reward got -k bad.jsonl
	assert_failure 65
	assert_stderr "stp-reward: warning: bad.jsonl:3: invalid JSON: unexpected character (column 19) (skipped)
stp-reward: 1 malformed record skipped"
	cmp want.ex got.ex
	cmp want.state got.state
	cmp want.stats got.stats
}

@test "stp-reward -k: a malformed copy of a correct proof is not the one written" {
	cp "$F"/reward/* .
	reward want window.jsonl
	# the same proof, with another verify_ms (the weight's), and a bad field
	{ head -1 window.jsonl | sed 's/"verify_ms":1.0/"verify_ms":900.0/; s/"gen_tokens":5/"gen_tokens":"x"/'
	  cat window.jsonl; } >bad.jsonl
	reward got -k bad.jsonl
	assert_failure 65
	cmp want.ex got.ex
}

@test "stp-reward without -k: a malformed verdict exits 65 and writes no output" {
	cp "$F"/reward/* .
	{ head -2 window.jsonl; echo '{"id":"d/t1","ok":tru}'; } >bad.jsonl
	reward got bad.jsonl
	assert_failure 65
	[ ! -e got.ex ]
	[ ! -e got.state ]
	[ ! -e got.stats ]
}

@test "stp-reward --final -k: a malformed verdict is skipped" {
	cp "$F"/reward/* .
	run --separate-stderr stp-reward -q -c nw.yaml --final -o want.jsonl window.jsonl
	assert_success
	{ echo '{"id":"d/t1"}'; cat window.jsonl; } >bad.jsonl
	run --separate-stderr stp-reward -q -c nw.yaml --final -k -o got.jsonl bad.jsonl
	assert_failure 65
	assert_stderr "stp-reward: warning: bad.jsonl:1: field 'statement': missing (skipped)
stp-reward: 1 malformed record skipped"
	cmp want.jsonl got.jsonl
}

# ---- stp-passk

@test "stp-passk -k: a malformed verdict is skipped, the report is the rest's, exit 65" {
	printf '{"id":"a","sample":0,"ok":true}\n{"id":"b","sample":0,"ok":false}\n' >v.jsonl
	{ cat v.jsonl; echo '{"id":"c","sample":-1,"ok":true}'; } >bad.jsonl
	run --separate-stderr stp-passk -k bad.jsonl
	assert_failure 65
	assert_output "$(stp-passk v.jsonl)"
	assert_stderr "stp-passk: warning: bad.jsonl:3: field 'sample': out of range (skipped)
stp-passk: 1 malformed record skipped"
}

@test "stp-passk without -k: a malformed verdict exits 65, no report" {
	printf '{"id":"a","sample":0,"ok":true}\n{"id":"b","sample":0}\n' >bad.jsonl
	run --separate-stderr stp-passk bad.jsonl
	assert_failure 65
	assert_output ""
	assert_stderr "stp-passk: bad.jsonl:2: field 'ok': missing"
}

# ---- stp-sftdata

@test "stp-sftdata -k: a proof not verified ok is skipped, the examples are the rest's, exit 65" {
	stp-sftdata -q -o want.jsonl "$BATS_FILE_TMPDIR/human.jsonl"
	{ head -3 "$BATS_FILE_TMPDIR/human.jsonl"
	  sed -n 4p "$BATS_FILE_TMPDIR/human.jsonl" | sed 's/"ok":true/"ok":false/'
	  tail -n +4 "$BATS_FILE_TMPDIR/human.jsonl"; } >bad.jsonl
	run --separate-stderr stp-sftdata -q -k -o got.jsonl bad.jsonl
	assert_failure 65
	assert_stderr "stp-sftdata: warning: bad.jsonl:4: the proof is not verified ok (skipped)
stp-sftdata: 1 malformed record skipped"
	cmp want.jsonl got.jsonl
}

@test "stp-sftdata -k: a verdicts file that cannot be opened is skipped: no examples, exit 65" {
	run --separate-stderr stp-sftdata -q -k -o got.jsonl nosuch.jsonl
	assert_failure 65
	assert_stderr "stp-sftdata: warning: cannot open 'nosuch.jsonl': No such file or directory (skipped)
stp-sftdata: 1 malformed record skipped"
	[ -e got.jsonl ] && [ ! -s got.jsonl ]
}

@test "stp-sftdata without -k: a proof not verified ok exits 65 and leaves no output file" {
	{ head -3 "$BATS_FILE_TMPDIR/human.jsonl"
	  sed -n 4p "$BATS_FILE_TMPDIR/human.jsonl" | sed 's/"ok":true/"ok":false/'; } >bad.jsonl
	run --separate-stderr stp-sftdata -q -o got.jsonl bad.jsonl
	assert_failure 65
	assert_stderr "stp-sftdata: bad.jsonl:4: the proof is not verified ok"
	[ ! -e got.jsonl ]
}
