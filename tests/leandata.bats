#!/usr/bin/env bats
#
# leandata.bats - stp-leandata: the public Lean 4 benchmarks as statement
# records, on hand-written fixtures in the shapes their projects publish
# (tests/fixtures/lean: DeepSeek-Prover-V1.5's minif2f.jsonl and
# proofnet.jsonl, InternLM's lean_workbook.json, PutnamBench's .lean files).
# The expected records (expected-*.jsonl) are rewritten only with UPDATE=1.

load test_helper

F=$BATS_TEST_DIRNAME/fixtures/lean

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

# golden FORMAT INPUT: stp-leandata --format FORMAT INPUT writes expected-FORMAT.jsonl
golden() {
	run --separate-stderr stp-leandata -q --format "$1" -o out.jsonl "$2"
	assert_success
	assert_stderr ""
	if [[ -n "${UPDATE:-}" ]]; then cp out.jsonl "$F/expected-$1.jsonl"; fi
	cmp out.jsonl "$F/expected-$1.jsonl"
}

# field FILE LINE KEY: the string field KEY of record LINE (1-based) of FILE
# (as run captures it: trailing newlines dropped)
field() {
	python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readlines()[int(sys.argv[2]) - 1])[sys.argv[3]], end="")' "$@"
}

# ---- the formats

@test "minif2f: DeepSeek-Prover-V1.5's jsonl; valid is unproved, test is test; the header kept" {
	golden minif2f "$F/minif2f.jsonl"
	run cat out.jsonl
	assert_line --index 0 '{"id":"minif2f/mathd_algebra_10","system":"lean","context":"import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 0\n\nopen BigOperators Real Nat Topology Rat\n\n","statement":"theorem mathd_algebra_10 : (2 : ℝ) + 3 = 5 := by","split":"unproved","source":"dataset"}'
	run field out.jsonl 2 split
	assert_output test
}

@test "proofnet: statements end in ':=' as published; a name given again gets #2; a def is a problem" {
	golden proofnet "$F/proofnet.jsonl"
	run field out.jsonl 1 statement
	assert_output 'theorem exercise_1_1a
  (x : ℝ) (y : ℚ) :
  ( Irrational x ) -> Irrational ( x + y ) :='
	run field out.jsonl 3 id
	assert_output 'proofnet/exercise_1_1a#2'
	run field out.jsonl 3 context
	assert_output 'import Mathlib

open Fintype Subgroup Set Polynomial Ideal
open scoped BigOperators'
}

@test "leanworkbook: one JSON array; ':= by sorry' loses its sorry; STP's header; all unproved" {
	golden leanworkbook "$F/leanworkbook.json"
	run field out.jsonl 1 statement
	assert_output 'theorem lean_workbook_214 (x y : ℝ) : (x - y) ^ 2 ≥ 0  :=  by'
	run field out.jsonl 1 context
	assert_output 'import Mathlib
import Aesop
set_option maxHeartbeats 0
open BigOperators Real Nat Topology Rat'
	run grep -c '"split":"unproved"' out.jsonl
	assert_output 3
}

@test "putnambench: .lean files by their directory, in name order; solutions inlined from the comment" {
	golden putnambench "$F/putnambench"
	run field out.jsonl 1 id
	assert_output putnambench/putnam_1970_a1
	# the header: imports and opens, not the abbrev, its answer or the docstring
	run field out.jsonl 2 context
	assert_output 'import Mathlib

open Set Filter Topology'
	# rewrite_solutions.py's ((ANSWER) : TYPE), TYPE with the space before ':='
	run field out.jsonl 2 statement
	assert_output --partial '} (((3 - 2 * Real.sqrt 2) / 2) : ℝ ) :='
	refute_output --partial 'sorry'
	run field out.jsonl 3 statement
	assert_output --partial '(((fun n => 2 * n - 3) : ℕ → ℕ ) n) :='
	run grep -c '"split":"test"' out.jsonl
	assert_equal "$output" 3
}

