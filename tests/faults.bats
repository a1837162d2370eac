#!/usr/bin/env bats
#
# faults.bats - every stage killed and rerun, and a full disk
#
# A tiny run (tests/fixtures/iteration, as iteration.bats) to iteration 2
# and its final re-training is the reference. Then each stage's output of
# iteration 2 (seeds, conjectures, the prover's input, attempts, verdicts,
# rewards, the model) and the final re-training is removed with what
# depends on it, make is started, killed with SIGKILL at several moments,
# and run again to the end: every file must equal the reference, byte for
# byte. A file size limit (ulimit -f, SIGXFSZ ignored) stands for a full
# disk: the tools exit 74 and leave no output file.

load test_helper

setup_file() {
	export RUN="bats-faults-$$"
	export MK="make -s -C $STP_ROOT RUN=$RUN CONFIG=tests/fixtures/iteration/tiny.yaml STMTS=tests/fixtures/iteration/statements.jsonl"
	export RD="$STP_ROOT/runs/$RUN"
	$MK sft >/dev/null 2>&1
	$MK iteration N=1 >/dev/null 2>&1
	$MK iteration N=2 >/dev/null 2>&1
	$MK final >/dev/null 2>&1
	mkdir -p "$BATS_FILE_TMPDIR/ref"
	cp -r "$RD/iter-002" "$RD/final" "$BATS_FILE_TMPDIR/ref/"
}

teardown_file() {
	rm -rf "$STP_ROOT/runs/$RUN"
}

ITER2="seeds.jsonl conjectures.jsonl conjectures.stats.json inputs.jsonl attempts.jsonl verdicts.jsonl examples.jsonl state.jsonl stats.json model.safetensors"

# same_as_ref: iteration 2 and the final re-training equal the reference
same_as_ref() {
	local f
	for f in $ITER2; do
		cmp "$BATS_FILE_TMPDIR/ref/iter-002/$f" "$RD/iter-002/$f" || return 1
	done
	for f in examples.jsonl model.safetensors; do
		cmp "$BATS_FILE_TMPDIR/ref/final/$f" "$RD/final/$f" || return 1
	done
	# no temporary left behind after the rerun
	local left
	left=$(find "$RD" -name '.*.tmp.*')
	[[ -z $left ]] || { echo "left behind: $left"; return 1; }
}

# kill_rerun FIRST...: remove iteration 2's files from FIRST on (and the
# final re-training), then for each delay start make, SIGKILL its process
# group after the delay, and finally run make to the end
kill_rerun() {
	local d pid f on
	for d in 0.05 0.2 0.5 1; do
		on=
		for f in $ITER2; do
			[[ $f == "$1" ]] && on=1
			[[ -n $on ]] && rm -f "$RD/iter-002/$f"
		done
		rm -rf "$RD/final"
		setsid bash -c "exec $MK iteration N=2 final" >/dev/null 2>&1 &
		pid=$!
		sleep "$d"
		kill -KILL -- "-$pid" 2>/dev/null || true
		wait "$pid" || true
	done
	$MK iteration N=2 final >/dev/null 2>&1
}

@test "seeds killed and rerun: the same bytes" {
	kill_rerun seeds.jsonl
	same_as_ref
}

@test "conjectures killed and rerun: the same bytes" {
	kill_rerun conjectures.jsonl
	same_as_ref
}

@test "the prover's input killed and rerun: the same bytes" {
	kill_rerun inputs.jsonl
	same_as_ref
}

@test "proving killed and rerun: the same bytes" {
	kill_rerun attempts.jsonl
	same_as_ref
}

@test "verification killed and rerun: the same bytes" {
	kill_rerun verdicts.jsonl
	same_as_ref
}

@test "rewards killed and rerun: the same bytes" {
	kill_rerun examples.jsonl
	same_as_ref
}

@test "training killed and rerun: the same bytes" {
	kill_rerun model.safetensors
	same_as_ref
}

@test "the final re-training killed and rerun: the same bytes" {
	local d pid
	for d in 0.05 0.3 1; do
		rm -rf "$RD/final"
		setsid bash -c "exec $MK final" >/dev/null 2>&1 &
		pid=$!
		sleep "$d"
		kill -KILL -- "-$pid" 2>/dev/null || true
		wait "$pid" || true
	done
	$MK final >/dev/null 2>&1
	same_as_ref
}

# full_disk CMD...: run CMD under a 1 KB file size limit, SIGXFSZ ignored
full_disk() {
	bash -c 'trap "" XFSZ; ulimit -f 1; exec "$@"' full "$@"
}

@test "a full disk: each stage exits 74 and leaves no output file" {
	cd "$BATS_TEST_TMPDIR"
	DB="$STP_ROOT/data/mm-pc/pc.mm"
	I1="$RD/iter-001" I2="$RD/iter-002"
	run full_disk stp-verify -q --db "$DB" -o v.jsonl "$I2/attempts.jsonl"
	assert_failure 74
	[[ ! -e v.jsonl ]]
	run full_disk stp-prove -q --db "$DB" --model "$I1/model.safetensors" -n 64 -o a.jsonl "$I2/inputs.jsonl"
	assert_failure 74
	[[ ! -e a.jsonl ]]
	run full_disk stp-train -q --db "$DB" -o m.safetensors "$STP_ROOT/runs/$RUN/iter-000/examples.jsonl"
	assert_failure 74
	[[ ! -e m.safetensors ]]
	run full_disk stp-reward -q --final -o f.jsonl "$I1/verdicts.jsonl" "$I2/verdicts.jsonl"
	assert_failure 74
	[[ ! -e f.jsonl ]]
	[[ -z $(ls -A | grep '\.tmp\.') ]]
}
