#!/usr/bin/env bats
#
# lean.bats - stp-verify --backend lean against the scripted REPL (tests/peers/repl.py)
#
# Lean 4 and Mathlib are not installed here: the peer reproduces the REPL's
# framing (a request up to a blank line; multi-line pretty-printed replies
# ended by a blank line), its error shapes, its environments, and, on
# demand, its failure modes (markers in the proof text: see repl.py).
# verify_ms is a measured time for Lean, so outputs are compared with it
# replaced by T.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	PY=${PYTHON:-/usr/bin/python3}
	[[ -x $PY ]] || PY=$(command -v python3) ||
		fail "python3 is missing (CI installs the Debian package python3)"
	REPL="exec $PY $STP_ROOT/tests/peers/repl.py"
	export REPL_LOG=$BATS_TEST_TMPDIR/repl.log
}

# rec ID PROOF [STATEMENT [CONTEXT]]: an attempt record (PROOF, STATEMENT and
# CONTEXT are JSON string contents: \n for a newline)
rec() {
	printf '{"id":"%s","system":"lean","context":"%s","statement":"%s","proof":"%s"}\n' \
		"$1" "${4:-import Mathlib\\nopen Real}" "${3:-theorem $1 : True := by}" "$2"
}

# lean ARG...: stp-verify with the scripted REPL, quiet
lean() {
	stp-verify -q --backend lean --lean-cmd "$REPL" "$@"
}

# untimed FILE: FILE with every verify_ms value replaced by T
untimed() {
	sed -E 's/"verify_ms":[0-9.e+-]+/"verify_ms":T/' "$1"
}

# verdict ID [FILE]: the verdict fields of record ID in FILE (default
# out.jsonl), verify_ms untimed
verdict() {
	untimed "${2:-out.jsonl}" | grep "\"id\":\"$1\"" | sed 's/.*"proof":"[^"]*",//'
}

# headers: how many headers (commands without "env") the REPLs were sent
headers() {
	grep -vc '"env"' "$REPL_LOG" || true
}

# ---- the command line

@test "--backend with an unknown name exits 64" {
	run --separate-stderr stp-verify --backend coq x.jsonl
	assert_failure 64
	assert_stderr "stp-verify: --backend: expected metamath, lean or isabelle, got 'coq'"
}

@test "--check-db takes no --backend lean" {
	run --separate-stderr stp-verify --backend lean --check-db x.mm
	assert_failure 64
	assert_stderr "stp-verify: --check-db checks a Metamath database: it takes no --backend lean"
}

@test "a lean project directory that does not exist exits 66" {
	rec t1 '  trivial' >in.jsonl
	run --separate-stderr lean --lean-project nosuch in.jsonl
	assert_failure 66
	assert_stderr "stp-verify: cannot open the lean project 'nosuch': No such file or directory"
}

@test "a REPL command that cannot be run exits 69, not one failed verdict per attempt" {
	rec t1 '  trivial' >in.jsonl
	run --separate-stderr stp-verify -q --backend lean --lean-cmd nosuchrepl in.jsonl
	assert_failure 69
	assert_output ""
	assert_stderr "stp-verify: --lean-cmd 'nosuchrepl' cannot be run in '.' (exit status 127): /bin/sh: 1: nosuchrepl: not found"
}

@test "a full disk is not success: >/dev/full exits 74" {
	rec t1 '  trivial' >in.jsonl
	run --separate-stderr bash -c "stp-verify -q --backend lean --lean-cmd '$REPL' in.jsonl >/dev/full"
	assert_failure 74
	assert_stderr_regexp "write error"
}

# ---- verdicts

