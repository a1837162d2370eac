#!/usr/bin/env bats
#
# stp-passk.bats - pass@k of verdicts: the values of k (-K/--ks, passk.ks),
# --split, the report

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	# two statements, two samples each: a solves with sample 0, b with 1
	printf '%s\n' '{"id":"a","sample":0,"ok":true,"split":"train"}' \
		'{"id":"a","sample":1,"ok":false,"split":"train"}' \
		'{"id":"b","sample":0,"ok":false,"split":"test"}' \
		'{"id":"b","sample":1,"ok":true,"split":"test"}' >v.jsonl
}

@test "stp-passk: pass@1 and pass@8, 32 left out beyond the samples, by default" {
	run --separate-stderr stp-passk v.jsonl
	assert_success
	assert_output '{"statements":2,"samples":2,"pass@1":{"mean":0.5,"std":0.0,"groups":2},"solved":2}'
}

@test "stp-passk -K LIST: the values of k" {
	run --separate-stderr stp-passk -K 1,2 v.jsonl
	assert_success
	assert_output '{"statements":2,"samples":2,"pass@1":{"mean":0.5,"std":0.0,"groups":2},"pass@2":{"mean":1.0,"groups":1},"solved":2}'
}

@test "stp-passk --ks LIST is -K LIST" {
	run --separate-stderr stp-passk --ks 2 v.jsonl
	assert_success
	assert_output '{"statements":2,"samples":2,"pass@2":{"mean":1.0,"groups":1},"solved":2}'
}

@test "stp-passk: passk.ks in the configuration, and --ks over it" {
	printf 'passk:\n  ks: [2]\n' >c.yaml
	run --separate-stderr stp-passk -c c.yaml v.jsonl
	assert_success
	assert_output --partial '"pass@2"'
	refute_output --partial '"pass@1"'
	run --separate-stderr stp-passk -c c.yaml --ks 1 v.jsonl
	assert_output --partial '"pass@1"'
	refute_output --partial '"pass@2"'
}

@test "stp-passk --split NAME counts only that split's verdicts" {
	run --separate-stderr stp-passk --ks 2 --split test v.jsonl
	assert_success
	assert_output '{"statements":1,"samples":2,"pass@2":{"mean":1.0,"groups":1},"solved":1}'
}

@test "stp-passk --split NAME: a verdict without a split is in none" {
	# (after one of that split: nothing of the record before is taken for its split)
	{ cat v.jsonl; echo '{"id":"c","sample":0,"ok":true}'; echo '{"id":"c","sample":1,"ok":true,"split":null}'; } >nosplit.jsonl
	run --separate-stderr stp-passk --ks 2 --split test nosplit.jsonl
	assert_success
	assert_output '{"statements":1,"samples":2,"pass@2":{"mean":1.0,"groups":1},"solved":1}'
}

@test "stp-passk: a bad LIST is bad usage (64)" {
	run --separate-stderr stp-passk --ks 1,x v.jsonl
	assert_failure 64
	assert_stderr "stp-passk: --ks: expected 1 to 16 whole numbers from 1 to 1048576 separated by commas, got 'x'"
	run --separate-stderr stp-passk -K 0 v.jsonl
	assert_failure 64
}

@test "stp-passk: a bad passk.ks is a configuration error (78) at its place" {
	printf 'passk:\n  ks: [1, x]\n' >c.yaml
	run --separate-stderr stp-passk -c c.yaml v.jsonl
	assert_failure 78
	assert_stderr "stp-passk: c.yaml:2:7: 'passk.ks': expected 1 to 16 whole numbers from 1 to 1048576, got 'x'"
}

@test "stp-passk -o FILE writes the report there, not on stdout" {
	run --separate-stderr stp-passk -o p.json v.jsonl
	assert_success
	assert_output ""
	[ "$(cat p.json)" = "$(stp-passk v.jsonl)" ]
}

@test "stp-passk: a full disk is not success (>/dev/full exits 74)" {
	run --separate-stderr bash -c 'stp-passk v.jsonl >/dev/full'
	assert_failure 74
}
