#!/usr/bin/env bats
#
# stp-reward.bats - every reward rule of docs/algorithm.md, 5. Rewards, on hand-made verdicts
# (tests/fixtures/reward/), the state, the stats, --final, --init-state, and
# bad input.
#
# Most tests turn the Wasserstein step off (nw.yaml: reward.wasserstein:
# false); the ones about it use a tiny model trained once for the file, and
# conjectures whose statements are those of unproved dataset statements (an
# identical prompt has an identical embedding, so the nearest x of each y is
# known). Golden files (expected-*) are rewritten only with UPDATE=1.

load test_helper

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	stp-verify -q "$STP_ROOT/data/mm-pc/proofs.jsonl" >human.jsonl || return 1
	stp-sftdata -o examples.jsonl human.jsonl "$STP_ROOT/data/mm-pc/statements.jsonl" 2>/dev/null ||
		return 1
	printf 'model:\n  width: 32\n  layers: 1\n  heads: 2\n  ctx: 256\ntrain:\n  batch: 16\n  steps: 60\n  warmup: 10\n  lr: 0.01\n  seed: 3\n' >tiny.yaml
	stp-train -q -c tiny.yaml -o model.safetensors examples.jsonl 2>/dev/null
}

setup() {
	F="$BATS_TEST_DIRNAME/fixtures/reward"
	cd "$BATS_TEST_TMPDIR" || return 1
	cp "$F"/* .
	MODEL="$BATS_FILE_TMPDIR/model.safetensors"
}

# golden NAME FILE: FILE must equal tests/fixtures/reward/NAME (UPDATE=1 rewrites it)
golden() {
	if [[ -n "${UPDATE:-}" ]]; then
		cp "$2" "$F/$1"
	fi
	cmp "$F/$1" "$2" || { diff "$F/$1" "$2" | head -20; return 1; }
}

# reward VERDICTS [FLAGS...]: one iteration (3) without the Wasserstein step,
# from state.jsonl; examples into ex.jsonl, the state into state.out, the
# stats into stats.json
reward() {
	run --separate-stderr stp-reward -q -c nw.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl --seeds seeds.jsonl -o ex.jsonl --state-out state.out \
		--stats stats.json "$@"
}

# ids ROLE: the ids of ex.jsonl's examples of ROLE, one line each
ids() {
	grep "\"role\":\"$1\"" ex.jsonl | sed 's/.*"id":"\([^"]*\)".*/\1/'
}

# weight ROLE ID [TARGET]: the weights of ROLE's examples of ID (and TARGET)
weights() {
	grep "\"role\":\"$1\",\"id\":\"$2\"" ex.jsonl | grep -F "${3:+\"target\":\"$3\"}" |
		sed 's/.*"weight":\([^}]*\)}$/\1/'
}

# near A B: the numbers A and B agree to 1e-12 (relative)
near() {
	awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b;
		if (d <= 1e-12 * (s > 1 ? s : 1)) exit 0; printf "%s != %s\n", a, b; exit 1 }'
}

# ---- the command line

@test "stp-reward --help prints the usage on stdout and exits 0" {
	run --separate-stderr stp-reward --help
	assert_success
	assert_line --index 0 --partial "usage: stp-reward"
	assert_stderr ""
}

@test "stp-reward: a bogus flag exits 64" {
	run --separate-stderr stp-reward --bogus
	assert_failure 64
	assert_stderr_regexp "unrecognized option '--bogus'"
}

@test "stp-reward: missing --stats exits 64" {
	run --separate-stderr stp-reward --iter 3 --statements statements.jsonl --state state.jsonl \
		--state-out s.out window.jsonl
	assert_failure 64
	assert_stderr "stp-reward: give --state, --statements, --iter, --state-out, --stats and -o"
}

@test "stp-reward: verdicts from stdin exit 64" {
	run --separate-stderr stp-reward --iter 3 --statements statements.jsonl --state state.jsonl \
		--state-out s.out --stats st.json -
	assert_failure 64
	assert_stderr "stp-reward: verdicts are read twice: give files, not stdin"
}

@test "stp-reward: a bad -j exits 64" {
	run --separate-stderr stp-reward -j zero --final window.jsonl
	assert_failure 64
	assert_stderr "stp-reward: -j: expected a whole number from 1 to 1024, got 'zero'"
}

@test "stp-reward: a full disk is not success (>/dev/full exits 74)" {
	run --separate-stderr bash -c 'stp-reward -q -c nw.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl --seeds seeds.jsonl --state-out s.out --stats st.json window.jsonl >/dev/full'
	assert_failure 74
	assert_stderr_regexp "write error"
}

