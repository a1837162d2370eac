#!/usr/bin/env bats
#
# pipelines.bats - pipelines/iteration.sh and pipelines/ei.sh against make, on
# a tiny run: 20 statements (14 train, 6 unproved; 2 test ones that must be
# left out), a tiny model (seconds to train), the seed threshold lowered so
# that seeds and conjecture sampling happen. The run lives in a scratch tree
# whose bin/, data/, tools/, pipelines/ are links to the repository's, so make
# (-f the repository's Makefile, TOOLS_= so that it never rebuilds a tool)
# and the scripts work on the same relative paths as in the repository.

load test_helper

MK=(make -s -f "$STP_ROOT/Makefile" TOOLS_= RUN=tiny STMTS=stmts.jsonl CONFIG=tiny.yaml)

setup_file() {
	[[ -r "$STP_ROOT/data/mm-pc/pc.mm" ]] || return 1
	cd "$BATS_FILE_TMPDIR" || return 1
	scratch_tree base
	cd base || return 1
	{
		grep '"split":"train"' data/mm-pc/statements.jsonl | head -14
		grep '"split":"unproved"' data/mm-pc/statements.jsonl | head -6
		grep '"split":"test"' data/mm-pc/statements.jsonl | head -2
	} >stmts.jsonl
	cat >tiny.yaml <<-EOF
	model: { width: 32, layers: 1, heads: 2, ctx: 256 }
	train:
	  batch: 16
	  steps: 300
	  warmup: 20
	  lr: 0.01
	  seed: 3
	  iter: { steps: 20, warmup: 5, lr: 0.003 }
	prove: { max_tokens: 48 }
	conjecture: { max_tokens: 48 }
	seed: { threshold: 0.05, lemma_cap: 1 }
	EOF
	# iteration 0 by make; every test starts from a copy of it
	"${MK[@]}" sft >/dev/null 2>&1
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	cp -a "$BATS_FILE_TMPDIR/base" a
	cp -a "$BATS_FILE_TMPDIR/base" b
}

@test "pipelines: iteration.sh without N exits 64 with the usage" {
	cd a
	run --separate-stderr pipelines/iteration.sh tiny
	assert_failure 64
	assert_stderr_regexp "usage: pipelines/iteration.sh RUN N \[CONFIG\]"
}

@test "pipelines: an N that is not a number exits 64" {
	cd a
	run --separate-stderr pipelines/iteration.sh tiny x tiny.yaml
	assert_failure 64
	assert_stderr "pipelines/iteration.sh: N: expected a whole number, got 'x'"
}

@test "pipelines: ei.sh round 0 exits 64" {
	cd a
	run --separate-stderr pipelines/ei.sh tiny 0 tiny.yaml
	assert_failure 64
}

@test "pipelines: iteration N needs iteration N-1 (exit 66, saying which file)" {
	cd a
	run --separate-stderr env STMTS=stmts.jsonl pipelines/iteration.sh tiny 3 tiny.yaml
	assert_failure 66
	assert_stderr "pipelines/iteration.sh: 'runs/tiny/iter-002/state.jsonl' missing: run iteration 2 first"
}

@test "pipelines/iteration.sh writes the same files as make iteration, byte for byte (iterations 1 and 2)" {
	(cd a && "${MK[@]}" iteration N=1 >/dev/null 2>&1 && "${MK[@]}" iteration N=2 >/dev/null 2>&1)
	(cd b && STMTS=stmts.jsonl pipelines/iteration.sh tiny 1 tiny.yaml >/dev/null 2>&1 &&
		STMTS=stmts.jsonl pipelines/iteration.sh tiny 2 tiny.yaml >/dev/null 2>&1)
	# every stage's file, the verdict cache, n, config.yaml: the same names, the same bytes
	diff <(cd a/runs && find . | sort) <(cd b/runs && find . | sort)
	diff -r -x metrics.jsonl -x versions.txt a/runs b/runs
	for f in seeds.jsonl conjectures.jsonl conjectures.stats.json inputs.jsonl attempts.jsonl \
		verdicts.jsonl examples.jsonl state.jsonl stats.json model.safetensors; do
		[[ -e b/runs/tiny/iter-002/$f ]]
	done
	# iteration 2 had seeds; the test statements were never attempted
	[[ -s b/runs/tiny/iter-002/seeds.jsonl ]]
	[[ $(grep -c '"split":"test"' b/runs/tiny/iter-002/attempts.jsonl) == 0 ]]
	# no temporary left behind
	[[ -z $(find b/runs -name '*.tmp*') ]]
}

@test "after pipelines/iteration.sh, make finds iteration 2 up to date" {
	cd b
	STMTS=stmts.jsonl pipelines/iteration.sh tiny 1 tiny.yaml >/dev/null 2>&1
	STMTS=stmts.jsonl pipelines/iteration.sh tiny 2 tiny.yaml >/dev/null 2>&1
	run "${MK[@]}" -q N=2 runs/tiny/iter-002/model.safetensors runs/tiny/iter-002/stats.json \
		runs/tiny/iter-002/examples.jsonl
	assert_success
}