@test "a complete proof: ok, lemmas from usedConstants (internal names left out), fields kept" {
	printf '%s\n' '{"id":"t1","system":"lean","context":"import Mathlib\nopen Real","statement":"theorem t1 : 1 + 1 = 2 := by","proof":"  norm_num [Nat.add_comm]\n  exact Foo.bar repl:internal","sample":3,"x":{"a":[1,2.50]}}' >in.jsonl
	run --separate-stderr lean -o out.jsonl in.jsonl
	assert_success
	assert_stderr ""
	run untimed out.jsonl
	assert_output '{"id":"t1","system":"lean","context":"import Mathlib\nopen Real","statement":"theorem t1 : 1 + 1 = 2 := by","proof":"  norm_num [Nat.add_comm]\n  exact Foo.bar repl:internal","sample":3,"x":{"a":[1,2.50]},"ok":true,"lemmas":["Foo.bar","Nat.add_comm"],"length":5,"verify_ms":T}'
}

@test "a sorry is not a proof" {
	rec t1 '  sorry' >in.jsonl
	run lean -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"2:2: the proof has a sorry","lemmas":[],"length":1,"verify_ms":T}'
}

@test "an added axiom is not a proof: #print axioms names it" {
	rec t1 '  exact cheat repl:axiom=cheat' >in.jsonl
	run lean -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"the proof uses the axiom '"'cheat'"'","lemmas":[],"length":3,"verify_ms":T}'
}

@test "native_decide is not a proof: it depends on Lean.ofReduceBool" {
	rec t1 '  native_decide' >in.jsonl
	run lean -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"the proof uses the axiom '"'Lean.ofReduceBool'"'","lemmas":[],"length":1,"verify_ms":T}'
}

@test "#print axioms: a theorem that names a header's sorry (a PutnamBench solution left as sorry) is not a proof" {
	# no sorry in the proof, no warning on it: only #print axioms tells
	rec t1 '  norm_num' 'theorem t1 : 2 + 2 = p_solution := by' \
		'import Mathlib\n\nabbrev p_solution : ℕ := sorry\n' >in.jsonl
	rec t2 '  norm_num' 'theorem t2 : 2 + 2 = ((4) : ℕ ) := by' 'import Mathlib\n\n' >>in.jsonl
	run --separate-stderr lean -j 1 -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"the proof uses the axiom '"'sorryAx'"'","lemmas":[],"length":1,"verify_ms":T}'
	run verdict t2
	assert_output '"ok":true,"lemmas":[],"length":1,"verify_ms":T}'
}

@test "#print axioms: a theorem that depends on no axiom at all is a proof" {
	rec t1 '  exact trivial repl:noaxioms' >in.jsonl
	run lean -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":true,"lemmas":[],"length":3,"verify_ms":T}'
	grep -q '"cmd":"#print axioms t1","env":1}' "$REPL_LOG"
}

@test "the scripted REPL answers in the real REPL's layout (its test/*.expected.out), axioms in Lean's order" {
	# the requests as stp-verify sends them; the replies as the REPL's own
	# tests show them: keys in reverse order, continuation lines indented, a
	# long value on a line of its own (the README's "data"), a blank line
	# after each; #print axioms sorts by Lean's Name.lt
	printf '%s\n\n' '{"cmd":"import Mathlib"}' \
		'{"cmd":"theorem foo : 1 = 1 := by\n  sorry","env":0}' \
		'{"cmd":"#print axioms foo","env":1}' | $PY "$STP_ROOT/tests/peers/repl.py" >replies
	run cat replies
	assert_output '{"env": 0}

{"sorries":
 [{"proofState": 0,
   "pos": {"line": 2, "column": 2},
   "goal": "⊢ True",
   "endPos": {"line": 2, "column": 7}}],
 "messages":
 [{"severity": "warning",
   "pos": {"line": 1, "column": 0},
   "endPos": {"line": 1, "column": 7},
   "data": "declaration uses `sorry`"}],
 "env": 1}

{"messages":
 [{"severity": "info",
   "pos": {"line": 1, "column": 0},
   "endPos": {"line": 1, "column": 13},
   "data":
   "'"'foo' depends on axioms: [propext, sorryAx, Classical.choice, Quot.sound]"'"}],
 "env": 2}'
}

