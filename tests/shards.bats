#!/usr/bin/env bats
#
# shards.bats - pipelines/shard.sh: a stage over 8 shards, through GNU parallel
# and through a real (single-node, local) Slurm, merged, against one plain run
#
# The stage is stp-verify on the human proofs of data/mm-pc (make data), every
# fifth one broken, so that verdicts of both kinds are merged; its verify_ms
# is deterministic, so the merged output must equal the plain run byte for
# byte. The Slurm cluster (munged, slurmctld, slurmd on 127.0.0.1, configured
# in a temporary directory by pipelines/shard-slurm-local.sh) is started once
# for the file; where it cannot start, the Slurm tests fail under CI=1 and
# skip otherwise, with the reason.

load test_helper

SHARD=$BATS_TEST_DIRNAME/../pipelines/shard.sh
LOCAL_SLURM=$BATS_TEST_DIRNAME/../pipelines/shard-slurm-local.sh

setup_file() {
	local proofs=$BATS_TEST_DIRNAME/../data/mm-pc/proofs.jsonl
	[[ -r $proofs ]] || return 0     # setup() reports it
	sed '0~5 s/"proof":"/"proof":"ax-mp /' "$proofs" >"$BATS_FILE_TMPDIR/attempts.jsonl"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH" stp-verify -q -j 2 "$BATS_FILE_TMPDIR/attempts.jsonl" \
		>"$BATS_FILE_TMPDIR/plain.jsonl"
	if "$LOCAL_SLURM" start "$BATS_FILE_TMPDIR/slurm" >"$BATS_FILE_TMPDIR/slurm.env" \
		2>"$BATS_FILE_TMPDIR/slurm.why"; then
		touch "$BATS_FILE_TMPDIR/slurm.up"
	fi
}

teardown_file() {
	if [[ -d $BATS_FILE_TMPDIR/slurm ]]; then
		"$LOCAL_SLURM" stop "$BATS_FILE_TMPDIR/slurm"
	fi
}

setup() {
	[[ -r $STP_ROOT/data/mm-pc/proofs.jsonl ]] || fail "data/mm-pc missing: run make data"
	cd "$BATS_TEST_TMPDIR" || return 1
	IN=$BATS_FILE_TMPDIR/attempts.jsonl
	PLAIN=$BATS_FILE_TMPDIR/plain.jsonl
}

# require_slurm: the local cluster is up (SLURM_CONF set), or fail under CI
# and skip elsewhere, saying why it is not
require_slurm() {
	if [[ ! -e $BATS_FILE_TMPDIR/slurm.up ]]; then
		local why
		why=$(cat "$BATS_FILE_TMPDIR/slurm.why" 2>/dev/null)
		if [[ -n ${CI:-} ]]; then
			fail "the local Slurm cluster did not start (CI must install slurm-wlm and munge): $why"
		fi
		skip "the local Slurm cluster did not start: $why"
	fi
	# shellcheck disable=SC1091
	source "$BATS_FILE_TMPDIR/slurm.env"
}

# A stage that records each call and fails the first time it sees shard 3.
flaky_stage() {
	cat >stage.sh <<-EOF
	#!/bin/bash
	echo "\${1##*/}" >>"$PWD/calls.log"
	if [[ \$1 == */00003.jsonl && ! -e "$PWD/failed-once" ]]; then
		touch "$PWD/failed-once"
		echo "stage: giving up on \$1" >&2
		exit 3
	fi
	exec stp-verify -q -j 1 "\$1"
	EOF
	chmod +x stage.sh
}

# ---- the command line

@test "shard.sh --help prints the usage on stdout and exits 0" {
	run --separate-stderr "$SHARD" --help
	assert_success
	assert_line --index 0 "usage: shard.sh split    -n N -d DIR [FILE...]"
	assert_stderr ""
}

@test "shard.sh with an unknown subcommand exits 64" {
	run --separate-stderr "$SHARD" bogus
	assert_failure 64
}

@test "shard.sh split -n 0 exits 64" {
	run --separate-stderr "$SHARD" split -d d -n 0 "$IN"
	assert_failure 64
	assert_stderr "shard.sh: split: -n: expected a whole number from 1, got '0'"
}

