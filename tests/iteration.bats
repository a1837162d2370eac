#!/usr/bin/env bats
#
# iteration.bats - make iteration N=k: every stage one file, rerunnable
#
# A tiny run (tests/fixtures/iteration: a tiny model, 21 statements, 3 of
# them `test`) in runs/bats-iteration-PID, removed at the end. What is tested
# is the pipeline's contract: the stages' files, rerunning only the reward
# stage, a stage killed mid-run then rerun ending with the same outputs, no
# example ever stating a `test` statement, and the periodic re-training.

load test_helper

setup_file() {
	export RUN="bats-iteration-$$"
	export MK="make -s -C $STP_ROOT RUN=$RUN CONFIG=tests/fixtures/iteration/tiny.yaml STMTS=tests/fixtures/iteration/statements.jsonl"
	export RD="$STP_ROOT/runs/$RUN"
	$MK sft >/dev/null 2>&1
	$MK iteration N=1 >/dev/null 2>&1
	$MK iteration N=2 >/dev/null 2>&1
	mkdir -p "$BATS_FILE_TMPDIR/ref"
	cp -r "$RD/iter-002" "$BATS_FILE_TMPDIR/ref/"
}

teardown_file() {
	rm -rf "$STP_ROOT/runs/$RUN" "$STP_ROOT/runs/$RUN-refresh"
}

# same_as_ref: iteration 2's stage files equal the uninterrupted run's
same_as_ref() {
	for f in seeds.jsonl conjectures.jsonl conjectures.stats.json inputs.jsonl attempts.jsonl \
	         verdicts.jsonl examples.jsonl state.jsonl stats.json model.safetensors; do
		cmp "$BATS_FILE_TMPDIR/ref/iter-002/$f" "$RD/iter-002/$f" || return 1
	done
}

@test "an iteration writes every stage's file" {
	for f in seeds.jsonl conjectures.jsonl inputs.jsonl attempts.jsonl verdicts.jsonl \
	         examples.jsonl state.jsonl stats.json model.safetensors; do
		[[ -e "$RD/iter-001/$f" ]] || fail "iter-001/$f missing"
		[[ -e "$RD/iter-002/$f" ]] || fail "iter-002/$f missing"
	done
	# iteration 1 proves every dataset statement with K = 64, iteration 2 with 32
	[[ $(grep -c '"sample":63,' "$RD/iter-001/attempts.jsonl") -ge 1 ]]
	[[ $(grep -c '"sample":32,' "$RD/iter-002/attempts.jsonl" || true) == 0 ]]
	run cat "$RD/iter-002/stats.json"
	assert_output --regexp '^\{"iter":2,"cumulative_pass":\{"train":[0-9.]+,"unproved":[0-9.]+,"all":[0-9.]+\}'
}

@test "make iteration again does nothing: nothing is stale" {
	run $MK -q N=2 "runs/$RUN/iter-002/model.safetensors" "runs/$RUN/iter-002/stats.json"
	assert_success
}

@test "make reward N=2 reproduces its outputs byte for byte, without proving or verifying" {
	run $MK reward N=2
	assert_success
	same_as_ref
	# the stages before the reward were not rerun
	[[ "$RD/iter-002/verdicts.jsonl" -ot "$RD/iter-002/examples.jsonl" ]]
	cmp "$BATS_FILE_TMPDIR/ref/iter-002/verdicts.jsonl" "$RD/iter-002/verdicts.jsonl"
}

# kill_during SIGNAL GLOB: start make iteration N=2 on a clean iteration 2,
# send SIGNAL to its whole process group once a file matching GLOB appears in
# iteration 2 (or after a few seconds), then rerun make to the end.
kill_during() {
	local sig=$1 watch=$2 pid t
	rm -rf "$RD/iter-002"
	# a background job of a non-interactive shell starts with SIGINT ignored:
	# perl restores the default before make starts
	# shellcheck disable=SC2086
	setsid perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die' -- $MK iteration N=2 >/dev/null 2>&1 &
	pid=$!
	for t in $(seq 400); do
		if compgen -G "$RD/iter-002/$watch" >/dev/null; then
			break
		fi
		sleep 0.025
	done
	kill "-$sig" -- "-$pid" 2>/dev/null || true
	wait "$pid" || true
	# the kill came before the end: the test tests something
	[[ ! -e "$RD/iter-002/model.safetensors" ]] || [[ ! -e "$RD/iter-002/stats.json" ]] ||
		fail "the run had finished before the signal"
	$MK iteration N=2 >/dev/null 2>&1
}

@test "prove killed by SIGINT, then make iteration again: the same outputs" {
	kill_during INT '.attempts.jsonl.tmp.*'
	same_as_ref
}

@test "prove killed by SIGKILL, then make iteration again: the same outputs" {
	kill_during KILL '.attempts.jsonl.tmp.*'
	same_as_ref
}

@test "training killed by SIGKILL, then make iteration again: the same outputs" {
	# the shard set is published before the optimizer's first step
	kill_during KILL model.safetensors.shards
	same_as_ref
}