@test "an error message fails the proof, with its position and text" {
	rec t1 '  decide repl:error=unsolved goals' >in.jsonl
	run lean -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"2:9: error: unsolved goals","lemmas":[],"length":3,"verify_ms":T}'
}

@test "a warning that mentions 'failed' fails the proof; another warning does not" {
	rec t1 '  nlinarith repl:warn=linarith failed to find a contradiction' >in.jsonl
	rec t2 '  simp repl:warn=unused variable' >>in.jsonl
	run lean -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"2:12: warning: linarith failed to find a contradiction","lemmas":[],"length":7,"verify_ms":T}'
	run verdict t2
	assert_output '"ok":true,"lemmas":[],"length":3,"verify_ms":T}'
}

@test "the REPL's own error ({\"message\": ...}) fails the attempt" {
	rec t1 '  simp repl:fail=Lean error: maximum recursion depth' >in.jsonl
	run lean -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"lean: the REPL failed: Lean error: maximum recursion depth","lemmas":[],"length":6,"verify_ms":T}'
}

@test "a statement without a theorem name fails (there is nothing for #print axioms)" {
	rec t1 '  trivial' 'example : True := by' >in.jsonl
	run lean -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"statement: expected '"'theorem NAME', 'lemma NAME' or 'def NAME'"'","lemmas":[],"length":1,"verify_ms":T}'
}

# ---- the REPL's failures: the attempt fails with the reason, the pool recovers

@test "a time-out fails the attempt, the REPL is restarted, the next attempt is checked" {
	rec t1 '  trivial repl:sleep=30' >in.jsonl
	rec t2 '  trivial' >>in.jsonl
	SECONDS=0
	run --separate-stderr lean -j 1 --timeout 1 -o out.jsonl in.jsonl
	assert_success
	((SECONDS < 10))
	run verdict t1
	assert_output '"ok":false,"error":"lean: timed out after 1 s","lemmas":[],"length":2,"verify_ms":T}'
	run verdict t2
	assert_output '"ok":true,"lemmas":[],"length":1,"verify_ms":T}'
	run headers
	assert_output 2
}

@test "a REPL that crashes fails the attempt, and the pool recovers" {
	rec t1 '  trivial repl:crash' >in.jsonl
	rec t2 '  trivial' >>in.jsonl
	run --separate-stderr lean -j 1 -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"lean: the REPL died (killed by signal 11)","lemmas":[],"length":2,"verify_ms":T}'
	run verdict t2
	assert_output '"ok":true,"lemmas":[],"length":1,"verify_ms":T}'
}

@test "a REPL that crashes half-way through a reply fails the attempt, and the pool recovers" {
	rec t1 '  trivial repl:crash-mid' >in.jsonl
	rec t2 '  trivial' >>in.jsonl
	run --separate-stderr lean -j 1 -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"lean: the REPL died (killed by signal 11)","lemmas":[],"length":2,"verify_ms":T}'
	run verdict t2
	assert_output '"ok":true,"lemmas":[],"length":1,"verify_ms":T}'
}

@test "a REPL that closes its output fails the attempt, and the pool recovers" {
	rec t1 '  trivial repl:exit' >in.jsonl
	rec t2 '  trivial' >>in.jsonl
	run --separate-stderr lean -j 1 -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"lean: the REPL died (exit status 0)","lemmas":[],"length":2,"verify_ms":T}'
	run verdict t2
	assert_output '"ok":true,"lemmas":[],"length":1,"verify_ms":T}'
}

@test "the memory limit fails the attempt, the process group is killed, the pool recovers" {
	rec t1 '  trivial repl:oom=400' >in.jsonl
	rec t2 '  trivial' >>in.jsonl
	SECONDS=0
	run --separate-stderr lean -j 1 --lean-mem 150 -o out.jsonl in.jsonl
	assert_success
	((SECONDS < 20))
	run verdict t1
	assert_output '"ok":false,"error":"lean: memory limit of 150 MB exceeded","lemmas":[],"length":2,"verify_ms":T}'
	run verdict t2
	assert_output '"ok":true,"lemmas":[],"length":1,"verify_ms":T}'
}