# ---- split and merge

@test "split: 8 shards of consecutive records, sizes within one, a manifest" {
	run --separate-stderr "$SHARD" split -n 8 -d d "$IN"
	assert_success
	run cat d/shards.tsv
	assert_output "index	first	records	file
0	0	143	in/00000.jsonl
1	143	144	in/00001.jsonl
2	287	143	in/00002.jsonl
3	430	144	in/00003.jsonl
4	574	144	in/00004.jsonl
5	718	143	in/00005.jsonl
6	861	144	in/00006.jsonl
7	1005	144	in/00007.jsonl"
	cat d/in/*.jsonl >joined
	cmp joined "$IN"
}

@test "split: the same input again changes nothing; another input is refused" {
	"$SHARD" split -n 8 -d d "$IN"
	touch -d '2001-01-01' d/in/00000.jsonl
	run --separate-stderr "$SHARD" split -n 8 -d d "$IN"
	assert_success
	[[ $(stat -c %Y d/in/00000.jsonl) == "$(date -d 2001-01-01 +%s)" ]]
	head -5 "$IN" >other.jsonl
	run --separate-stderr "$SHARD" split -n 8 -d d other.jsonl
	assert_failure 64
	assert_stderr "shard.sh: split: 'd' holds shards of another input or count (remove it first)"
}

@test "merge refuses while a shard is not done (exit 75)" {
	"$SHARD" split -n 8 -d d "$IN"
	run --separate-stderr "$SHARD" merge -d d -o merged.jsonl
	assert_failure 75
	assert_stderr "shard.sh: 8 of 8 shards not done: 00000 00001 00002 00003 00004 00005 00006 00007 (logs in $PWD/d/log; run again to resume)"
	[[ ! -e merged.jsonl ]]
}

# ---- GNU parallel

@test "parallel: stp-verify over 8 shards, merged, equals one plain run byte for byte" {
	"$SHARD" split -n 8 -d d "$IN"
	run --separate-stderr "$SHARD" parallel -d d -j 2 -- stp-verify -q -j 1 {}
	assert_success
	assert_stderr ""
	run "$SHARD" merge -d d -o merged.jsonl
	assert_success
	cmp merged.jsonl "$PLAIN"
	run grep -c 'shard.sh task' d/parallel.joblog
	assert_output 8
}

@test "parallel: a stage that reads its shard on stdin gives the same merged output" {
	"$SHARD" split -n 8 -d d "$IN"
	run --separate-stderr "$SHARD" parallel -d d -- stp-verify -q -j 1
	assert_success
	"$SHARD" merge -d d -o merged.jsonl
	cmp merged.jsonl "$PLAIN"
}

@test "parallel: a resumed run skips the shards done and reruns only the one that failed" {
	flaky_stage
	"$SHARD" split -n 8 -d d "$IN"
	run --separate-stderr "$SHARD" parallel -d d -j 2 -- "$PWD/stage.sh" {}
	assert_failure 75
	assert_stderr "shard.sh: shard 00003: the stage exited 3 (see $PWD/d/log/00003.err)
shard.sh: 1 of 8 shards not done: 00003 (logs in $PWD/d/log; run again to resume)"
	run cat d/log/00003.err
	assert_output "stage: giving up on $PWD/d/in/00003.jsonl"
	[[ ! -e d/out/00003.jsonl ]]
	ls -a d/out | grep -qv tmp
	: >calls.log
	run --separate-stderr "$SHARD" parallel -d d -j 2 -- "$PWD/stage.sh" {}
	assert_success
	run cat calls.log
	assert_output "00003.jsonl"
	"$SHARD" merge -d d -o merged.jsonl
	cmp merged.jsonl "$PLAIN"
}

@test "run --parallel: split, run and merge in one command" {
	run --separate-stderr "$SHARD" run -n 8 -d d --parallel -j 2 -o merged.jsonl -i "$IN" -- \
		stp-verify -q -j 1 {}
	assert_success
	assert_stderr ""
	cmp merged.jsonl "$PLAIN"
}

# ---- Slurm (a real single-node cluster)

@test "slurm: stp-verify over 8 shards as an array job, merged, equals one plain run byte for byte" {
	require_slurm
	"$SHARD" split -n 8 -d d "$IN"
	run --separate-stderr "$SHARD" slurm -d d -- stp-verify -q -j 1 {}
	assert_success
	assert_stderr ""
	run "$SHARD" merge -d d -o merged.jsonl
	assert_success
	cmp merged.jsonl "$PLAIN"
	# one array job, a task per shard
	jid=$(cat d/slurm.jobid)
	run bash -c "ls d/log | grep -c '^slurm-${jid}_[0-7].out$'"
	assert_output 8
}

@test "slurm: a resumed run submits tasks only for the shards not done" {
	require_slurm
	flaky_stage
	"$SHARD" split -n 8 -d d "$IN"
	run --separate-stderr "$SHARD" slurm -d d -- "$PWD/stage.sh" {}
	assert_failure 75
	assert_stderr "shard.sh: 1 of 8 shards not done: 00003 (logs in $PWD/d/log; run again to resume)"
	first=$(cat d/slurm.jobid)
	: >calls.log
	run --separate-stderr "$SHARD" slurm -d d -- "$PWD/stage.sh" {}
	assert_success
	second=$(cat d/slurm.jobid)
	[[ $second != "$first" ]]
	run cat calls.log
	assert_output "00003.jsonl"
	run bash -c "ls d/log | grep '^slurm-${second}_'"
	assert_output "slurm-${second}_3.out"
	"$SHARD" merge -d d -o merged.jsonl
	cmp merged.jsonl "$PLAIN"
	# all done: nothing is submitted
	run --separate-stderr "$SHARD" slurm -d d -- "$PWD/stage.sh" {}
	assert_success
	[[ $(cat d/slurm.jobid) == "$second" ]]
}

@test "run --slurm with --no-wait, then wait and merge" {
	require_slurm
	"$SHARD" split -n 8 -d d "$IN"
	run --separate-stderr "$SHARD" slurm -d d --no-wait -- stp-verify -q -j 1 {}
	assert_success
	assert_output "$(cat d/slurm.jobid)"
	run --separate-stderr "$SHARD" wait -d d
	assert_success
	run "$SHARD" status -d d
	assert_output "8 shards, 8 done, 0 not done"
	"$SHARD" merge -d d -o merged.jsonl
	cmp merged.jsonl "$PLAIN"
}

# ---- another backend

@test "parallel: stp-verify --backend lean (scripted REPL) over 8 shards equals a plain run, verify_ms aside" {
	local py=${PYTHON:-/usr/bin/python3}
	[[ -x $py ]] || py=$(command -v python3) || fail "python3 is missing"
	for i in $(seq 1 80); do
		case $((i % 4)) in
		0) proof='  sorry' ;;
		1) proof='  simp [Nat.add_comm]' ;;
		2) proof='  exact h repl:axiom=h' ;;
		3) proof='  linarith repl:error=linarith failed' ;;
		esac
		printf '{"id":"t%d","system":"lean","context":"import Mathlib","statement":"theorem t%d : True := by","proof":"%s"}\n' \
			"$i" "$i" "$proof"
	done >lean.jsonl
	repl="exec $py $STP_ROOT/tests/peers/repl.py"
	stp-verify -q --backend lean --lean-cmd "$repl" -j 2 -o plain-lean.jsonl lean.jsonl
	"$SHARD" split -n 8 -d d lean.jsonl
	run --separate-stderr "$SHARD" parallel -d d -j 2 -- \
		stp-verify -q --backend lean --lean-cmd "$repl" -j 1 {}
	assert_success
	"$SHARD" merge -d d -o merged.jsonl
	sed -E 's/"verify_ms":[0-9.e+-]+//' plain-lean.jsonl >a
	sed -E 's/"verify_ms":[0-9.e+-]+//' merged.jsonl >b
	cmp a b
	run grep -c '"ok":true' b
	assert_output 20
}