@test "stp-reward: an output that is not a regular file (a FIFO, /dev/null) is written in place, not replaced" {
	mkfifo ex.fifo st.fifo
	cat ex.fifo >ex.got &
	cat st.fifo >st.got &
	run --separate-stderr stp-reward -q -c nw.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl --seeds seeds.jsonl -o ex.fifo --state-out st.fifo --stats stats.json window.jsonl
	assert_success
	wait
	[[ -p ex.fifo && -p st.fifo ]]
	[[ $(wc -l <ex.got) == 6 && $(wc -l <st.got) == 8 ]]
	[[ -z $(find . -name '.*.tmp.*') ]]
}

@test "stp-reward: a verdict file that cannot be opened exits 66" {
	reward nosuch.jsonl
	assert_failure 66
	assert_stderr "stp-reward: cannot open 'nosuch.jsonl': No such file or directory"
}

# ---- the pass-rate window (conjecturer examples: 0 < P <= 1/4)

@test "window: a conjecture with P = 0 gives no conjecturer example" {
	reward window.jsonl
	assert_success
	[[ $(ids conjecturer | grep -cx c/zero) == 0 ]]
	! ids prover | grep -qx c/zero
}

@test "window: a conjecture with P exactly 1/4 gives one conjecturer example (weight 1 without Wasserstein)" {
	reward window.jsonl
	assert_success
	[[ $(ids conjecturer) == c/quarter ]]
	assert_equal "$(grep '"role":"conjecturer"' ex.jsonl)" \
		'{"role":"conjecturer","id":"c/quarter","lemma":"syl","lemma_statement":"|- ( ph -> ch )","lemma_hyps":["|- ( ph -> ps )","|- ( ps -> ch )"],"theorem":"|- ( ph -> ( ps -> ch ) )","theorem_hyps":["|- ( ph -> ch )"],"theorem_proof":"a1d H1","target":"|- ( ch -> ( ph -> ch ) )","target_hyps":[],"weight":1.0}'
}

@test "window: a conjecture just above 1/4 (2 of 7) gives none" {
	reward window.jsonl
	assert_success
	[[ $(ids conjecturer | grep -cx c/above) == 0 ]]
	# its counts: attempted 3, proved 2, one in the window
	grep -q '"attempted":3,"proved":2,"in_window":1,"elegant":1,"selected":1,' stats.json
}

@test "prover window: P exactly 1/2 is kept (both distinct proofs), P above 1/2 (3 of 5) is dropped" {
	reward window.jsonl
	assert_success
	# d/t1: 2 of 4; d/t2: 3 of 5; conjectures' proofs are prover examples too
	assert_equal "$(ids prover | tr '\n' ' ')" "d/t1 d/t1 c/quarter c/above c/above "
}

@test "reward.conj_pass_max and reward.prover_pass_max move the window's edges" {
	printf 'reward:\n  wasserstein: false\n  conj_pass_max: 0.3\n  prover_pass_max: 0.6\n' >edges.yaml
	run --separate-stderr stp-reward -q -c edges.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl --seeds seeds.jsonl -o ex.jsonl --state-out s.out --stats st.json window.jsonl
	assert_success
	assert_equal "$(ids conjecturer | tr '\n' ' ')" "c/quarter c/above "
	assert_equal "$(ids prover | sort -u | tr '\n' ' ')" "c/above c/quarter d/t1 d/t2 "
}

# ---- the seed lemma

@test "seed lemma: a correct proof must use it; a wrong proof that uses it does not count; the trivial lemma always counts" {
	printf 'reward:\n  wasserstein: false\n  relabel_trivial: false\n' >norel.yaml
	run --separate-stderr stp-reward -q -c norel.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl --seeds seeds.jsonl -o ex.jsonl --state-out state.out \
		--stats stats.json lemma.jsonl
	assert_success
	assert_equal "$(ids conjecturer | tr '\n' ' ')" "c/uses c/triv "
	# the trivial seed has no lemma statement: "" and []
	grep -q '"role":"conjecturer","id":"c/triv","lemma":"","lemma_statement":"","lemma_hyps":\[\],"theorem":"|- ( ph -> ph )","theorem_hyps":\[\],"theorem_proof":"mpd ( ph -> ph ) ax-1 ax-1"' ex.jsonl
	# all four are still prover examples (P = 1/4)
	[[ $(ids prover | wc -l) == 4 ]]
}

@test "relabelling: in the window, seed lemma unused: an example of the trivial lemma instead" {
	reward lemma.jsonl
	assert_success
	# c/nouse and c/wronguse (its proof that uses the lemma is wrong) are
	# examples of the trivial lemma; the seed's theorem and proof stay
	assert_equal "$(ids conjecturer | tr '\n' ' ')" "c/uses c/nouse c/wronguse c/triv "
	grep '"id":"c/nouse"' ex.jsonl | grep -q '"lemma":"","lemma_statement":"","lemma_hyps":\[\],"theorem"'
	grep '"id":"c/uses"' ex.jsonl | grep -q '"lemma":"syl","lemma_statement":"|- ( ph -> ch )"'
	grep -q '"selected":4,"relabelled_trivial":2,' stats.json
}

