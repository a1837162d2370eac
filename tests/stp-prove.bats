#!/usr/bin/env bats
#
# stp-prove.bats - statements in, K attempts each out; and stp-conjecture
#
# The model is a tiny one trained once for the file on the human proofs
# (seconds): what is tested is the tools' contract, not the model's skill.

load test_helper

setup_file() {
	DB="$STP_ROOT/data/mm-pc/pc.mm"
	[[ -r "$DB" ]] || return 1
	cd "$BATS_FILE_TMPDIR" || return 1
	stp-verify -q "$STP_ROOT/data/mm-pc/proofs.jsonl" >human.jsonl
	stp-sftdata -q -o examples.jsonl human.jsonl "$STP_ROOT/data/mm-pc/statements.jsonl" 2>/dev/null ||
		stp-sftdata -o examples.jsonl human.jsonl "$STP_ROOT/data/mm-pc/statements.jsonl"
	printf 'model:\n  width: 32\n  layers: 1\n  heads: 2\n  ctx: 256\ntrain:\n  batch: 16\n  steps: 60\n  warmup: 10\n  lr: 0.01\n  seed: 3\n' >tiny.yaml
	stp-train -q -c tiny.yaml -o model.safetensors examples.jsonl
	grep '"split":"test"' "$STP_ROOT/data/mm-pc/statements.jsonl" | head -6 >test.jsonl
	cp "$BATS_TEST_DIRNAME/fixtures/prove/seeds.jsonl" .
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	cp "$BATS_FILE_TMPDIR"/{model.safetensors,test.jsonl,seeds.jsonl} .
}

@test "stp-prove --help prints the usage on stdout and exits 0" {
	run --separate-stderr stp-prove --help
	assert_success
	assert_line --index 0 --partial "usage: stp-prove"
}

@test "stp-prove: a bogus flag exits 64" {
	run --separate-stderr stp-prove --bogus
	assert_failure 64
}

@test "stp-prove: no model exits 64" {
	run --separate-stderr stp-prove test.jsonl
	assert_failure 64
	assert_stderr "stp-prove: no model: give --model CHECKPOINT (or prove.model in the configuration)"
}

@test "stp-prove: a full disk is not success (>/dev/full exits 74)" {
	run --separate-stderr bash -c 'stp-prove --model model.safetensors -n 2 test.jsonl >/dev/full'
	assert_failure 74
}

