#!/usr/bin/env bats
#
# stp-conjecture.bats - the command line's standard checks, then the
# conjectures' filters (docs/algorithm.md step 2) on
# hand-made conjecture records (tests/fixtures/conjecture/), through
# --filter, which applies them without a model: well formed; new up to
# renaming of variables and reordering of hypotheses, against every split of
# the dataset (`test` included) and one another; valid by truth tables (the
# prefilter); at most as many as the statements still unproved, a seeded
# random subset. Sampling itself is tested in stp-prove.bats.
#
# cands.jsonl: x/1 renames and reorders mp2b (test), x/2 mp2 (train); x/3
# is not valid; x/5 renames x/4; x/8 is not well formed; x/4, x/6, x/7,
# x/9, x/10 are new and valid.

load test_helper

setup() {
	F="$BATS_TEST_DIRNAME/fixtures/conjecture"
	DATASET="$STP_ROOT/data/mm-pc/statements.jsonl"
	[[ -r "$DATASET" ]] || fail "$DATASET missing: run make data"
	export STP_DB="$STP_ROOT/data/mm-pc/pc.mm"
	cd "$BATS_TEST_TMPDIR" || return 1
	cp "$F"/* .
}

# ids: the seeds' record ids (x/N, kept in "extra"-free records by id order)
kept_statements() {
	sed 's/.*"statement":"\([^"]*\)".*/\1/' <<<"$output"
}

# ---- the command line

@test "stp-conjecture --help prints the usage on stdout and exits 0" {
	run --separate-stderr stp-conjecture --help
	assert_success
	assert_line --index 0 --partial "usage: stp-conjecture"
	assert_stderr ""
}

@test "stp-conjecture -h is --help" {
	run --separate-stderr stp-conjecture -h
	assert_success
	assert_line --index 0 --partial "usage: stp-conjecture"
}

@test "stp-conjecture: a bogus flag exits 64" {
	run --separate-stderr stp-conjecture --bogus cands.jsonl
	assert_failure 64
	assert_stderr_regexp "unrecognized option '--bogus'"
}

@test "stp-conjecture: no model exits 64" {
	run --separate-stderr stp-conjecture cands.jsonl
	assert_failure 64
	assert_stderr "stp-conjecture: no model: give --model CHECKPOINT (or conjecture.model in the configuration)"
}

@test "stp-conjecture: a configuration that cannot be opened exits 66" {
	run --separate-stderr stp-conjecture -c nosuch.yaml --filter cands.jsonl
	assert_failure 66
	assert_stderr_regexp "nosuch.yaml"
}

@test "stp-conjecture --version prints the tool's name and version, exit 0" {
	run --separate-stderr stp-conjecture --version
	assert_success
	[[ $output == "stp-conjecture "?* ]]
}

# ---- the filters

