#!/usr/bin/env bats
#
# resume.bats - a killed make sft, rerun, resumes and ends with the same bytes
#
# make sft passes --resume to stp-train; train.save_every writes resume
# points. A tiny run (tests/fixtures/iteration's configuration with more
# steps and a resume point every 10) in runs/bats-resume-PID, removed at the
# end: one make sft never stopped, one killed (SIGKILL to its process group)
# once a resume point exists, then rerun.

load test_helper

setup() {
	export RUN="bats-resume-$$"
	export RD="$STP_ROOT/runs/$RUN"
	C="$BATS_TEST_TMPDIR/resume.yaml"
	sed 's/^  steps: 60$/  steps: 150\n  save_every: 10/' \
		"$STP_ROOT/tests/fixtures/iteration/tiny.yaml" >"$C"
	grep -q '^  save_every: 10$' "$C"
	MK="make -s -C $STP_ROOT CONFIG=$C STMTS=tests/fixtures/iteration/statements.jsonl"
}

teardown() {
	rm -rf "$STP_ROOT/runs/$RUN" "$STP_ROOT/runs/$RUN-ref"
}

@test "make sft killed after a resume point, then rerun: the same checkpoint, no resume point left" {
	$MK RUN="$RUN-ref" sft >/dev/null 2>&1
	REF="$STP_ROOT/runs/$RUN-ref/iter-000/model.safetensors"
	[[ -s $REF ]]
	run compgen -G "$STP_ROOT/runs/$RUN-ref/iter-000/*.resume-*"
	assert_failure
	setsid bash -c "exec $MK RUN=$RUN sft" >/dev/null 2>&1 &
	pid=$!
	# wait for a complete resume point (its model is renamed into place
	# after its state), or for make to end
	for t in $(seq 6000); do
		compgen -G "$RD/iter-000/model.safetensors.resume-*-*.safetensors" >/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" || true
	compgen -G "$RD/iter-000/model.safetensors.resume-*-*.safetensors" >/dev/null ||
		fail "no resume point was written"
	[[ ! -e "$RD/iter-000/model.safetensors" ]] || fail "make sft ended before it was killed"
	run --separate-stderr $MK RUN="$RUN" sft
	assert_success
	assert_stderr_regexp "resuming at step [1-9][0-9]* of 150"
	cmp "$REF" "$RD/iter-000/model.safetensors"
	run compgen -G "$RD/iter-000/*.resume-*"
	assert_failure
	run compgen -G "$RD/iter-000/.*.tmp.*"
	assert_failure
}