@test "stp-prove: K attempts per statement, in order, samples 0..K-1" {
	run --separate-stderr stp-prove --model model.safetensors -n 4 test.jsonl
	assert_success
	[[ ${#lines[@]} == 24 ]]
	assert_line --index 0 --partial '"id":"mm-pc/'
	[[ $(grep -c '"format":"steps","sample":0,' <<<"$output") == 6 ]]
	[[ $(grep -c '"sample":3,' <<<"$output") == 6 ]]
	assert_line --index 0 --regexp '"gen_tokens":[0-9]+,"gen_stop":"(eos|length|dead end)"'
}

@test "stp-prove: the same seed gives the same attempts; a sample does not depend on K or threads" {
	stp-prove -q --model model.safetensors -n 4 -j 1 test.jsonl >a4.jsonl
	stp-prove -q --model model.safetensors -n 4 -j 2 test.jsonl >b4.jsonl
	cmp a4.jsonl b4.jsonl
	stp-prove -q --model model.safetensors -n 8 test.jsonl >a8.jsonl
	# sample i of each statement is the same whether 4 or 8 are drawn
	cmp <(grep -E '"sample":[0-3],' a8.jsonl) a4.jsonl
	stp-prove -q --model model.safetensors -n 4 --seed 2 test.jsonl >s2.jsonl
	! cmp -s a4.jsonl s2.jsonl
}

@test "stp-prove: every constrained sample that ends with <eos> verifies" {
	stp-prove -q --model model.safetensors -n 16 test.jsonl >att.jsonl
	stp-verify -q att.jsonl >ver.jsonl
	n=$(grep -c '"gen_stop":"eos"' ver.jsonl || true)
	ok=$(grep '"gen_stop":"eos"' ver.jsonl | grep -c '"ok":true' || true)
	echo "ended with eos: $n, verified: $ok"
	[[ $n -gt 0 ]]
	[[ $n == "$ok" ]]
}

@test "stp-prove: each --iter draws fresh samples from the same model; the same --iter the same ones" {
	stp-prove -q --model model.safetensors -n 8 --iter 1 test.jsonl | sed 's/"iter":[0-9]*,//' >a1.jsonl
	stp-prove -q --model model.safetensors -n 8 --iter 1 test.jsonl | sed 's/"iter":[0-9]*,//' >b1.jsonl
	stp-prove -q --model model.safetensors -n 8 --iter 2 test.jsonl | sed 's/"iter":[0-9]*,//' >a2.jsonl
	[[ -s a1.jsonl ]]
	cmp a1.jsonl b1.jsonl
	run cmp -s a1.jsonl a2.jsonl
	assert_failure
	# most samples differ, not a few
	run python3 -c '
import json, sys
a = [json.loads(l)["proof"] for l in open("a1.jsonl")]
b = [json.loads(l)["proof"] for l in open("a2.jsonl")]
print(sum(x == y for x, y in zip(a, b)), len(a))'
	read -r same n <<<"$output"
	((same * 2 < n))
}

@test "stp-prove: a FIFO as the input file is read once, its records all proved" {
	stp-prove -q --model model.safetensors -n 2 test.jsonl >want.jsonl
	run --separate-stderr stp-prove -q --model model.safetensors -n 2 <(cat test.jsonl)
	assert_success
	[[ "$output" == "$(cat want.jsonl)" ]]
	[[ $(wc -l <want.jsonl) -eq 12 ]]
}

@test "stp-prove: K per category: prove.k_open, k_conjecture, k_reprove by the record's category" {
	sed -n 1p test.jsonl | sed 's/}$/,"category":"open"}/' >cat.jsonl
	sed -n 2p test.jsonl | sed 's/}$/,"category":"conjecture"}/' >>cat.jsonl
	sed -n 3p test.jsonl | sed 's/}$/,"category":"reprove"}/' >>cat.jsonl
	sed -n 4p test.jsonl >>cat.jsonl
	printf 'prove:\n  k_open: 5\n  k_conjecture: 3\n  k_reprove: 1\n' >k.yaml
	run --separate-stderr stp-prove -c k.yaml --model model.safetensors -n 2 cat.jsonl
	assert_success
	# 5 + 3 + 1, and the record without a category gets -n's 2
	[[ ${#lines[@]} == 11 ]]
	[[ $(grep -c '"category":"open"' <<<"$output") == 5 ]]
	[[ $(grep -c '"category":"conjecture"' <<<"$output") == 3 ]]
	[[ $(grep -c '"category":"reprove"' <<<"$output") == 1 ]]
	# the flags override the configuration; 0 means -n
	run --separate-stderr stp-prove -c k.yaml --k-open 0 --k-reprove 4 --model model.safetensors -n 2 cat.jsonl
	[[ ${#lines[@]} == 11 ]]
	[[ $(grep -c '"category":"open"' <<<"$output") == 2 ]]
	[[ $(grep -c '"category":"reprove"' <<<"$output") == 4 ]]
	# a sample is the same whatever K: sample 0 of the open one, with K 5 or 2
	stp-prove -q -c k.yaml --model model.safetensors -n 2 cat.jsonl | sed -n 1p >a.jsonl
	stp-prove -q --model model.safetensors -n 2 cat.jsonl | sed -n 1p >b.jsonl
	cmp a.jsonl b.jsonl
}

@test "stp-prove: a category that is not a string exits 65 naming the field" {
	sed -n 1p test.jsonl | sed 's/}$/,"category":7}/' >cat.jsonl
	run --separate-stderr stp-prove --model model.safetensors -n 2 cat.jsonl
	assert_failure 65
	assert_stderr "stp-prove: cat.jsonl:1: field 'category': expected a string"
}

@test "stp-prove --no-constrain samples freely" {
	run --separate-stderr stp-prove --model model.safetensors -n 4 --no-constrain test.jsonl
	assert_success
	[[ ${#lines[@]} == 24 ]]
}

@test "stp-prove --embed: one unit vector per statement" {
	run --separate-stderr stp-prove --embed --model model.safetensors test.jsonl
	assert_success
	[[ ${#lines[@]} == 6 ]]
	assert_line --index 0 --regexp '^\{"id":"mm-pc/[^"]*","embedding":\[[-0-9.e,]+\]\}$'
	# 32 numbers whose squares sum to 1
	awk -F'[][]' '{ n = split($2, v, ","); s = 0; for (i = 1; i <= n; i++) s += v[i] * v[i];
	               if (n != 32 || s < 0.999 || s > 1.001) exit 1 }' <<<"$output"
}

@test "stp-prove: a missing model exits 66, a corrupt one 65" {
	run --separate-stderr stp-prove --model nosuch.safetensors test.jsonl
	assert_failure 66
	head -c 1000 model.safetensors >cut.safetensors
	run --separate-stderr stp-prove --model cut.safetensors test.jsonl
	assert_failure 65
	assert_stderr_regexp "cut.safetensors"
}

@test "stp-prove: malformed JSON, a missing id: exit 65 naming file:line" {
	printf '%s\n' '{"id":"a","statement":"|- ( ph -> ph )"}' '{"id":' >bad.jsonl
	run --separate-stderr stp-prove --model model.safetensors -n 2 bad.jsonl
	assert_failure 65
	assert_stderr_regexp "^stp-prove: bad.jsonl:2: invalid JSON"
	printf '%s\n' '{"statement":"|- ( ph -> ph )"}' >noid.jsonl
	run --separate-stderr stp-prove --model model.safetensors -n 2 noid.jsonl
	assert_failure 65
	assert_stderr "stp-prove: noid.jsonl:1: field 'id': missing"
}

@test "stp-prove: an empty input gives no output and a warning" {
	: >empty.jsonl
	run --separate-stderr stp-prove -q --model model.safetensors empty.jsonl
	assert_success
	assert_output ""
	assert_stderr "stp-prove: warning: no records in the input"
}

@test "stp-prove: bad YAML exits 78" {
	printf 'prove:\n  samples: many\n' >bad.yaml
	run --separate-stderr stp-prove -c bad.yaml --model model.safetensors test.jsonl
	assert_failure 78
	assert_stderr "stp-prove: bad.yaml:2:12: 'prove.samples': expected an integer from 1 to 100000"
}

@test "stp-conjecture: well-formed, new conjectures with content ids" {
	run --separate-stderr stp-conjecture --model model.safetensors -n 8 --iter 3 \
		--dataset "$STP_ROOT/data/mm-pc/statements.jsonl" seeds.jsonl
	assert_success
	assert_stderr_regexp "5 seeds: 40 conjectures generated"
	# a tiny model writes few well-formed ones; those it keeps have the shape
	[[ -z $output ]] || while read -r l; do
		[[ $l =~ \"id\":\"c/[0-9a-f]{16}\" ]]
		[[ $l =~ \"source\":\"conjecture\" ]]
		[[ $l =~ \"iter\":3 ]]
	done <<<"$output"
}

@test "stp-conjecture: deterministic, and --max caps what is kept" {
	stp-conjecture -q --model model.safetensors -n 8 seeds.jsonl >a.jsonl
	stp-conjecture -q --model model.safetensors -n 8 -j 1 seeds.jsonl >b.jsonl
	cmp a.jsonl b.jsonl
	run --separate-stderr stp-conjecture -q --model model.safetensors -n 8 --max 2 seeds.jsonl
	assert_success
	[[ ${#lines[@]} -le 2 ]]
}

@test "stp-conjecture: a seed without its lemma is an error naming the field" {
	printf '%s\n' '{"id":"s","statement":"|- ph","proof":"H1","hyps":["|- ph"]}' >bad.jsonl
	run --separate-stderr stp-conjecture --model model.safetensors bad.jsonl
	assert_failure 65
	assert_stderr "stp-conjecture: bad.jsonl:1: field 'lemma': missing"
}