# ---- elegance: per seed-lemma group, floor(0.2 m) lowest E dropped

@test "elegance: groups of 5 and 10 drop their 1 and 2 lowest E; a group of 4 drops none" {
	reward elegance.jsonl
	assert_success
	# E = proof / statement characters (all statements 15 characters):
	# syl: 30 12* 20 45 25; ax-mp: 40 33 10* 50 14* 60 35 14 70 36; "": 11 12 13 14
	assert_equal "$(ids conjecturer | tr '\n' ' ')" \
		"c/a01 c/a03 c/a04 c/a05 c/b01 c/b02 c/b04 c/b06 c/b07 c/b08 c/b09 c/b10 c/z01 c/z02 c/z03 c/z04 "
	grep -q '"in_window":19,"elegant":16,"selected":16,' stats.json
}

@test "elegance: of two equal E at the cut, the earlier conjecture is the one dropped" {
	reward elegance.jsonl
	assert_success
	# c/b05 and c/b08 both have E = 14/15: b05 comes first and goes
	[[ $(ids conjecturer | grep -cx c/b05) == 0 ]]
	ids conjecturer | grep -qx c/b08
}

@test "elegance: reward.elegance_drop 0.5 drops floor(m/2) per group" {
	printf 'reward:\n  wasserstein: false\n  elegance_drop: 0.5\n' >half.yaml
	run --separate-stderr stp-reward -q -c half.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl --seeds seeds.jsonl -o ex.jsonl --state-out s.out --stats st.json elegance.jsonl
	assert_success
	assert_equal "$(ids conjecturer | tr '\n' ' ')" \
		"c/a01 c/a04 c/a05 c/b01 c/b04 c/b06 c/b09 c/b10 c/z03 c/z04 "
}

# ---- Wasserstein reweighting (with the model)

@test "Wasserstein: each unproved statement gives |X|/|Y| = 1 to its nearest conjecture" {
	run --separate-stderr stp-reward -q --model "$MODEL" --iter 3 --statements wstatements.jsonl \
		--state wstate.jsonl --seeds seeds.jsonl -o ex.jsonl --state-out s.out --stats st.json wverdicts.jsonl
	assert_success
	assert_equal "$(weights conjecturer c/x1)" "1.0"
	assert_equal "$(weights conjecturer c/x2)" "1.0"
}

@test "Wasserstein: matching weight k = 2 gives |X|/sum k = 2/3 to each of the 2 nearest" {
	# w/ua (like c/x1) has weight 2, w/ub (like c/x2) 1: c/x1 gets 2/3,
	# c/x2 gets 2/3 from w/ua and 2/3 from w/ub
	run --separate-stderr stp-reward -q --model "$MODEL" --iter 3 --statements wstatements-k.jsonl \
		--state wstate.jsonl --seeds seeds.jsonl -o ex.jsonl --state-out s.out --stats st.json wverdicts.jsonl
	assert_success
	assert_equal "$(weights conjecturer c/x1)" "0.6666666666666666"
	assert_equal "$(weights conjecturer c/x2)" "1.3333333333333333"
}

@test "Wasserstein: the cap masks a conjecture and the next statement goes to its second choice" {
	# three unproved statements like c/x1, cap 1, gift 2/3: c/x1 is masked
	# at 4/3 after two of them; the third goes to c/x2
	run --separate-stderr stp-reward -q -c cap1.yaml --model "$MODEL" --iter 3 \
		--statements wstatements-cap.jsonl --state wstate-cap.jsonl --seeds seeds.jsonl -o ex.jsonl \
		--state-out s.out --stats st.json wverdicts.jsonl
	assert_success
	assert_equal "$(weights conjecturer c/x1)" "1.3333333333333333"
	assert_equal "$(weights conjecturer c/x2)" "0.6666666666666666"
}

@test "Wasserstein: the weights do not depend on -j; a conjecture of weight 0 gets no example" {
	for j in 1 2; do
		stp-reward -q -j $j -c cap1.yaml --model "$MODEL" --iter 3 --statements wstatements-k.jsonl \
			--state wstate.jsonl --seeds seeds.jsonl -o ex$j.jsonl --state-out s.out --stats st.json \
			wverdicts.jsonl
	done
	cmp ex1.jsonl ex2.jsonl
	# one unproved statement left, gift 2: only c/x1's twin is matched
	grep -v w/ub wstatements.jsonl >one.jsonl
	run --separate-stderr stp-reward -q --model "$MODEL" --iter 3 --statements one.jsonl \
		--state wstate.jsonl --seeds seeds.jsonl -o ex.jsonl --state-out s.out --stats st.json wverdicts.jsonl
	assert_success
	assert_equal "$(ids conjecturer)" "c/x1"
	assert_equal "$(weights conjecturer c/x1)" "2.0"
	grep -q '"in_window":2,"elegant":2,"selected":1,' st.json
}