@test "--filter: new, well formed and valid ones kept in order, each counted" {
	run --separate-stderr stp-conjecture --filter --dataset "$DATASET" --stats st.json cands.jsonl
	assert_success
	[[ ${#lines[@]} == 5 ]]
	assert_equal "$(kept_statements | tr '\n' ';')" \
		"|- ( ph -> ( ph -> ( ps -> ph ) ) );|- ( ph -> ( ps -> ( ph -> ph ) ) );|- ( ph -> ( ( ps -> ps ) -> ph ) );|- ( ps -> ( ch -> ( ch -> ps ) ) );|- ( ps -> ( ph -> ( ps -> ph ) ) );"
	assert_equal "$(cat st.json)" \
		'{"seeds":0,"generated":10,"well_formed":9,"duplicate_test":1,"duplicate_dataset":1,"duplicate":1,"new":6,"valid":5,"not_valid":1,"validity_unknown":0,"refuted_dropped":1,"max":-1,"kept":5}'
	assert_stderr_regexp "1 equal to a test statement, 1 to another dataset statement, 1 repeats"
}

@test "--filter: a renaming of a test statement with its hypotheses reordered is dropped" {
	run --separate-stderr stp-conjecture -q --filter --dataset "$DATASET" cands.jsonl
	assert_success
	# x/1 is mp2b (|- ch from |- ph, |- ( ph -> ps ), |- ( ps -> ch )) renamed
	run grep -c '"hyps":\["|- ( ch -> ps )"' <<<"$output"
	assert_output 0
	# and without the dataset it is new
	run --separate-stderr stp-conjecture -q --filter cands.jsonl
	assert_success
	assert_line --index 0 --partial '"statement":"|- th","hyps":["|- ( ch -> ps )","|- ( ps -> th )","|- ch"]'
}

@test "--filter: the fields of a record are kept; id, split, source and valid are set" {
	run --separate-stderr stp-conjecture -q --filter --dataset "$DATASET" cands.jsonl
	assert_success
	assert_line --index 0 '{"id":"c/ab531bab116b3800","context":"syl","statement":"|- ( ph -> ( ph -> ( ps -> ph ) ) )","hyps":[],"seed":"s/2","lemma":"ax-1","iter":2,"extra":[1,"two"],"system":"metamath","split":"conjecture","source":"conjecture","valid":true}'
}

@test "--filter --no-prefilter: a conjecture truth tables refute is kept with valid false" {
	run --separate-stderr stp-conjecture -q --filter --no-prefilter --dataset "$DATASET" cands.jsonl
	assert_success
	[[ ${#lines[@]} == 6 ]]
	assert_line --index 0 --partial '"statement":"|- ( ph -> ps )","hyps":[],"seed":"s/1","lemma":"","iter":2,"system":"metamath","split":"conjecture","source":"conjecture","valid":false}'
	# the same with conjecture.prefilter: false
	printf 'conjecture:\n  prefilter: false\n' >nopre.yaml
	run --separate-stderr stp-conjecture -q -c nopre.yaml --filter --dataset "$DATASET" cands.jsonl
	[[ ${#lines[@]} == 6 ]]
}

@test "keep: at most as many as the state's statements still unproved (3 of 4), a seeded random subset" {
	run --separate-stderr stp-conjecture --filter --dataset "$DATASET" --state state.jsonl \
		--stats st.json cands.jsonl
	assert_success
	[[ ${#lines[@]} == 3 ]]
	grep -q '"max":3,"kept":3}' st.json
	first=$output
	# the kept are in the order offered, and not simply the first three
	[[ "$first" != "$(stp-conjecture -q --filter --dataset "$DATASET" cands.jsonl | head -3)" ]]
	run --separate-stderr stp-conjecture -q --filter --dataset "$DATASET" --state state.jsonl cands.jsonl
	[[ "$output" == "$first" ]]
	printf 'conjecture:\n  seed: 2\n' >s2.yaml
	run --separate-stderr stp-conjecture -q -c s2.yaml --filter --dataset "$DATASET" --state state.jsonl cands.jsonl
	[[ ${#lines[@]} == 3 ]]
	[[ "$output" != "$first" ]]
}

@test "keep: n counts every statement of the state (4); --max overrides both" {
	printf 'conjecture:\n  keep: n\n' >n.yaml
	run --separate-stderr stp-conjecture -q -c n.yaml --filter --dataset "$DATASET" --state state.jsonl cands.jsonl
	assert_success
	[[ ${#lines[@]} == 4 ]]
	run --separate-stderr stp-conjecture -q --filter --max 1 --dataset "$DATASET" --state state.jsonl cands.jsonl
	[[ ${#lines[@]} == 1 ]]
}

@test "conjecture.keep: something else is a configuration error (78)" {
	printf 'conjecture:\n  keep: all\n' >bad.yaml
	run --separate-stderr stp-conjecture -c bad.yaml --filter cands.jsonl
	assert_failure 78
	assert_stderr "stp-conjecture: bad.yaml:2:9: 'conjecture.keep': expected open or n, got 'all'"
}

@test "--filter: a record without a statement exits 65 naming file:line and the field" {
	printf '%s\n' '{"id":"x","hyps":[]}' >bad.jsonl
	run --separate-stderr stp-conjecture --filter bad.jsonl
	assert_failure 65
	assert_stderr "stp-conjecture: bad.jsonl:1: field 'statement': missing"
}

@test "--filter: a context that is not in the database exits 65" {
	printf '%s\n' '{"statement":"|- ph","context":"nosuchlabel"}' >bad.jsonl
	run --separate-stderr stp-conjecture --filter bad.jsonl
	assert_failure 65
	assert_stderr_regexp "bad.jsonl:1: field 'context': 'nosuchlabel' is not in"
}

@test "--filter -k: a malformed record is skipped, the rest filtered, exit 65" {
	{ echo '{"statement":12}'; cat cands.jsonl; } >mixed.jsonl
	run --separate-stderr stp-conjecture -q -k --filter --dataset "$DATASET" mixed.jsonl
	assert_failure 65
	[[ ${#lines[@]} == 5 ]]
}

@test "--filter: a state that cannot be opened exits 66" {
	run --separate-stderr stp-conjecture --filter --state nosuch.jsonl cands.jsonl
	assert_failure 66
}

@test "--filter: a conjecture of more than 4096 symbols is judged like any other" {
	s=ph
	for _ in $(seq 11); do s="( $s -> $s )"; done   # 8189 symbols
	printf '{"id":"x/long","statement":"|- %s","hyps":[],"context":"syl","seed":"s/1","lemma":"ax-1"}\n' \
		"$s" >long.jsonl
	run --separate-stderr stp-conjecture --filter --stats st.json long.jsonl
	assert_success
	[[ ${#lines[@]} == 1 ]]
	assert_line --index 0 --partial "\"statement\":\"|- $s\""
	grep -q '"well_formed":1,' st.json
}

@test "--dataset: a statement with more hypotheses than a conjecture may have (70) is read" {
	h=$(printf '"|- ph",%.0s' $(seq 70))
	{ printf '{"id":"d/many","statement":"|- ps","hyps":[%s],"split":"train"}\n' "${h%,}"
	  cat "$DATASET"; } >many.jsonl
	run --separate-stderr stp-conjecture -q --filter --dataset many.jsonl cands.jsonl
	assert_success
	[[ ${#lines[@]} == 5 ]]
}
