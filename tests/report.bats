#!/usr/bin/env bats
#
# report.bats - tools/report and make report on fixture stats files
# (tests/fixtures/report/runs/: fx and fx-ei, 3 iterations each, an
# evaluation of fx's iteration 3; solo, without an expert-iteration run).
# The golden report (expected-fx.md) is rewritten only with UPDATE=1.

load test_helper

setup() {
	F="$BATS_TEST_DIRNAME/fixtures/report"
	command -v gnuplot >/dev/null || skip "gnuplot is not installed (apt-get install gnuplot-nox)"
	cd "$BATS_TEST_TMPDIR" || return 1
	cp -r "$F/runs" .
	REPORT="$STP_ROOT/tools/report"
}

@test "tools/report -h prints the usage and exits 0" {
	run --separate-stderr "$REPORT" -h
	assert_success
	assert_line --index 0 --partial "tools/report - the report of a run"
}

@test "tools/report without a run exits 64 with the usage" {
	run --separate-stderr "$REPORT"
	assert_failure 64
	assert_stderr "usage: tools/report [-d RUNS_DIR] [-o OUT_DIR] RUN"
}

@test "tools/report: a bogus flag exits 64" {
	run --separate-stderr "$REPORT" -x fx
	assert_failure 64
}

@test "report.md: a table per iteration for STP and expert iteration, pass@k where evaluated" {
	run --separate-stderr "$REPORT" fx
	assert_success
	assert_stderr "tools/report: wrote runs/fx/report/report.md, pass.png, pass.svg"
	if [[ -n "${UPDATE:-}" ]]; then cp runs/fx/report/report.md "$F/expected-fx.md"; fi
	cmp "$F/expected-fx.md" runs/fx/report/report.md
}

@test "report.md: the rows say what the stats say" {
	"$REPORT" fx 2>/dev/null
	md=runs/fx/report/report.md
	# cumulative pass per split, proofs, conjectures generated / well formed / kept / selected, histogram
	grep -qF '| 2 | 120000 | 0.610 | 0.429 | 0.589 | 2400 | 1900 | 1200 | 210 | 700 / 240 / 120 / 90 / 50 | – | – | – |' $md
	# test pass@k: mean ± std where there are groups enough, the mean alone otherwise
	grep -qF '| 3 | 163200 | 0.660 | 0.500 | 0.640 | 2560 | 2000 | 1300 | 260 | 800 / 260 / 100 / 90 / 50 | 0.251 ± 0.031 | 0.410 ± 0.020 | 0.524 |' $md
	grep -qF '| 2 | 121600 | 0.550 | 0.393 | 0.531 | – | – | – |' $md
	# at equal budget: expert iteration interpolated at STP's proofs
	grep -qF '| 3 | 163200 | 0.500 | 0.400 |' $md
}

@test "the plot: pass.png and pass.svg, with both curves" {
	run --separate-stderr "$REPORT" fx
	assert_success
	[[ $(head -c 8 runs/fx/report/pass.png | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]]
	grep -q '<svg' runs/fx/report/pass.svg
	grep -q '>STP<' runs/fx/report/pass.svg
	grep -q '>expert iteration<' runs/fx/report/pass.svg
	grep -q "split 'unproved'" runs/fx/report/pass.svg
}

@test "a missing expert-iteration run is said, in the report and on stderr, and is not an error" {
	run --separate-stderr "$REPORT" solo
	assert_success
	assert_stderr "tools/report: no expert-iteration run in 'runs/solo-ei': the report shows STP alone
tools/report: wrote runs/solo/report/report.md, pass.png, pass.svg"
	grep -qF 'No expert-iteration run: `runs/solo-ei` has no stats (make ei N=k RUN=solo).' runs/solo/report/report.md
	grep -qF '| 1 | 2000 | 1.000 | 0.650 | 0.883 | – | – | – | 0 | 0 / 0 / 0 / 0 / 0 | – | – | – |' runs/solo/report/report.md
	[[ -s runs/solo/report/pass.png && -s runs/solo/report/pass.svg ]]
	! grep -q '>expert iteration<' runs/solo/report/pass.svg
}

@test "a run without stats exits 66; a broken stats file exits 65" {
	run --separate-stderr "$REPORT" nosuch
	assert_failure 66
	assert_stderr "tools/report: no stats in 'runs/nosuch' (make iteration N=1 RUN=nosuch)"
	echo '{"iter":1,"proofs_generated":' >runs/solo/iter-001/stats.json
	run --separate-stderr "$REPORT" solo
	assert_failure 65
	assert_stderr_regexp "runs/solo/iter-001/stats.json: not a JSON stats file"
	[[ ! -e runs/solo/report/report.md ]]
}

@test "-d and -o: runs elsewhere, the report elsewhere" {
	mkdir elsewhere
	mv runs elsewhere/
	run --separate-stderr "$REPORT" -d elsewhere/runs -o out fx
	assert_success
	[[ -s out/report.md && -s out/pass.png && -s out/pass.svg ]]
	grep -qF '## STP (elsewhere/runs/fx)' out/report.md
}

@test "make report RUN=fx writes runs/fx/report/" {
	ln -s "$STP_ROOT/tools" tools
	run --separate-stderr make -s -f "$STP_ROOT/Makefile" report RUN=fx
	assert_success
	[[ -s runs/fx/report/report.md && -s runs/fx/report/pass.png ]]
	cmp "$F/expected-fx.md" runs/fx/report/report.md
}

@test "report.md: the budget per iteration, and the plot against the proofs spent on unproved" {
	run --separate-stderr "$REPORT" bud
	assert_success
	md=runs/bud/report/report.md
	grep -qx '| iter | proofs | open unproved | open train | conjectures: valid | not valid | re-proved |' "$md"
	# iteration 2: 17,536 proofs, 15.3% on open unproved at a pass rate of 0.4%
	grep -qx '| 2 | 17536 | 15.3% (0.4%) | 13.7% (0.0%) | 29.0% (21.5%) | 0.0% (0.0%) | 42.0% (38.5%) |' "$md"
	[[ -s runs/bud/report/pass.png ]]
	grep -q "proofs of open 'unproved' statements" runs/bud/report/pass.svg
}

@test "report.md: the last iteration's first five conjecturer examples, each with its shortest correct proof" {
	it=runs/fx/iter-003
	# far more conjecturer examples than the five shown (a pipe that stops
	# reading early once made the report die of SIGPIPE, exit 141)
	awk 'BEGIN { for (i = 0; i < 40000; i++)
		printf "{\"role\":\"conjecturer\",\"id\":\"c/%04d\",\"lemma\":\"a1i\",\"target\":\"|- ( ph -> ph )\",\"target_hyps\":[\"|- ps\"],\"weight\":0.5}\n", i }' >"$it/examples.jsonl"
	{
		echo '{"id":"c/0000","proof":"a1i ps H1 ax-1 id","ok":true}'
		echo '{"id":"c/0000","proof":"id","ok":true}'
		echo '{"id":"c/0000","proof":"x","ok":false}'
	} >"$it/verdicts.jsonl"
	run --separate-stderr "$REPORT" fx
	assert_success
	md=runs/fx/report/report.md
	grep -q '^## Conjectures the last iteration selected' "$md"
	[[ $(grep -c '^| `a1i` |' "$md") == 5 ]]
	grep -qF '| `a1i` | `\|- ps ⊢ \|- ( ph -> ph )` | `id` | 0.50 |' "$md"
	grep -qF '| `a1i` | `\|- ps ⊢ \|- ( ph -> ph )` | `?` | 0.50 |' "$md"
}