@test "putnambench: files named one by one give the same records" {
	stp-leandata -q --format putnambench -o a.jsonl "$F"/putnambench/*.lean
	cmp a.jsonl "$F/expected-putnambench.jsonl"
}

@test "a JSON array or JSON Lines, plain or gzip, a file or stdin: the same records" {
	python3 -c 'import json, sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])], indent=1, ensure_ascii=False))' \
		"$F/minif2f.jsonl" >array.json
	stp-leandata -q --format minif2f -o a.jsonl array.json
	cmp a.jsonl "$F/expected-minif2f.jsonl"
	gzip -c "$F/minif2f.jsonl" >m.jsonl.gz
	stp-leandata -q --format minif2f -o b.jsonl m.jsonl.gz
	cmp b.jsonl "$F/expected-minif2f.jsonl"
	stp-leandata -q --format minif2f <"$F/minif2f.jsonl" >c.jsonl
	cmp c.jsonl "$F/expected-minif2f.jsonl"
}

@test "--split, --name and --header; the counts on stderr" {
	run --separate-stderr stp-leandata --format minif2f --split train --name mf "$F/minif2f.jsonl"
	assert_success
	assert_stderr "stp-leandata: 3 statements: 3 train, 0 unproved, 0 test; 0 with a name given before (numbered #2, #3, ...)"
	[[ $(grep -c '"id":"mf/.*"split":"train"' <<<"$output") == 3 ]]
	# --header is for records published without one
	stp-leandata -q --format leanworkbook --header $'import Mathlib\n\n' "$F/leanworkbook.json" >w.jsonl
	run field w.jsonl 2 context
	assert_output 'import Mathlib'
	stp-leandata -q --format minif2f --header 'unused' "$F/minif2f.jsonl" >m.jsonl
	cmp m.jsonl "$F/expected-minif2f.jsonl"
	printf 'leandata:\n  header: "import Mathlib\\nopen Real\\n\\n"\n' >c.yaml
	stp-leandata -q -c c.yaml --format leanworkbook "$F/leanworkbook.json" >y.jsonl
	run field y.jsonl 1 context
	assert_output 'import Mathlib
open Real'
}

@test "the records are what stp-verify --backend lean checks: context as header, statement, proof" {
	PY=$(command -v python3) || fail "python3 is missing (CI installs the Debian package python3)"
	export REPL_LOG=$PWD/repl.log
	stp-leandata -q --format putnambench "$F/putnambench" |
		python3 -c 'import json, sys
for l in sys.stdin:
    r = json.loads(l); r["proof"] = "\n  nlinarith [sq_nonneg x]"; print(json.dumps(r, ensure_ascii=False))' >att.jsonl
	run --separate-stderr stp-verify -q --backend lean --lean-cmd "exec $PY $STP_ROOT/tests/peers/repl.py" \
		-j 1 -o v.jsonl att.jsonl
	assert_success
	run grep -c '"ok":true' v.jsonl
	assert_output 3
	# each header once, then the theorem and its proof in its environment
	run grep -c '^{"cmd":"import Mathlib\\n\\nopen Set\\n\\n"}$' repl.log
	assert_output 1
	grep -q '"cmd":"theorem putnam_1970_a1\\n(x : ℝ)\\n: x ^ 2 + 1 > 0 :=\\n\\n  nlinarith \[sq_nonneg x\]","env":0,"allTactics":true' repl.log
	grep -q '"cmd":"#print axioms putnam_1992_b1"' repl.log
}

# ---- bad usage and bad input

@test "no --format, or an unknown one, exits 64" {
	run --separate-stderr stp-leandata "$F/minif2f.jsonl"
	assert_failure 64
	assert_stderr "stp-leandata: no format: give --format minif2f, proofnet, leanworkbook or putnambench"
	run --separate-stderr stp-leandata --format lean3 "$F/minif2f.jsonl"
	assert_failure 64
	assert_stderr "stp-leandata: --format: expected minif2f, proofnet, leanworkbook or putnambench, got 'lean3'"
	run --separate-stderr stp-leandata --format minif2f --split valid "$F/minif2f.jsonl"
	assert_failure 64
	assert_stderr "stp-leandata: --split: expected train, unproved or test, got 'valid'"
	run --separate-stderr stp-leandata --format minif2f --name a/b "$F/minif2f.jsonl"
	assert_failure 64
	assert_stderr "stp-leandata: --name: expected a name without '/', got 'a/b'"
	run --separate-stderr stp-leandata --format putnambench
	assert_failure 64
	assert_stderr "stp-leandata: --format putnambench reads .lean files: name them, or their directory"
}

@test "a missing field exits 65 naming FILE:LINE and the field; nothing is written" {
	{ head -1 "$F/minif2f.jsonl"; sed -n 2p "$F/minif2f.jsonl" | sed 's/"formal_statement"/"statement"/'; } >m.jsonl
	run --separate-stderr stp-leandata -q --format minif2f -o out.jsonl m.jsonl
	assert_failure 65
	assert_stderr "stp-leandata: m.jsonl:2: field 'formal_statement': missing"
	[[ ! -e out.jsonl ]]
	sed 's/"split": "valid", //' "$F/minif2f.jsonl" >s.jsonl
	run --separate-stderr stp-leandata -q --format minif2f s.jsonl
	assert_failure 65
	assert_stderr "stp-leandata: s.jsonl:1: field 'split': missing"
	# without a split --split is enough
	run --separate-stderr stp-leandata -q --format minif2f --split test s.jsonl
	assert_success
}

@test "in a JSON array a record is named by the line it starts on" {
	sed 's/"id": "lean_workbook_plus_2"/"ident": "lean_workbook_plus_2"/' "$F/leanworkbook.json" >w.json
	line=$(grep -n '^  {' w.json | sed -n 2p | cut -d: -f1)
	run --separate-stderr stp-leandata -q --format leanworkbook w.json
	assert_failure 65
	assert_stderr "stp-leandata: w.json:$line: field 'id': missing"
	printf '[\n  {"id": "a", "formal_statement": "theorem a : True := by sorry"},\n  3\n]\n' >n.json
	run --separate-stderr stp-leandata -q --format leanworkbook n.json
	assert_failure 65
	assert_stderr "stp-leandata: n.json:3: expected a JSON object"
	printf '[\n  {"id": "a", "formal_statement": "theorem a : True := by sorry"}\n' >t.json
	run --separate-stderr stp-leandata -q --format leanworkbook t.json
	assert_failure 65
	assert_stderr "stp-leandata: t.json:3: invalid JSON: expected ',' or ']' after a record"
}

@test "text that is not JSON, a split neither valid nor test, a statement naming no theorem: 65" {
	{ head -1 "$F/proofnet.jsonl"; echo '{"name": "x", '; } >j.jsonl
	run --separate-stderr stp-leandata -q --format proofnet j.jsonl
	assert_failure 65
	assert_stderr_regexp "^stp-leandata: j.jsonl:2: invalid JSON: "
	sed '1s/"split": "valid"/"split": "train"/' "$F/proofnet.jsonl" >t.jsonl
	run --separate-stderr stp-leandata -q --format proofnet t.jsonl
	assert_failure 65
	assert_stderr "stp-leandata: t.jsonl:1: field 'split': expected valid or test (or give --split), got 'train'"
	sed '2s/"theorem exercise_2_1_18/"example/' "$F/proofnet.jsonl" >e.jsonl
	run --separate-stderr stp-leandata -q --format proofnet e.jsonl
	assert_failure 65
	assert_stderr "stp-leandata: e.jsonl:2: field 'formal_statement': expected 'theorem NAME', 'lemma NAME' or 'def NAME'"
}

@test "-k skips the malformed records, writes the rest, exits 65" {
	{ head -1 "$F/minif2f.jsonl"; echo '{"name": "x"}'; sed -n 3p "$F/minif2f.jsonl"; echo 'nonsense'; } >k.jsonl
	run --separate-stderr stp-leandata -q -k --format minif2f -o out.jsonl k.jsonl
	assert_failure 65
	assert_stderr_regexp "^stp-leandata: warning: k.jsonl:2: field 'formal_statement': missing \(skipped\)
stp-leandata: warning: k.jsonl:4: invalid JSON: .* \(skipped\)
stp-leandata: 2 malformed records skipped$"
	run cut -c1-45 out.jsonl
	assert_output '{"id":"minif2f/mathd_algebra_10","system":"le
{"id":"minif2f/induction_12dvd4expnp1p20","sy'
}

@test "putnambench: a solution without its answer, a file without a theorem: 65 naming the file" {
	mkdir src
	sed '/^-- (3 - 2/d' "$F/putnambench/putnam_1981_b2.lean" >src/putnam_1981_b2.lean
	run --separate-stderr stp-leandata -q --format putnambench src
	assert_failure 65
	assert_stderr "stp-leandata: src/putnam_1981_b2.lean:5: solution 'putnam_1981_b2_solution': no answer in a comment on the next line"
	printf 'import Mathlib\n\nexample : True := trivial\n' >src/putnam_1981_b2.lean
	run --separate-stderr stp-leandata -q --format putnambench src/putnam_1981_b2.lean
	assert_failure 65
	assert_stderr "stp-leandata: src/putnam_1981_b2.lean: no 'theorem' at the start of a line"
}

@test "an input that cannot be opened exits 66; a directory without .lean files too" {
	run --separate-stderr stp-leandata --format minif2f nosuch.jsonl
	assert_failure 66
	assert_stderr "stp-leandata: cannot open 'nosuch.jsonl': No such file or directory"
	mkdir empty
	run --separate-stderr stp-leandata --format putnambench empty
	assert_failure 66
	assert_stderr "stp-leandata: 'empty' holds no .lean file"
}

@test "a full disk is not success: >/dev/full exits 74" {
	run --separate-stderr bash -c "stp-leandata -q --format minif2f '$F/minif2f.jsonl' >/dev/full"
	assert_failure 74
	assert_stderr_regexp "write error"
}
