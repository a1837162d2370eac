#!/usr/bin/env bats
#
# stp-seed.bats - seeds for the conjecturer (docs/algorithm.md, 1. Seeds) and the
# prover's input (2. Conjectures), on hand-made fixtures (tests/fixtures/seed/)
#
# Lemma statements come from data/mm-pc/pc.mm (make data). Exact stdout,
# stderr and exit status where the rule is exact; counts where the rule is a
# random draw (deterministic for a fixed --seed).

load test_helper

setup() {
	F="$BATS_TEST_DIRNAME/fixtures/seed"
	DB="$STP_ROOT/data/mm-pc/pc.mm"
	[[ -r "$DB" ]] || fail "$DB missing: run make data"
	export STP_DB="$DB"
	cd "$BATS_TEST_TMPDIR" || return 1
	cp "$F"/* .
}

# lines N: the number of lines of $output (0 when empty)
nlines() {
	if [[ -z "$output" ]]; then echo 0; else printf '%s\n' "$output" | wc -l; fi
}

# states N [BEST]: a state of N proved statements d/000.. with best pass BEST
states() {
	local i
	for ((i = 0; i < $1; i++)); do
		printf '{"id":"d/%03d","split":"train","best_pass":%s,"proved":true,"first_iter":1,"attempts":64,"correct":48}\n' \
			"$i" "${2:-0.75}"
	done
}

# verdicts N LEMMAS: one correct verdict of each of d/000..d/N-1, using LEMMAS
# (a JSON array's inside: "syl","ax-1")
verdicts() {
	local i
	for ((i = 0; i < $1; i++)); do
		printf '{"id":"d/%03d","statement":"|- ( ph -> ph )","hyps":[],"source":"dataset","proof":"p%d","ok":true,"lemmas":[%s]}\n' \
			"$i" "$i" "$2"
	done
}

# ---- the command line

@test "stp-seed --help prints the usage on stdout and exits 0" {
	run --separate-stderr stp-seed --help
	assert_success
	assert_line --index 0 --partial "usage: stp-seed"
	assert_stderr ""
}

@test "stp-seed: a bogus flag exits 64" {
	run --separate-stderr stp-seed --bogus
	assert_failure 64
	assert_stderr_regexp "unrecognized option '--bogus'"
}

@test "stp-seed: no --state exits 64" {
	run --separate-stderr stp-seed thr.jsonl
	assert_failure 64
	assert_stderr "stp-seed: no state: give --state FILE"
}

@test "stp-seed: --select without --statements exits 64" {
	run --separate-stderr stp-seed --select --state state.jsonl
	assert_failure 64
	assert_stderr "stp-seed: --select needs --statements FILE"
}

@test "stp-seed: a --seed that is not a number exits 64" {
	run --separate-stderr stp-seed --state state.jsonl --seed x thr.jsonl
	assert_failure 64
	assert_stderr "stp-seed: --seed: expected a whole number from 0 to 4611686018427387904, got 'x'"
}

@test "stp-seed: a full disk is not success (>/dev/full exits 74)" {
	run --separate-stderr bash -c 'stp-seed -q --state state.jsonl thr.jsonl >/dev/full'
	assert_failure 74
	assert_stderr_regexp "write error"
}

@test "stp-seed: a verdict file that cannot be opened exits 66" {
	run --separate-stderr stp-seed -q --state state.jsonl nosuch.jsonl
	assert_failure 66
	assert_stderr "stp-seed: cannot open 'nosuch.jsonl': No such file or directory"
}

# ---- seeds

@test "threshold: best pass 0.35 is not above 0.35 (no seed); 0.36 is (a seed)" {
	run --separate-stderr stp-seed -q -c notriv.yaml --state state.jsonl --iter 3 thr.jsonl
	assert_success
	assert_output '{"id":"s/04c8b9ceee5ec7db","system":"metamath","context":"b","statement":"|- ( ph -> ph )","hyps":[],"proof":"syl H1 H2","lemma":"syl","lemma_statement":"|- ( ph -> ch )","lemma_hyps":["|- ( ph -> ps )","|- ( ps -> ch )"],"source_id":"d/b","samples":8,"iter":3}'
	assert_stderr ""
}

@test "seed.threshold in the configuration moves the bar" {
	# (lemma_cap 1: with n = 4, the default cap would keep 1 of the 2 syl seeds)
	printf 'seed:\n  trivial_prob: 0\n  threshold: 0.3\n  lemma_cap: 1\n' >t30.yaml
	run --separate-stderr stp-seed -q -c t30.yaml --state state.jsonl thr.jsonl
	assert_success
	[[ $(nlines) == 2 ]]
	assert_line --index 0 --partial '"source_id":"d/a"'
	assert_line --index 1 --partial '"source_id":"d/b"'
}

@test "one seed per (statement, lemma), with the shortest correct proof using the lemma" {
	run --separate-stderr stp-seed -q -c notriv.yaml --state state.jsonl --iter 3 shortest.jsonl
	assert_success
	# lemmas in order of first appearance; conjectures and statements not in
	# the state (held out) give no seeds; a wrong proof is never a seed
	[[ $(nlines) == 4 ]]
	assert_line --index 0 --partial '"proof":"syl H1 H2","lemma":"syl","lemma_statement":"|- ( ph -> ch )"'
	assert_line --index 1 --partial '"proof":"syl H1 H2 ax-1 ax-1","lemma":"ax-1","lemma_statement":"|- ( ph -> ( ps -> ph ) )","lemma_hyps":[]'
	assert_line --index 2 --partial '"proof":"ax-mp H1 H2 a1i","lemma":"ax-mp","lemma_statement":"|- ps","lemma_hyps":["|- ph","|- ( ph -> ps )"]'
	assert_line --index 3 --partial '"proof":"ax-mp H1 H2 a1i","lemma":"a1i"'
	# the theorem's statement and hypotheses come with it; samples = min(8, floor(3*4/4))
	assert_line --index 0 --partial '"statement":"|- ( ph -> ch )","hyps":["|- ( ph -> ps )","|- ( ps -> ch )"]'
	[[ $(grep -c '"source_id":"d/b","samples":3,"iter":3}' <<<"$output") == 4 ]]
}

@test "the trivial lemma: with probability 0.5 per statement, about half of 400 get it" {
	states 400 >s400.jsonl
	verdicts 400 '' >v400.jsonl
	# (lemma_cap 1: no cap, which would keep 40 of them)
	printf 'seed:\n  lemma_cap: 1\n' >nocap.yaml
	run --separate-stderr stp-seed -q -c nocap.yaml --state s400.jsonl --iter 3 v400.jsonl
	assert_success
	n=$(nlines)
	echo "trivial seeds: $n of 400"
	((n >= 160 && n <= 240))
	[[ $(grep -c '"lemma":"",' <<<"$output") == "$n" ]]
	# a trivial seed has no lemma statement
	[[ $(grep -c lemma_statement <<<"$output") == 0 ]]
	first=$output
	# deterministic for a fixed seed; another seed draws another subset
	run --separate-stderr stp-seed -q -c nocap.yaml --state s400.jsonl --iter 3 v400.jsonl
	[[ "$output" == "$first" ]]
	run --separate-stderr stp-seed -q -c nocap.yaml --seed 2 --state s400.jsonl --iter 3 v400.jsonl
	[[ "$output" != "$first" ]]
	run --separate-stderr stp-seed -q -c nocap.yaml --state s400.jsonl --iter 4 v400.jsonl
	[[ "$output" != "$first" ]]
}

@test "the trivial lemma obeys the lemma cap: 400 statements, all with it, n = 400: 40 kept" {
	states 400 >s400.jsonl
	verdicts 400 '' >v400.jsonl
	printf 'seed:\n  trivial_prob: 1\n' >all.yaml
	run --separate-stderr stp-seed -q -c all.yaml --state s400.jsonl --iter 3 v400.jsonl
	assert_success
	[[ $(nlines) == 40 ]]
	[[ $(grep -c '"lemma":"",' <<<"$output") == 40 ]]
	# which 40: a seeded random subset, not the first
	run grep -c '"source_id":"d/0[0-3][0-9]"' <<<"$output"
	[[ "$output" != 40 ]]
}

@test "the trivial lemma comes beside the real ones, and trivial_prob 1 gives it to every statement" {
	printf 'seed:\n  trivial_prob: 1\n  lemma_cap: 1\n' >all.yaml
	# n = 6: the 5 seeds are not cut to n
	{ cat state.jsonl; states 2; } >state6.jsonl
	run --separate-stderr stp-seed -q -c all.yaml --state state6.jsonl shortest.jsonl
	assert_success
	# after the first proof's lemmas, with the statement's shortest proof
	[[ $(nlines) == 5 ]]
	assert_line --index 2 --partial '"proof":"syl H1 H2","lemma":"","source_id":"d/b","samples":3,'
}

@test "the lemma cap: a lemma used by 5 statements keeps exactly floor(0.1 n) = 3 (n = 30)" {
	run --separate-stderr stp-seed -q -c notriv.yaml --state cap-state.jsonl cap.jsonl
	assert_success
	[[ $(grep -c '"lemma":"syl"' <<<"$output") == 3 ]]
	[[ $(grep -c '"lemma":"ax-mp"' <<<"$output") == 2 ]]
	[[ $(nlines) == 5 ]]
	# the 3 kept are a deterministic random subset
	first=$output
	run --separate-stderr stp-seed -q -c notriv.yaml --state cap-state.jsonl cap.jsonl
	[[ "$output" == "$first" ]]
}

@test "the lemma cap on a large set: 60 statements share a lemma, n = 400, 40 kept" {
	states 400 >s400.jsonl
	verdicts 60 '"syl","ax-1"' >v60.jsonl
	run --separate-stderr stp-seed -q -c notriv.yaml --state s400.jsonl v60.jsonl
	assert_success
	[[ $(grep -c '"lemma":"syl"' <<<"$output") == 40 ]]
	[[ $(grep -c '"lemma":"ax-1"' <<<"$output") == 40 ]]
	# the trivial lemma is capped like any lemma
	printf 'seed:\n  trivial_prob: 1\n' >all.yaml
	run --separate-stderr stp-seed -q -c all.yaml --state s400.jsonl v60.jsonl
	[[ $(grep -c '"lemma":""' <<<"$output") == 40 ]]
}

@test "samples = min(8, floor(3n / #seeds)): n = 10 and 4 seeds give 7; n = 30 and 5 seeds give 8" {
	run --separate-stderr stp-seed -q -c notriv.yaml --state samples-state.jsonl samples.jsonl
	assert_success
	[[ $(nlines) == 4 ]]
	[[ $(grep -c '"samples":7,' <<<"$output") == 4 ]]
	run --separate-stderr stp-seed -q -c notriv.yaml --state cap-state.jsonl cap.jsonl
	[[ $(grep -c '"samples":8,' <<<"$output") == 5 ]]
}

@test "at most n seeds: 7 (statement, lemma) pairs and n = 2 keep a random 2, then 3n/2 = 3 each" {
	states 2 >s2.jsonl
	verdicts 1 '"syl","ax-1","ax-2","ax-3","ax-mp","a1i","mpd"' >v1.jsonl
	run --separate-stderr stp-seed -q -c notriv.yaml --state s2.jsonl v1.jsonl
	assert_success
	[[ $(nlines) == 2 ]]
	[[ $(grep -c '"samples":3,' <<<"$output") == 2 ]]
	first=$output
	# seeded: the same again; another seed, another pair
	run --separate-stderr stp-seed -q -c notriv.yaml --state s2.jsonl v1.jsonl
	[[ "$output" == "$first" ]]
	run --separate-stderr stp-seed -q -c notriv.yaml --seed 5 --state s2.jsonl v1.jsonl
	[[ $(nlines) == 2 ]]
	[[ "$output" != "$first" ]]
}

@test "samples is at least 1 when per_seed_factor n is below the number of seeds" {
	states 2 >s2.jsonl
	verdicts 2 '"syl","ax-1"' >v2.jsonl
	printf 'seed:\n  trivial_prob: 0\n  lemma_cap: 1\n  per_seed_factor: 0.1\n' >f.yaml
	run --separate-stderr stp-seed -q -c f.yaml --state s2.jsonl v2.jsonl
	assert_success
	[[ $(nlines) == 2 ]]
	[[ $(grep -c '"samples":1,' <<<"$output") == 2 ]]
}

@test "seeds: the same inputs and seed give byte-identical output; -o writes the same" {
	states 400 >s400.jsonl
	verdicts 400 '"syl"' >v400.jsonl
	stp-seed -q --state s400.jsonl --iter 3 v400.jsonl >one.jsonl
	stp-seed -q --state s400.jsonl --iter 3 -o two.jsonl v400.jsonl
	cmp one.jsonl two.jsonl
	[[ $(grep -c '"lemma":"syl"' one.jsonl) == 40 ]]
}

@test "an empty verdict file gives no seeds (exit 0)" {
	: >empty.jsonl
	run --separate-stderr stp-seed -q --state state.jsonl empty.jsonl
	assert_success
	assert_output ""
	assert_stderr ""
}

# ---- the prover's input (--select)

@test "--select: unproved statements, the proved with best pass < 0.35, the conjectures byte for byte" {
	run --separate-stderr stp-seed -q --select --state sel-state.jsonl --statements statements.jsonl \
		--iter 3 conjectures.jsonl
	assert_success
	# d/u1, d/u2 never proved; d/p1 proved, best 0.2 < 0.35: always; d/p2
	# (best 0.9) with probability 0.05 (not drawn here); d/x1 is test.
	# Each as read, with its category appended
	assert_output "$(sed -n '1,2p' statements.jsonl | sed 's/}$/,"category":"open"}/'
		sed -n 3p statements.jsonl | sed 's/}$/,"category":"reprove"}/'
		sed 's/}$/,"category":"conjecture"}/' conjectures.jsonl)"
	assert_stderr ""
}

@test "--select: seed.reprove_below 0 turns the always-reprove rule off" {
	printf 'seed:\n  reprove_below: 0\n' >r0.yaml
	run --separate-stderr stp-seed -q -c r0.yaml --select --state sel-state.jsonl \
		--statements statements.jsonl --iter 3
	assert_success
	assert_output "$(sed -n '1,2p' statements.jsonl | sed 's/}$/,"category":"open"}/')"
}

@test "--select: a record that has a category already gets the new one (written anew)" {
	printf '%s\n' '{"id":"c/9","statement":"|- ph","category":"old"}' >cat.jsonl
	run --separate-stderr stp-seed -q --select --state sel-state.jsonl --statements statements.jsonl \
		--unproved-only cat.jsonl
	assert_success
	assert_line --index 2 '{"id":"c/9","statement":"|- ph","category":"conjecture"}'
}

@test "--select --unproved-only: only the statements never proved (expert iteration)" {
	run --separate-stderr stp-seed -q --select --unproved-only --state sel-state.jsonl \
		--statements statements.jsonl --iter 3
	assert_success
	assert_output "$(sed -n '1,2p' statements.jsonl | sed 's/}$/,"category":"open"}/')"
}

@test "--select: about 5% of the well-proved statements are proved again (400: 5 to 40)" {
	states 400 0.9 >s400.jsonl
	for ((i = 0; i < 400; i++)); do
		printf '{"id":"d/%03d","statement":"|- ( ph -> ph )","hyps":[],"split":"train"}\n' "$i"
	done >st400.jsonl
	run --separate-stderr stp-seed -q --select --state s400.jsonl --statements st400.jsonl --iter 3
	assert_success
	n=$(nlines)
	echo "proved again: $n of 400"
	((n >= 5 && n <= 40))
	first=$output
	run --separate-stderr stp-seed -q --select --state s400.jsonl --statements st400.jsonl --iter 3
	[[ "$output" == "$first" ]]
	# best pass below the threshold: every one
	states 400 0.34 >s400b.jsonl
	run --separate-stderr stp-seed -q --select --state s400b.jsonl --statements st400.jsonl --iter 3
	[[ $(nlines) == 400 ]]
}

# ---- bad input: the exit codes of docs/exit-status.md, messages that say where

@test "bad input: malformed JSON exits 65 naming file:line" {
	{ head -1 thr.jsonl; echo '{"id":"d/b","ok":true,'; } >bad.jsonl
	run --separate-stderr stp-seed -q --state state.jsonl bad.jsonl
	assert_failure 65
	assert_stderr_regexp "^stp-seed: bad.jsonl:2: invalid JSON: "
}

@test "bad input: a missing field exits 65 naming file:line and the field" {
	sed 's/"ok":true,//' thr.jsonl >bad.jsonl
	run --separate-stderr stp-seed -q --state state.jsonl bad.jsonl
	assert_failure 65
	assert_stderr "stp-seed: bad.jsonl:1: field 'ok': missing"
}

@test "bad input: a mistyped field exits 65 naming file:line and the field" {
	sed '2s/"lemmas":\["syl"\]/"lemmas":"syl"/' thr.jsonl >bad.jsonl
	run --separate-stderr stp-seed -q --state state.jsonl bad.jsonl
	assert_failure 65
	assert_stderr "stp-seed: bad.jsonl:2: field 'lemmas': expected an array of strings"
}

@test "bad input: a lemma that is not an assertion of the database exits 65" {
	sed '2s/"lemmas":\["syl"\]/"lemmas":["nosuchlemma"]/' thr.jsonl >bad.jsonl
	run --separate-stderr stp-seed -q --state state.jsonl bad.jsonl
	assert_failure 65
	assert_stderr "stp-seed: bad.jsonl:2: field 'lemmas': 'nosuchlemma' is not an assertion of $DB"
}

@test "bad input: a bad state file exits 65 naming file:line; a missing one 66" {
	sed '2s/"best_pass":0.36/"best_pass":"0.36"/' state.jsonl >bad-state.jsonl
	run --separate-stderr stp-seed -q --state bad-state.jsonl thr.jsonl
	assert_failure 65
	assert_stderr "stp-seed: bad-state.jsonl:2: field 'best_pass': expected a number"
	sed '2s/"correct":23/"correct":99/' state.jsonl >bad-state.jsonl
	run --separate-stderr stp-seed -q --state bad-state.jsonl thr.jsonl
	assert_failure 65
	assert_stderr "stp-seed: bad-state.jsonl:2: inconsistent counts (best_pass 0.36, attempts 64, correct 99)"
	run --separate-stderr stp-seed -q --state nosuch.jsonl thr.jsonl
	assert_failure 66
	assert_stderr "stp-seed: cannot open 'nosuch.jsonl': No such file or directory"
}

@test "bad input: a malformed conjecture for --select exits 65" {
	{ head -1 conjectures.jsonl; echo '{"id":"c/3","hyps":[]}'; } >bad.jsonl
	run --separate-stderr stp-seed -q --select --state sel-state.jsonl --statements statements.jsonl bad.jsonl
	assert_failure 65
	assert_stderr "stp-seed: bad.jsonl:2: field 'statement': missing"
}

@test "bad configuration exits 78 naming file:line:column" {
	printf 'seed:\n  threshold: 2\n' >bad.yaml
	run --separate-stderr stp-seed -q -c bad.yaml --state state.jsonl thr.jsonl
	assert_failure 78
	assert_stderr "stp-seed: bad.yaml:2:14: 'seed.threshold': expected a number from 0 to 1"
	printf 'seed:\n  treshold: 0.3\n' >bad.yaml
	run --separate-stderr stp-seed -q -c bad.yaml --state state.jsonl thr.jsonl
	assert_failure 78
	assert_stderr_regexp "^stp-seed: bad.yaml:2:3: unknown key 'seed.treshold'"
	printf 'seed:\n  threshold: [\n' >bad.yaml
	run --separate-stderr stp-seed -q -c bad.yaml --state state.jsonl thr.jsonl
	assert_failure 78
	assert_stderr_regexp "^stp-seed: bad.yaml:[0-9]+:[0-9]+: "
}

@test "--select: a statement of the wrong type is an error where it is read (65, file:line and field)" {
	printf '%s\n' '{"id":"d/u1","statement":12345,"split":"unproved"}' >s1.jsonl
	run --separate-stderr stp-seed -q --select --state sel-state.jsonl --statements s1.jsonl
	assert_failure 65
	assert_stderr "stp-seed: s1.jsonl:1: field 'statement': expected a string"
	printf '%s\n' '{"id":"d/u1","statement":"|- ph","hyps":"x","split":"unproved"}' >s2.jsonl
	run --separate-stderr stp-seed -q --select --state sel-state.jsonl --statements s2.jsonl
	assert_failure 65
	assert_stderr_regexp "s2.jsonl:1: field 'hyps': expected an array"
	printf '%s\n' '{"id":"d/u1","statement":"|- ph","split":true}' >s3.jsonl
	run --separate-stderr stp-seed -q --select --state sel-state.jsonl --statements s3.jsonl
	assert_failure 65
	assert_stderr "stp-seed: s3.jsonl:1: field 'split': expected a string"
	# a conjecture too
	printf '%s\n' '{"id":"c/1","statement":"|- ph","hyps":[7]}' >c.jsonl
	run --separate-stderr stp-seed -q --select --state sel-state.jsonl --statements statements.jsonl c.jsonl
	assert_failure 65
	assert_stderr_regexp "c.jsonl:1: field 'hyps'"
}

@test "seeds: a verdict whose statement is not a string is an error (65)" {
	printf '%s\n' '{"id":"d/b","statement":12,"source":"dataset","proof":"p","ok":true,"lemmas":["syl"]}' >v.jsonl
	run --separate-stderr stp-seed -q --state state.jsonl v.jsonl
	assert_failure 65
	assert_stderr "stp-seed: v.jsonl:1: field 'statement': expected a string"
}

@test "a lemma whose statement and hypothesis are longer than 64 KB is written whole" {
	x=$(printf ' x%.0s' $(seq 40000))   # 80,000 characters
	printf '$c x wff |- $.\nbig $a |-%s $.\n${ bigh $e |-%s $. bigt $a |- x $. $}\n' "$x" "$x" >big.mm
	states 2 >st2.jsonl
	printf '{"id":"d/%03d","statement":"|- x","hyps":[],"source":"dataset","proof":"p","ok":true,"lemmas":["%s"]}\n' \
		0 big 1 bigt >v2.jsonl
	run --separate-stderr stp-seed -q -c notriv.yaml --db big.mm --state st2.jsonl v2.jsonl
	assert_success
	[[ $(nlines) == 2 ]]
	assert_line --index 0 --partial "\"lemma\":\"big\",\"lemma_statement\":\"|-$x\",\"lemma_hyps\":[]"
	assert_line --index 1 --partial "\"lemma\":\"bigt\",\"lemma_statement\":\"|- x\",\"lemma_hyps\":[\"|-$x\"]"
}

# ---- Lean seeds

# lean_verdicts: two correct Lean verdicts, their lemmas the REPL's used
# constants (lemmas, types, instances)
lean_verdicts() {
	printf '%s\n' \
		'{"id":"w/1","system":"lean","context":"import Mathlib\n","statement":"theorem w1 (a b : ℕ) : a + b = b + a := by","source":"dataset","proof":"\n  rw [Nat.add_comm]","ok":true,"lemmas":["Nat","Nat.add_comm","instHAdd"]}' \
		'{"id":"w/2","system":"lean","context":"import Mathlib\n","statement":"theorem w2 (x : ℝ) : 0 ≤ x ^ 2 := by","source":"dataset","proof":"\n  nlinarith [sq_nonneg x]","ok":true,"lemmas":["Real","sq_nonneg"]}'
	printf '%s\n' \
		'{"id":"w/1","split":"unproved","best_pass":0.5,"proved":true,"first_iter":1,"attempts":64,"correct":32}' \
		'{"id":"w/2","split":"unproved","best_pass":0.5,"proved":true,"first_iter":1,"attempts":64,"correct":32}' >lean-state.jsonl
}

@test "Lean seeds: a lemma the dictionary states gives a seed with its statement cut at ':='; no database read" {
	lean_verdicts >lean.jsonl
	printf '%s\n' \
		'{"name":"Nat.add_comm","statement":"theorem Nat.add_comm (n m : ℕ) : n + m = m + n := by\n  omega"}' \
		'{"name":"sq_nonneg","statement":"  theorem sq_nonneg {α : Type*} [LinearOrderedRing α] (a : α) : 0 ≤ a ^ 2 "}' \
		'{"name":"Nat.add_comm","statement":"theorem Nat.add_comm : given twice, the first kept"}' >dict.jsonl
	run --separate-stderr stp-seed -c notriv.yaml --db nosuch.mm --lean-lemmas dict.jsonl \
		--state lean-state.jsonl --iter 2 lean.jsonl
	assert_success
	assert_line --index 0 '{"id":"s/148da38fdf92413d","system":"lean","context":"import Mathlib\n","statement":"theorem w1 (a b : ℕ) : a + b = b + a := by","proof":"\n  rw [Nat.add_comm]","lemma":"Nat.add_comm","lemma_statement":"theorem Nat.add_comm (n m : ℕ) : n + m = m + n","source_id":"w/1","samples":3,"iter":2}'
	assert_line --index 1 --partial '"lemma":"sq_nonneg","lemma_statement":"theorem sq_nonneg {α : Type*} [LinearOrderedRing α] (a : α) : 0 ≤ a ^ 2","source_id":"w/2"'
	[[ ${#lines[@]} == 2 ]]
	# Nat and instHAdd, Real: no lemmas
	assert_stderr_regexp "^stp-seed: 2 seeds \(2 candidate pairs, a lemma at most 1 times, 0 cut to n = 2\), 3 conjectures each"
}

@test "Lean seeds without --lean-lemmas: trivial-lemma seeds only, said once" {
	lean_verdicts >lean.jsonl
	printf 'seed:\n  trivial_prob: 1\n  lemma_cap: 1\n' >triv.yaml
	run --separate-stderr stp-seed -q -c triv.yaml --db nosuch.mm --state lean-state.jsonl lean.jsonl
	assert_success
	[[ ${#lines[@]} == 2 ]]
	[[ $(grep -c '"lemma":"","source_id":"w/[12]"' <<<"$output") == 2 ]]
	refute_output --partial 'lemma_statement'
	assert_stderr "stp-seed: warning: lean.jsonl:1: a Lean verdict, and no --lean-lemmas: Lean proofs give trivial-lemma seeds only (docs/lean.md)"
}

@test "Lean seeds: a malformed dictionary record exits 65 naming FILE:LINE; one that cannot be opened 66" {
	lean_verdicts >lean.jsonl
	printf '%s\n' '{"name":"a","statement":"theorem a : True"}' '{"name":"b"}' >dict.jsonl
	run --separate-stderr stp-seed -q --lean-lemmas dict.jsonl --state lean-state.jsonl lean.jsonl
	assert_failure 65
	assert_stderr "stp-seed: dict.jsonl:2: field 'statement': missing"
	run --separate-stderr stp-seed -q --lean-lemmas nosuch.jsonl --state lean-state.jsonl lean.jsonl
	assert_failure 66
	assert_stderr "stp-seed: cannot open 'nosuch.jsonl': No such file or directory"
}

@test "Lean seeds from stp-verify --backend lean: the lemmas the REPL reports, the dictionary's statements" {
	PY=$(command -v python3) || fail "python3 is missing (CI installs the Debian package python3)"
	printf '%s\n' \
		'{"id":"w/1","system":"lean","context":"import Mathlib\n","statement":"theorem w1 (a b : ℕ) : a + b = b + a := by","split":"unproved","source":"dataset","proof":"\n  rw [Nat.add_comm]"}' \
		'{"id":"w/2","system":"lean","context":"import Mathlib\n","statement":"theorem w2 (x : ℝ) : 0 ≤ x ^ 2 := by","split":"unproved","source":"dataset","proof":"\n  nlinarith [sq_nonneg x, Real.sq_sqrt]"}' >att.jsonl
	stp-verify -q --backend lean --lean-cmd "exec $PY $STP_ROOT/tests/peers/repl.py" -o v.jsonl att.jsonl
	run grep -o '"lemmas":\[[^]]*\]' v.jsonl
	assert_output '"lemmas":["Nat.add_comm"]
"lemmas":["Real.sq_sqrt"]'
	lean_verdicts >/dev/null   # (writes lean-state.jsonl)
	printf '%s\n' '{"name":"Nat.add_comm","statement":"theorem Nat.add_comm (n m : ℕ) : n + m = m + n"}' >dict.jsonl
	run --separate-stderr stp-seed -q -c notriv.yaml --lean-lemmas dict.jsonl --state lean-state.jsonl v.jsonl
	assert_success
	[[ ${#lines[@]} == 1 ]]
	assert_output --partial '"lemma":"Nat.add_comm","lemma_statement":"theorem Nat.add_comm (n m : ℕ) : n + m = m + n","source_id":"w/1"'
}