@test "a reply that is no JSON fails the attempt, and the pool recovers" {
	rec t1 '  trivial repl:garbage' >in.jsonl
	rec t2 '  trivial' >>in.jsonl
	run --separate-stderr lean -j 1 -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"lean: malformed reply from the REPL","lemmas":[],"length":2,"verify_ms":T}'
	run verdict t2
	assert_output '"ok":true,"lemmas":[],"length":1,"verify_ms":T}'
	run headers
	assert_output 2
}

@test "replies that come a few bytes at a time, after a line that is no JSON, are read whole" {
	rec t1 '  simp [Nat.add_comm] repl:trickle repl:noise' >in.jsonl
	run --separate-stderr lean -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":true,"lemmas":["Nat.add_comm"],"length":4,"verify_ms":T}'
}

@test "a time-out kills the REPL's whole process group (nothing is left behind)" {
	mkdir pids
	rec t1 '  trivial repl:sleep=60' >in.jsonl
	# the peer runs as a grandchild: /bin/sh -c waits for it
	run --separate-stderr env REPL_PIDS="$PWD/pids" stp-verify -q --backend lean \
		--lean-cmd "$PY $STP_ROOT/tests/peers/repl.py; exit \$?" --timeout 1 -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"lean: timed out after 1 s","lemmas":[],"length":2,"verify_ms":T}'
	ls pids | grep -q .
	for p in pids/*; do
		pid=${p#pids/}
		# gone, or a zombie waiting for a parent that does not reap
		if [[ -r /proc/$pid/stat ]]; then
			[[ $(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f1) == Z ]]
		fi
	done
}

# ---- headers, order, the cache

@test "the header is sent once per process and its environment reused" {
	for i in $(seq 1 20); do rec "t$i" '  trivial'; done >in.jsonl
	run lean -j 1 -o out.jsonl in.jsonl
	assert_success
	run headers
	assert_output 1
	run grep -c '"env":0,"allTactics":true' "$REPL_LOG"
	assert_output 20
}

@test "two headers: each sent once to a process, attempts run in their own header's environment" {
	for i in $(seq 1 10); do
		rec "a$i" '  trivial'
		rec "b$i" '  trivial' 'theorem b'"$i"' : True := by' 'import Mathlib\nopen Nat'
	done >in.jsonl
	run lean -j 1 -o out.jsonl in.jsonl
	assert_success
	run headers
	assert_output 2
	run grep -c '"ok":true' out.jsonl
	assert_output 20
}

@test "a header with an error fails its attempts with the reason; other headers are unaffected" {
	rec t1 '  trivial' 'theorem t1 : True := by' 'import Nonexistent repl:header-error' >in.jsonl
	rec t2 '  trivial' >>in.jsonl
	rec t3 '  trivial' 'theorem t3 : True := by' 'import Nonexistent repl:header-error' >>in.jsonl
	run lean -j 1 -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"lean: header: 1:19: error: unknown module prefix '"'Nonexistent'"'","lemmas":[],"length":1,"verify_ms":T}'
	run verdict t3
	assert_output '"ok":false,"error":"lean: header: 1:19: error: unknown module prefix '"'Nonexistent'"'","lemmas":[],"length":1,"verify_ms":T}'
	run verdict t2
	assert_output '"ok":true,"lemmas":[],"length":1,"verify_ms":T}'
	run headers
	assert_output 2
}

@test "verdicts come in input order, all of them, the same with 1 or 3 processes" {
	for i in $(seq 1 60); do
		case $((i % 5)) in
		0) rec "t$i" "  simp [Nat.le_of_lt] repl:sleep=0.0$((i % 7))" ;;
		1) rec "t$i" '  sorry' ;;
		2) rec "t$i" "  linarith repl:sleep=0.0$((i % 3))" ;;
		3) rec "t$i" '  exact h repl:axiom=h' ;;
		4) rec "t$i" '  trivial repl:trickle' ;;
		esac
	done >in.jsonl
	same_with_1_and_3 60 lean
	run grep -c '"ok":true' u3
	assert_output 36
}

@test "--cache: a second run answers from the cache byte for byte; a time-out is not cached" {
	rec t1 '  trivial' >in.jsonl
	rec t2 '  sorry' >>in.jsonl
	rec t3 '  trivial repl:sleep=30' >>in.jsonl
	run lean -j 1 --timeout 1 --cache cache.jsonl -o out1.jsonl in.jsonl
	assert_success
	rm -f "$REPL_LOG"
	run lean -j 1 --timeout 1 --cache cache.jsonl -o out2.jsonl in.jsonl
	assert_success
	head -2 out1.jsonl >a
	head -2 out2.jsonl >b
	cmp a b
	run verdict t3 out2.jsonl
	assert_output '"ok":false,"error":"lean: timed out after 1 s","lemmas":[],"length":2,"verify_ms":T}'
	# only the time-out was asked again
	run grep -c '"env":0,"allTactics":true' "$REPL_LOG"
	assert_output 1
	run wc -l <cache.jsonl
	assert_output 2
}

# ---- bad records

@test "a malformed record stops the run after the verdicts before it: exit 65, FILE:LINE and field" {
	rec t1 '  trivial' >in.jsonl
	printf '%s\n' '{"id":"t2","system":"lean","context":"","statement":"theorem t2 : True := by"}' >>in.jsonl
	rec t3 '  trivial' >>in.jsonl
	run --separate-stderr lean -o out.jsonl in.jsonl
	assert_failure 65
	assert_stderr "stp-verify: in.jsonl:2: field 'proof': missing"
	[[ ! -e out.jsonl ]]
	run --separate-stderr bash -c "stp-verify -q --backend lean --lean-cmd '$REPL' in.jsonl >out.jsonl"
	assert_failure 65
	run grep -c . out.jsonl
	assert_output 1
}

@test "-k skips a malformed record, checks the rest, and still exits 65" {
	rec t1 '  trivial' >in.jsonl
	printf '%s\n' '{"id":"t2","system":"metamath","statement":"|- ph","proof":"H1"}' >>in.jsonl
	rec t3 '  trivial' >>in.jsonl
	run --separate-stderr lean -k -o out.jsonl in.jsonl
	assert_failure 65
	assert_stderr "stp-verify: warning: in.jsonl:2: field 'system': 'metamath' is not checked by the lean backend (skipped)
stp-verify: 1 malformed record skipped"
	run grep -o '"id":"t[0-9]"' out.jsonl
	assert_output '"id":"t1"
"id":"t3"'
}

# ---- the pool's own cost

@test "3000 attempts through the pool, against a REPL that answers at once" {
	# the pool's cost per attempt is measured by bench/lean-pool, not here
	command -v cc >/dev/null || fail "cc is missing"
	cc -O2 -o repl-instant "$STP_ROOT/tests/peers/repl-instant.c"
	for i in $(seq 1 3000); do
		printf '{"id":"b%d","system":"lean","context":"import Mathlib","statement":"theorem b%d : True := by","proof":"  trivial"}\n' "$i" "$i"
	done >in.jsonl
	for j in 1 2; do
		run stp-verify -q --backend lean --lean-cmd "exec $PWD/repl-instant" -j "$j" -o out.jsonl in.jsonl
		assert_success
		run grep -c '"ok":true,"lemmas":\["True.intro"\]' out.jsonl
		assert_output 3000
		run sh -c "grep -o '\"id\":\"b[0-9]*\"' out.jsonl | cut -d'\"' -f4 | tr -d b | sort -n -c"
		assert_success
	done
}