@test "make reward N=2 reproduces the reward stage's outputs byte for byte, without prover or verifier" {
	cd a
	"${MK[@]}" iteration N=1 >/dev/null 2>&1
	"${MK[@]}" iteration N=2 >/dev/null 2>&1
	I=runs/tiny/iter-002
	mkdir ../saved
	cp -p $I/examples.jsonl $I/state.jsonl $I/stats.json $I/attempts.jsonl $I/verdicts.jsonl \
		runs/tiny/verdict-cache.jsonl ../saved/
	sleep 1
	run make -f "$STP_ROOT/Makefile" TOOLS_= RUN=tiny STMTS=stmts.jsonl CONFIG=tiny.yaml reward N=2
	assert_success
	# the command make ran: stp-reward alone
	[[ $(grep -c '^bin/stp-' <<<"$output") == 1 ]]
	assert_line --index 0 --partial 'bin/stp-reward -q -c runs/tiny/config.yaml --iter 2 '
	for f in examples.jsonl state.jsonl stats.json; do cmp ../saved/$f $I/$f; done
	# the attempts, verdicts and cache untouched (same bytes, same times)
	for f in attempts.jsonl verdicts.jsonl; do
		cmp ../saved/$f $I/$f
		[[ $(stat -c %Y ../saved/$f) == $(stat -c %Y $I/$f) ]]
	done
	[[ $(stat -c %Y ../saved/verdict-cache.jsonl) == $(stat -c %Y runs/tiny/verdict-cache.jsonl) ]]
}

@test "pipelines/ei.sh writes the same files as make ei, byte for byte (rounds 1 and 2)" {
	(cd a && "${MK[@]}" ei N=1 >/dev/null 2>&1 && "${MK[@]}" ei N=2 >/dev/null 2>&1)
	(cd b && STMTS=stmts.jsonl pipelines/ei.sh tiny 1 tiny.yaml >/dev/null 2>&1 &&
		STMTS=stmts.jsonl pipelines/ei.sh tiny 2 tiny.yaml >/dev/null 2>&1)
	diff <(cd a/runs && find . | sort) <(cd b/runs && find . | sort)
	diff -r -x metrics.jsonl -x versions.txt a/runs b/runs
	# 64 samples of each statement not yet proved, no conjectures
	E=b/runs/tiny-ei/iter-001
	[[ $(wc -l <$E/attempts.jsonl) == $((64 * $(wc -l <$E/inputs.jsonl))) ]]
	[[ $(grep -c '"source":"conjecture"' $E/inputs.jsonl) == 0 ]]
	[[ -s b/runs/tiny-ei/iter-002/examples.jsonl ]]
}

@test "train.iter.refresh_every 2 in expert iteration: round 2 from scratch on the SFT examples and the proofs, round 3 from round 2's model; ei.sh the same bytes" {
	sed -i 's/lr: 0.003 }/lr: 0.003, refresh_every: 2 }/' a/tiny.yaml b/tiny.yaml
	grep -q 'refresh_every: 2 }' a/tiny.yaml
	grep -q 'refresh_every: 2 }' b/tiny.yaml
	(cd a && for n in 1 2 3; do "${MK[@]}" ei N=$n >/dev/null 2>&1 || exit 1; done)
	(cd b && for n in 1 2 3; do STMTS=stmts.jsonl pipelines/ei.sh tiny $n tiny.yaml >/dev/null 2>&1 || exit 1; done)
	diff <(cd a/runs && find . | sort) <(cd b/runs && find . | sort)
	diff -r -x metrics.jsonl -x versions.txt a/runs b/runs
	cd a
	E=runs/tiny-ei
	[[ ! -e $E/iter-001/refresh.jsonl && ! -e $E/iter-003/refresh.jsonl ]]
	# the SFT examples first, then the proofs of rounds 1 and 2
	n0=$(wc -l <runs/tiny/iter-000/examples.jsonl)
	cmp <(head -n "$n0" $E/iter-002/refresh.jsonl) runs/tiny/iter-000/examples.jsonl
	[[ $(wc -l <$E/iter-002/refresh.jsonl) -gt $n0 ]]
	stp-train -q -c tiny.yaml --db data/mm-pc/pc.mm -o m2.safetensors $E/iter-002/refresh.jsonl
	cmp m2.safetensors $E/iter-002/model.safetensors
	# round 3 continues from round 2's model, not the SFT model
	stp-train -q -c tiny.yaml --db data/mm-pc/pc.mm --held-out stmts.jsonl --phase iter \
		--init $E/iter-002/model.safetensors -o m3.safetensors $E/iter-003/examples.jsonl
	cmp m3.safetensors $E/iter-003/model.safetensors
}