@test "iteration 3 without iteration 2 is an error" {
	rm -rf "$RD/iter-002"
	run $MK iteration N=3
	assert_failure
	$MK iteration N=2 >/dev/null 2>&1
	same_as_ref
}

@test "no training example of any role states a test statement: SFT, iterations, final" {
	$MK final >/dev/null 2>&1
	S="$STP_ROOT/tests/fixtures/iteration/statements.jsonl"
	[[ $(grep -c '"split":"test"' "$S") == 3 ]]
	for f in iter-000/examples.jsonl iter-001/examples.jsonl iter-002/examples.jsonl final/examples.jsonl; do
		[[ -s "$RD/$f" ]] || fail "$f missing"
		run stp-train -q --held-out "$S" --shards-only --shards "$BATS_TEST_TMPDIR/sh" "$RD/$f"
		assert_success
	done
	# the check can fail: a renamed test statement among them is caught
	echo '{"role":"prover","statement":"|- ( th -> ch )","hyps":["|- ( ps -> ch )","|- ps"],"target":"H1"}' >"$BATS_TEST_TMPDIR/leak.jsonl"
	run stp-train -q --held-out "$S" --shards-only --shards "$BATS_TEST_TMPDIR/sh" "$RD/final/examples.jsonl" \
		"$BATS_TEST_TMPDIR/leak.jsonl"
	assert_failure 65
}

@test "train.iter.refresh_every 2: iteration 2 re-trains from scratch on everything so far" {
	R2="$RUN-refresh"
	C="$BATS_TEST_TMPDIR/refresh.yaml"
	sed 's/^  iter:$/  iter:\n    refresh_every: 2/' "$STP_ROOT/tests/fixtures/iteration/tiny.yaml" >"$C"
	grep -q 'refresh_every: 2' "$C"
	M2="make -s -C $STP_ROOT RUN=$R2 CONFIG=$C STMTS=tests/fixtures/iteration/statements.jsonl"
	$M2 sft >/dev/null 2>&1
	$M2 iteration N=1 >/dev/null 2>&1
	[[ ! -e "$STP_ROOT/runs/$R2/iter-001/refresh.jsonl" ]]
	$M2 iteration N=2 >/dev/null 2>&1
	F="$STP_ROOT/runs/$R2/iter-002/refresh.jsonl"
	[[ -s "$F" ]]
	# the SFT examples first, then proofs of iterations 1 and 2, then the
	# conjecturer examples of both
	cmp <(head -n "$(wc -l <"$STP_ROOT/runs/$R2/iter-000/examples.jsonl")" "$F") \
		"$STP_ROOT/runs/$R2/iter-000/examples.jsonl"
	# the model is what training from scratch on that file gives
	stp-train -q -c "$C" --db "$STP_ROOT/data/mm-pc/pc.mm" -o "$BATS_TEST_TMPDIR/m.safetensors" "$F"
	cmp "$BATS_TEST_TMPDIR/m.safetensors" "$STP_ROOT/runs/$R2/iter-002/model.safetensors"
}

@test "the run's configuration: a newer CONFIG with the same settings keeps the copy (nothing retrained); other settings replace it" {
	local r="bats-config-$$" a="$BATS_TEST_TMPDIR/a.yaml" b="$BATS_TEST_TMPDIR/b.yaml"
	local mk="make -s -C $STP_ROOT RUN=$r"
	printf 'train:\n  steps: 10\n' >"$a"
	$mk CONFIG="$a" "runs/$r/config.yaml"
	cmp "$a" "$STP_ROOT/runs/$r/config.yaml"
	# a comment, and newer: the copy stays, with its time
	printf '# a comment\ntrain:\n  steps: 10\n' >"$b"
	touch -d '1 hour ago' "$STP_ROOT/runs/$r/config.yaml"
	local t0; t0=$(stat -c %Y "$STP_ROOT/runs/$r/config.yaml")
	$mk CONFIG="$b" "runs/$r/config.yaml"
	cmp "$a" "$STP_ROOT/runs/$r/config.yaml"
	[[ $(stat -c %Y "$STP_ROOT/runs/$r/config.yaml") == "$t0" ]]
	# another setting: replaced
	printf 'train:\n  steps: 11\n' >"$b"
	$mk CONFIG="$b" "runs/$r/config.yaml"
	cmp "$b" "$STP_ROOT/runs/$r/config.yaml"
	rm -rf "$STP_ROOT/runs/$r"
}

@test "a newer CONFIG with the same settings: make sft again trains nothing" {
	local c="$BATS_TEST_TMPDIR/tiny.yaml"
	{ echo '# the same settings, a newer file'; cat "$STP_ROOT/tests/fixtures/iteration/tiny.yaml"; } >"$c"
	local t0; t0=$(stat -c %Y "$RD/iter-000/model.safetensors")
	run make -s -C "$STP_ROOT" RUN="$RUN" CONFIG="$c" STMTS=tests/fixtures/iteration/statements.jsonl sft
	assert_success
	[[ $(stat -c %Y "$RD/iter-000/model.safetensors") == "$t0" ]]
	[[ $output != *stp-train* ]]
}