@test "Wasserstein: a statement of more than 256 hypotheses is embedded whole" {
	# a model whose context holds 406 hypotheses; c/x1 and c/x2 share their
	# first 256 and differ in the rest, and the unproved w/u is c/x2: cut at
	# 256 hypotheses, all three would look alike and c/x1 (the first) win
	printf 'model:\n  width: 32\n  layers: 1\n  heads: 2\n  ctx: 2048\ntrain:\n  batch: 16\n  steps: 60\n  warmup: 10\n  lr: 0.01\n  seed: 3\n' >long.yaml
	stp-train -q -c long.yaml -o long.safetensors "$BATS_FILE_TMPDIR/examples.jsonl"
	ph=$(printf '"|- ph",%.0s' $(seq 256))
	x1="\"statement\":\"|- ch\",\"hyps\":[$ph$(printf '"|- ch",%.0s' $(seq 149))\"|- ch\"]"
	x2="\"statement\":\"|- ch\",\"hyps\":[$ph$(printf '"|- ps",%.0s' $(seq 149))\"|- ps\"]"
	sed -e "s/\"statement\":\"|- ( ph -> ( ps -> ph ) )\",\"hyps\":\[\]/$x1/" \
		-e "s/\"statement\":\"|- ch\",\"hyps\":\[\"|- ph\",\"|- ( ph -> ch )\"\]/$x2/" \
		wverdicts.jsonl >many.jsonl
	{ grep w/t1 wstatements.jsonl; echo "{\"id\":\"w/u\",$x2,\"split\":\"unproved\",\"source\":\"dataset\"}"; } >mstatements.jsonl
	{ grep w/t1 wstate.jsonl; echo '{"id":"w/u","split":"unproved","best_pass":0.0,"proved":false,"first_iter":null,"attempts":64,"correct":0}'; } >mstate.jsonl
	run --separate-stderr stp-reward -q --model long.safetensors --iter 3 --statements mstatements.jsonl \
		--state mstate.jsonl --seeds seeds.jsonl -o ex.jsonl --state-out s.out --stats st.json many.jsonl
	assert_success
	assert_equal "$(ids conjecturer)" "c/x2"
	assert_equal "$(weights conjecturer c/x2)" "2.0"
}

@test "Wasserstein needs --model (or reward.wasserstein: false): exit 64" {
	run --separate-stderr stp-reward -q --iter 3 --statements wstatements.jsonl --state wstate.jsonl \
		--seeds seeds.jsonl -o ex.jsonl --state-out s.out --stats st.json wverdicts.jsonl
	assert_failure 64
	assert_stderr "stp-reward: Wasserstein reweighting needs --model (or reward.wasserstein: false)"
}

# ---- prover examples: weights, distinct proofs, the replay window

@test "weight = exp(-0.001 len - 0.01 verify_seconds) / distinct correct proofs of the statement" {
	reward weights.jsonl
	assert_success
	# d/t3: 20 characters in 1.5 s and 100 characters in 0.25 s, 2 proofs
	near "$(weights prover d/t3 aaaaaaaaaaaaaaaaaaaa)" "$(awk 'BEGIN { printf "%.17g", exp(-0.02 - 0.015) / 2 }')"
	near "$(weights prover d/t3 "$(printf 'b%.0s' {1..100})")" "$(awk 'BEGIN { printf "%.17g", exp(-0.1 - 0.0025) / 2 }')"
}

@test "weight: len counts characters, not bytes (λx→x is 4 characters, 7 bytes)" {
	reward weights.jsonl
	assert_success
	near "$(weights prover d/u1)" "$(awk 'BEGIN { printf "%.17g", exp(-0.004 - 0.000005) }')"
}

@test "distinct proofs: the same proof twice is one example, and counts once in the denominator" {
	reward weights.jsonl
	assert_success
	[[ $(weights prover d/t4 | wc -l) == 1 ]]
	# the first occurrence's verify_ms (0.1 s), divided by 1
	near "$(weights prover d/t4)" "$(awk 'BEGIN { printf "%.17g", exp(-0.011 - 0.001) }')"
}

@test "reward.len_coef and reward.time_coef are the formula's coefficients" {
	printf 'reward:\n  wasserstein: false\n  len_coef: 0.01\n  time_coef: 0.1\n' >coef.yaml
	run --separate-stderr stp-reward -q -c coef.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl --seeds seeds.jsonl -o ex.jsonl --state-out s.out --stats st.json weights.jsonl
	assert_success
	near "$(weights prover d/t4)" "$(awk 'BEGIN { printf "%.17g", exp(-0.11 - 0.01) }')"
}

