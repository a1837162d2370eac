#!/usr/bin/env bats
# tools/experiment-table: the README's experiment tables from runs' stats

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	TABLE="$BATS_TEST_DIRNAME/../tools/experiment-table"
}

# stats ROOT ITER PROOFS PASS PROVED: one iteration's stats.json
stats() {
	mkdir -p "$1/iter-$(printf %03d "$2")"
	cat >"$1/iter-$(printf %03d "$2")/stats.json" <<JSON
{"iter": $2, "proofs_generated": $3, "cumulative_pass": {"unproved": $4},
 "proved": {"unproved": $5}, "this_iter": {"attempts": 100},
 "budget": {"open_unproved": {"proofs": 60, "correct": 3}, "reprove": {"proofs": 40, "correct": 20}},
 "conjectures": {"new": 10, "valid": 5, "attempted": 4, "in_window": 2, "selected": 1, "relabelled_trivial": 0}}
JSON
}

@test "experiment-table: one run gives its value and the statement count at each budget" {
	stats runs/a 1 100 0.1 1
	stats runs/a 2 200 0.2 2
	stats runs/a-ei 1 100 0.1 1
	stats runs/a-ei 2 250 0.3 3
	run "$TABLE" -b 150,200 a
	assert_success
	assert_line "| 150 | 10.0% (1) | 10.0% (1) |"
	assert_line "| 200 | 20.0% (2) | 10.0% (1) |"
}

@test "experiment-table: several runs give mean and standard deviation" {
	stats runs/a 1 100 0.1 1
	stats runs/b 1 100 0.3 3
	stats runs/a-ei 1 100 0.1 1
	stats runs/b-ei 1 100 0.1 1
	run "$TABLE" -b 100 a b
	assert_success
	assert_line "| 100 | 20.0 ± 14.1% | 10.0 ± 0.0% |"
}

@test "experiment-table: a run that did not reach a budget is left out and said" {
	stats runs/a 1 100 0.1 1
	stats runs/a 2 300 0.2 2
	stats runs/b 1 100 0.3 3
	stats runs/b 2 300 0.4 4
	stats runs/a-ei 1 100 0.1 1
	stats runs/a-ei 2 300 0.5 5
	stats runs/b-ei 1 100 0.1 1
	run "$TABLE" -b 300 a b
	assert_success
	assert_line "| 300 | 30.0 ± 14.1% | 50.0% (5) [1 of 2 runs] |"
}

@test "experiment-table: the budget accounting sums iterations 2 on" {
	stats runs/a 1 100 0.1 1
	stats runs/a 2 200 0.2 2
	run "$TABLE" -b 200 a
	assert_success
	assert_line --partial "| STP | 100 | 60.0% (pass 5.00%) |"
}

@test "experiment-table: no run named is a usage error (64)" {
	run "$TABLE"
	[ "$status" -eq 64 ]
}