@test "replay: P pooled over the window: d/t2, 1 of 1 and 1 of 4, is 2 of 5: both its proofs come in" {
	reward cur.jsonl --previous prev1.jsonl --previous prev2.jsonl
	assert_success
	assert_output ""
	# d/t5 (4 of 4) stays out; d/t2's proof of prev1 comes in beside prev2's
	assert_equal "$(sed 's/.*"target":"\([^"]*\)".*/\1/' ex.jsonl | tr '\n' ' ')" \
		"p-cur p-prev1 p-prev1-t2 p-prev2 "
	near "$(weights prover d/t2 p-prev2)" "$(awk 'BEGIN { printf "%.17g", exp(-0.007 - 0.00001) / 2 }')"
}

@test "replay: with reward.pooled_pass false, each proof is judged by its own iteration's P" {
	printf 'reward:\n  wasserstein: false\n  pooled_pass: false\n' >nopool.yaml
	run --separate-stderr stp-reward -q -c nopool.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl --seeds seeds.jsonl -o ex.jsonl --state-out state.out \
		--stats stats.json cur.jsonl --previous prev1.jsonl --previous prev2.jsonl
	assert_success
	# cur: d/t1 1 of 2; prev1: d/t1 2 of 4 (p-cur again, p-prev1), d/t2 1 of 1
	# (P = 1: out); prev2: d/t2 1 of 4 (in), d/t5 4 of 4 (out)
	assert_output ""
	assert_equal "$(sed 's/.*"target":"\([^"]*\)".*/\1/' ex.jsonl | tr '\n' ' ')" "p-cur p-prev1 p-prev2 "
	# d/t1 has 2 distinct proofs across the window (p-cur counted once)
	near "$(weights prover d/t1 p-cur)" "$(awk 'BEGIN { printf "%.17g", exp(-0.005 - 0.00001) / 2 }')"
	near "$(weights prover d/t1 p-prev1)" "$(awk 'BEGIN { printf "%.17g", exp(-0.007 - 0.00001) / 2 }')"
	near "$(weights prover d/t2 p-prev2)" "$(awk 'BEGIN { printf "%.17g", exp(-0.007 - 0.00001) }')"
	# the state and stats come from this iteration's verdicts alone
	grep -q '"this_iter":{"attempts":2,"correct":1,' stats.json
}

@test "replay: a third previous file is outside the window (reward.window 3)" {
	reward cur.jsonl --previous prev1.jsonl --previous prev2.jsonl --previous prev3.jsonl
	assert_success
	cp ex.jsonl three.jsonl
	reward cur.jsonl --previous prev1.jsonl --previous prev2.jsonl
	cmp three.jsonl ex.jsonl
	! grep -q p-prev3 three.jsonl
}

@test "replay: reward.window 2 keeps only the last previous iteration" {
	printf 'reward:\n  wasserstein: false\n  window: 2\n' >w2.yaml
	run --separate-stderr stp-reward -q -c w2.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl --seeds seeds.jsonl -o ex.jsonl --state-out s.out --stats st.json \
		cur.jsonl --previous prev1.jsonl --previous prev2.jsonl
	assert_success
	assert_equal "$(sed 's/.*"target":"\([^"]*\)".*/\1/' ex.jsonl | tr '\n' ' ')" "p-cur p-prev1 "
}

# ---- the state and the stats

@test "state: best pass, proved, first iteration, attempts and correct accumulate" {
	reward iter.jsonl --prev-stats prev-stats.json --conjecture-stats conjectures.stats.json
	assert_success
	golden expected-state.jsonl state.out
	# d/t1: 2 of 4 now, best stays 0.75; d/t3: proved now (first_iter 3, best 1);
	# d/u1: 1 of 3; d/u2: 0 of 2, proved in iteration 2 still; d/x1 (test) is not in the state
	grep -qx '{"id":"d/t1","split":"train","best_pass":0.75,"proved":true,"first_iter":1,"attempts":100,"correct":52}' state.out
	grep -qx '{"id":"d/t3","split":"train","best_pass":1.0,"proved":true,"first_iter":3,"attempts":100,"correct":4}' state.out
	grep -qx '{"id":"d/u1","split":"unproved","best_pass":0.3333333333333333,"proved":true,"first_iter":3,"attempts":99,"correct":1}' state.out
	grep -qx '{"id":"d/u2","split":"unproved","best_pass":0.25,"proved":true,"first_iter":2,"attempts":98,"correct":3}' state.out
	! grep -q d/x1 state.out
}

@test "budget: proofs, pass rates and shares per category of input, running totals from --prev-stats" {
	reward budget.jsonl --prev-stats budget-prev-stats.json
	assert_success
	# 14 proofs: open unproved 4 (1 correct), open train 2, re-proved 2 (2),
	# conjectures valid 3 (1), not valid 2, not judged 1
	grep -q '"open_unproved":{"statements":1,"proved":1,"proofs":4,"correct":1,"tokens":8,"share":0.285714,"pass":0.25}' stats.json
	grep -q '"open_train":{"statements":1,"proved":0,"proofs":2,"correct":0,"tokens":4,"share":0.142857,"pass":0.0}' stats.json
	grep -q '"conjecture_valid":{"statements":1,"proved":1,"proofs":3,"correct":1,"tokens":6,"share":0.214286,"pass":0.333333}' stats.json
	grep -q '"conjecture_not_valid":{"statements":1,"proved":0,"proofs":2,' stats.json
	grep -q '"conjecture_unjudged":{"statements":1,"proved":0,"proofs":1,' stats.json
	grep -q '"reprove":{"statements":1,"proved":1,"proofs":2,"correct":2,' stats.json
	# nothing without a category here
	[[ $(grep -c '"other"' stats.json) == 0 ]]
	grep -q '"budget_total":{"open_unproved":64,"open_train":12,"conjecture_valid":23,"conjecture_not_valid":7,"conjecture_unjudged":1,"reprove":7}' stats.json
}

@test "stats: cumulative pass per split, the histogram, proofs and tokens added to --prev-stats" {
	reward iter.jsonl --prev-stats prev-stats.json --conjecture-stats conjectures.stats.json
	assert_success
	golden expected-stats.json stats.json
	# train 3 of 5, unproved 2 of 3, all 5 of 8; 39 attempts, 234 tokens;
	# conjectures at P 0, 1/4, 1/2, 3/4, 1: one per bin
	grep -q '"cumulative_pass":{"train":0.6,"unproved":0.666667,"all":0.625}' stats.json
	grep -q '"pass_histogram":{"0":1,"(0,0.25\]":1,"(0.25,0.5\]":1,"(0.5,0.75\]":1,"(0.75,1\]":1}' stats.json
	grep -q '"proofs_generated":1039,"tokens_generated":20234,' stats.json
	grep -q '"seeds":3,"generated":24,"well_formed":20,"new":15,"kept":5,"attempted":5,"proved":4,"in_window":1,' stats.json
	# a held-out (test) verdict is never a training example
	! grep -q d/x1 ex.jsonl
}

@test "an empty verdict file: no examples, the state unchanged but for nothing, exit 0" {
	: >empty.jsonl
	reward empty.jsonl --prev-stats prev-stats.json
	assert_success
	assert_stderr ""
	[[ ! -s ex.jsonl ]]
	cmp state.jsonl state.out
	grep -q '"this_iter":{"attempts":0,"correct":0,"tokens":0},"proofs_generated":1000,' stats.json
}

# ---- --final and --init-state

@test "--final: SFT examples first, at most 16 distinct shortest proofs per statement, conjectures only with P <= 1/4" {
	printf 'reward:\n  final_pick: shortest\n' >short.yaml
	run --separate-stderr stp-reward -q -c short.yaml --final --sft sft.jsonl -o final.jsonl f1.jsonl f2.jsonl
	assert_success
	golden expected-final.jsonl final.jsonl
	# the SFT examples as they were
	assert_equal "$(head -2 final.jsonl)" "$(cat sft.jsonl)"
	# d/t1: 20 distinct proofs (two of f2's repeat f1's): the 16 shortest
	[[ $(grep -c '"id":"d/t1"' final.jsonl) == 16 ]]
	[[ $(grep -c '"target":"t1-proof-yyyyyyyyyyyyyyyyy"' final.jsonl) == 0 ]]
	# c/fq (1 of 4) in; c/fh 2 of 4 in f1 (out), 1 of 4 in f2 (in); d/u1 at 1/8
	# and d/t2 at P = 1: dataset statements at any P
	grep -q '"id":"c/fq".*"target":"fq-1"' final.jsonl
	[[ $(grep -c '"target":"fh-[12]"' final.jsonl) == 0 ]]
	grep -q '"target":"fh-3"' final.jsonl
	grep -q '"id":"d/u1"' final.jsonl
	grep -q '"id":"d/t2"' final.jsonl
}

@test "--final: weight exp(-0.001 len), no time term, no denominator" {
	run --separate-stderr stp-reward -q --final -o final.jsonl f1.jsonl f2.jsonl
	assert_success
	w=$(grep '"target":"t1-proof-y"' final.jsonl | sed 's/.*"weight":\([^}]*\)}/\1/')
	near "$w" "$(awk 'BEGIN { printf "%.17g", exp(-0.01) }')"
	printf 'reward:\n  final_max_proofs: 3\n  final_pick: shortest\n' >f3.yaml
	run --separate-stderr stp-reward -q -c f3.yaml --final -o final.jsonl f1.jsonl f2.jsonl
	[[ $(grep -c '"id":"d/t1"' final.jsonl) == 3 ]]
	assert_equal "$(grep '"id":"d/t1"' final.jsonl | sed 's/.*"target":"\([^"]*\)".*/\1/' | sort | tr '\n' ' ')" \
		"t1-proof-y t1-proof-yy t1-proof-yyy "
}

@test "--final: by default a random 16 of d/t1's 20 distinct proofs, the same for a seed, others for another" {
	run --separate-stderr stp-reward -q --final -o final.jsonl f1.jsonl f2.jsonl
	assert_success
	[[ $(grep -c '"id":"d/t1"' final.jsonl) == 16 ]]
	# not the 16 shortest: one of the 4 longest is in
	grep -q '"target":"t1-proof-y\{17,20\}"' final.jsonl
	# every proof written is one of d/t1's, each once
	[[ $(grep '"id":"d/t1"' final.jsonl | sort -u | wc -l) == 16 ]]
	stp-reward -q --final -o again.jsonl f1.jsonl f2.jsonl
	cmp final.jsonl again.jsonl
	stp-reward -q --final --seed 7 -o other.jsonl f1.jsonl f2.jsonl
	[[ $(grep -c '"id":"d/t1"' other.jsonl) == 16 ]]
	run cmp -s final.jsonl other.jsonl
	assert_failure
}

@test "--init-state: every train and unproved statement at zero, test left out" {
	run --separate-stderr stp-reward --init-state --statements statements.jsonl -o init.jsonl
	assert_success
	golden expected-init-state.jsonl init.jsonl
	[[ $(wc -l <init.jsonl) == 8 ]]
	grep -qx '{"id":"d/u3","split":"unproved","best_pass":0.0,"proved":false,"first_iter":null,"attempts":0,"correct":0}' init.jsonl
	! grep -q d/x1 init.jsonl
}

# ---- determinism

@test "determinism: the same inputs give byte-identical examples, state and stats; a rerun replaces them" {
	for k in 1 2; do
		stp-reward -q --model "$MODEL" --iter 3 --statements statements.jsonl --state state.jsonl \
			--seeds seeds.jsonl --previous prev1.jsonl --prev-stats prev-stats.json \
			-o ex$k.jsonl --state-out state$k.jsonl --stats stats$k.json \
			iter.jsonl elegance.jsonl lemma.jsonl window.jsonl
	done
	cmp ex1.jsonl ex2.jsonl
	cmp state1.jsonl state2.jsonl
	cmp stats1.json stats2.json
	# rerun over existing outputs (as make reward does): the same bytes
	stp-reward -q --model "$MODEL" --iter 3 --statements statements.jsonl --state state.jsonl \
		--seeds seeds.jsonl --previous prev1.jsonl --prev-stats prev-stats.json \
		-o ex1.jsonl --state-out state1.jsonl --stats stats1.json \
		iter.jsonl elegance.jsonl lemma.jsonl window.jsonl
	cmp ex1.jsonl ex2.jsonl
	cmp state1.jsonl state2.jsonl
	# no temporary left behind
	[[ -z $(find . -name '.*.tmp.*') ]]
}

@test "determinism: where the greedy order cannot matter (alike statements), --seed does not change the weights" {
	for s in 1 2; do
		stp-reward -q --seed $s -c cap1.yaml --model "$MODEL" --iter 3 --statements wstatements-cap.jsonl \
			--state wstate-cap.jsonl --seeds seeds.jsonl -o ex$s.jsonl --state-out s.out --stats st.json \
			wverdicts.jsonl
	done
	# --seed shuffles the statements otherwise; the three are alike, so the
	# answer is the same
	cmp ex1.jsonl ex2.jsonl
	grep -q '"id":"c/x1".*"weight":1.3333333333333333}' ex2.jsonl
}

# ---- bad input: the exit codes of docs/exit-status.md, messages that say where

@test "bad input: malformed JSON exits 65 naming file:line and the column" {
	{ head -1 window.jsonl; echo '{"id":"d/t1","ok":tru}'; } >bad.jsonl
	reward bad.jsonl
	assert_failure 65
	assert_stderr "stp-reward: bad.jsonl:2: invalid JSON: unexpected character (column 19)"
	[[ ! -e ex.jsonl && ! -e state.out && ! -e stats.json ]]
}

@test "bad input: a missing field exits 65 naming file:line and the field" {
	{ head -1 window.jsonl; head -1 window.jsonl | sed 's/,"ok":true//'; } >bad.jsonl
	reward bad.jsonl
	assert_failure 65
	assert_stderr "stp-reward: bad.jsonl:2: field 'ok': missing"
	head -1 window.jsonl | sed 's/"statement":"[^"]*",//' >bad.jsonl
	reward bad.jsonl
	assert_failure 65
	assert_stderr "stp-reward: bad.jsonl:1: field 'statement': missing"
}

@test "bad input: a mistyped field exits 65 naming file:line and the field" {
	head -1 window.jsonl | sed 's/"ok":true/"ok":"yes"/' >bad.jsonl
	reward bad.jsonl
	assert_failure 65
	assert_stderr "stp-reward: bad.jsonl:1: field 'ok': expected a boolean"
	head -1 window.jsonl | sed 's/"verify_ms":1.0/"verify_ms":"1"/' >bad.jsonl
	reward bad.jsonl
	assert_failure 65
	assert_stderr "stp-reward: bad.jsonl:1: field 'verify_ms': expected a number"
	head -1 window.jsonl | sed 's/"lemmas":\[[^]]*\]/"lemmas":"syl"/' >bad.jsonl
	reward bad.jsonl
	assert_failure 65
	assert_stderr "stp-reward: bad.jsonl:1: field 'lemmas': expected an array of strings"
	head -1 window.jsonl | sed 's/"gen_tokens":5/"gen_tokens":5.5/' >bad.jsonl
	reward bad.jsonl
	assert_failure 65
	assert_stderr "stp-reward: bad.jsonl:1: field 'gen_tokens': expected an integer"
}

@test "bad input: an unknown seed id exits 65 naming the conjecture's first verdict" {
	sed 's#"seed":"s/1"#"seed":"s/nope"#' window.jsonl >bad.jsonl
	reward bad.jsonl
	assert_failure 65
	assert_stderr "stp-reward: bad.jsonl:14: conjecture 'c/quarter': its seed 's/nope' is not in seeds.jsonl"
}

@test "bad input: a seed without its statement exits 65 naming seeds file:line" {
	sed '1s/"statement":"[^"]*",//' seeds.jsonl >bad-seeds.jsonl
	run --separate-stderr stp-reward -q -c nw.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl --seeds bad-seeds.jsonl -o ex.jsonl --state-out s.out --stats st.json window.jsonl
	assert_failure 65
	assert_stderr "stp-reward: bad-seeds.jsonl:1: field 'statement': missing"
}

@test "bad input: a bad state file exits 65 naming file:line; a state that cannot be opened 66" {
	sed '2s/"best_pass":0.5/"best_pass":"high"/' state.jsonl >bad-state.jsonl
	run --separate-stderr stp-reward -q -c nw.yaml --iter 3 --statements statements.jsonl \
		--state bad-state.jsonl -o ex.jsonl --state-out s.out --stats st.json window.jsonl
	assert_failure 65
	assert_stderr "stp-reward: bad-state.jsonl:2: field 'best_pass': expected a number"
	{ cat state.jsonl; sed -n 1p state.jsonl; } >dup-state.jsonl
	run --separate-stderr stp-reward -q -c nw.yaml --iter 3 --statements statements.jsonl \
		--state dup-state.jsonl -o ex.jsonl --state-out s.out --stats st.json window.jsonl
	assert_failure 65
	assert_stderr "stp-reward: dup-state.jsonl:9: statement 'd/t1' appears twice"
	run --separate-stderr stp-reward -q -c nw.yaml --iter 3 --statements statements.jsonl \
		--state nosuch.jsonl -o ex.jsonl --state-out s.out --stats st.json window.jsonl
	assert_failure 66
}

@test "bad input: bad --prev-stats JSON exits 65 naming file:line" {
	echo '{"iter":2,' >bad.json
	reward window.jsonl --prev-stats bad.json
	assert_failure 65
	assert_stderr_regexp "^stp-reward: bad.json:2: invalid JSON: "
}

@test "bad configuration exits 78 naming file:line:column" {
	printf 'reward:\n  wasserstein: false\n  window: 0\n' >bad.yaml
	run --separate-stderr stp-reward -q -c bad.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl -o ex.jsonl --state-out s.out --stats st.json window.jsonl
	assert_failure 78
	assert_stderr "stp-reward: bad.yaml:3:11: 'reward.window': expected an integer from 1 to 8"
	printf 'reward:\n  wasserstien: false\n' >bad.yaml
	run --separate-stderr stp-reward -q -c bad.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl -o ex.jsonl --state-out s.out --stats st.json window.jsonl
	assert_failure 78
	assert_stderr_regexp "^stp-reward: bad.yaml:2:3: unknown key 'reward.wasserstien'"
	printf 'reward:\n  wasserstein: false\n window: [\n' >bad.yaml
	run --separate-stderr stp-reward -q -c bad.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl -o ex.jsonl --state-out s.out --stats st.json window.jsonl
	assert_failure 78
	assert_stderr_regexp "^stp-reward: bad.yaml:3:2: "
}

@test "the three outputs are one unit: when the stats cannot be written, neither examples nor state appear" {
	run --separate-stderr stp-reward -q -c nw.yaml --iter 3 --statements statements.jsonl \
		--state state.jsonl --seeds seeds.jsonl -o ex.jsonl --state-out state.out \
		--stats nosuchdir/stats.json iter.jsonl
	assert_failure 73
	[[ ! -e ex.jsonl ]]
	[[ ! -e state.out ]]
	[[ -z $(ls -A | grep '\.tmp\.') ]]
}
