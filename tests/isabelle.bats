#!/usr/bin/env bats
#
# isabelle.bats - stp-verify --backend isabelle against the scripted server
# (tests/peers/isabelle_server.py)
#
# Isabelle is not installed here (Debian has no package): the peer speaks
# the server's protocol as the Isabelle system manual describes it (short
# and length-prefixed messages, the password, OK/ERROR, tasks with
# NOTE/FINISHED/FAILED, cancel) with replies in the shapes of its examples,
# reads the theory files it is given, and fails on demand (markers in the
# theory text: see the peer). verify_ms is a measured time, so outputs are
# compared with it replaced by T.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	PY=${PYTHON:-/usr/bin/python3}
	[[ -x $PY ]] || PY=$(command -v python3) ||
		fail "python3 is missing (CI installs the Debian package python3)"
	LOG=$BATS_TEST_TMPDIR/server.log
	start_server
}

teardown() {
	if [[ -n "${SERVER_PID:-}" ]]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
}

# start_server [FLAG...]: the peer in the background, its address in ADDR
start_server() {
	"$PY" "$STP_ROOT/tests/peers/isabelle_server.py" --password secret --log "$LOG" "$@" \
		>server.out 2>server.err 3>&- &
	SERVER_PID=$!
	for _ in $(seq 1 100); do
		grep -q '^server ' server.out 2>/dev/null && break
		sleep 0.05
	done
	ADDR=$(sed -n 's/^server "test" = \([0-9.]*:[0-9]*\) (password "secret")$/\1/p' server.out)
	[[ -n "$ADDR" ]] || fail "the scripted server did not start: $(cat server.err)"
}

# rec ID PROOF [STATEMENT [CONTEXT]]: an attempt record (JSON string contents)
rec() {
	printf '{"id":"%s","system":"isabelle","context":"%s","statement":"%s","proof":"%s"}\n' \
		"$1" "${4:-Main}" "${3:-theorem $1: \\\"x = x\\\"}" "$2"
}

# isa ARG...: stp-verify with the scripted server, quiet
isa() {
	stp-verify -q --backend isabelle --isabelle-address "$ADDR" --isabelle-password secret "$@"
}

# verdict ID [FILE]: the verdict fields of record ID (default out.jsonl), untimed
verdict() {
	sed -E 's/"verify_ms":[0-9.e+-]+/"verify_ms":T/' "${2:-out.jsonl}" | grep "\"id\":\"$1\"" |
		sed 's/.*"proof":"[^"]*",//'
}

# fails_then_ok PROOF VERDICT [FLAG...]: t1 with PROOF gets VERDICT (its
# fields after the proof), and t2 after it, a correct proof, is checked: the
# pool recovers; with -j 1 and FLAGs, in less than 15 seconds
fails_then_ok() {
	local proof=$1 want=$2
	shift 2
	rec t1 "$proof" >in.jsonl
	rec t2 '  by simp' >>in.jsonl
	SECONDS=0
	run --separate-stderr isa -j 1 "$@" -o out.jsonl in.jsonl
	assert_success
	((SECONDS < 15))
	run verdict t1
	assert_output "$want"
	run verdict t2
	assert_output '"ok":true,"lemmas":[],"length":2,"verify_ms":T}'
}

# logged WORD: how many commands (or events) the server logged that start with WORD
logged() {
	if [[ -e $LOG ]]; then grep -c "^$1" "$LOG" || true; else echo 0; fi
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- the command line and the connection

@test "--backend isabelle without an address exits 64 and says how to give one" {
	rec t1 '  by simp' >in.jsonl
	run --separate-stderr env -u STP_ISABELLE_ADDRESS stp-verify --backend isabelle in.jsonl
	assert_failure 64
	assert_stderr "stp-verify: --backend isabelle needs the server's address: --isabelle-address HOST:PORT (or verify.isabelle_address, or \$STP_ISABELLE_ADDRESS)"
}

@test "an unreachable server exits 69 naming the address it tried" {
	rec t1 '  by simp' >in.jsonl
	port=$(free_port)
	run --separate-stderr stp-verify -q --backend isabelle --isabelle-address "127.0.0.1:$port" \
		--isabelle-password secret -o out.jsonl in.jsonl
	assert_failure 69
	assert_stderr "stp-verify: cannot connect to the Isabelle server at 127.0.0.1:$port: Connection refused"
	[[ ! -e out.jsonl ]]
}

@test "a wrong password exits 69: the server closes the connection" {
	rec t1 '  by simp' >in.jsonl
	run --separate-stderr stp-verify -q --backend isabelle --isabelle-address "$ADDR" \
		--isabelle-password wrong in.jsonl
	assert_failure 69
	assert_stderr "stp-verify: the Isabelle server at $ADDR closed the connection after the password (a wrong password?)"
	# tried twice: a server that has just died may also close a connection
	run logged "password refused"
	assert_output 2
}

@test "the address and password may come from the environment and the configuration" {
	rec t1 '  by simp' >in.jsonl
	run --separate-stderr env STP_ISABELLE_ADDRESS="$ADDR" STP_ISABELLE_PASSWORD=secret \
		stp-verify -q --backend isabelle -o out.jsonl in.jsonl
	assert_success
	printf 'verify:\n  backend: isabelle\n  isabelle_address: "%s"\n  isabelle_password: secret\n  isabelle_session: HOL-Library\n' "$ADDR" >c.yaml
	run --separate-stderr stp-verify -q -c c.yaml -o out2.jsonl in.jsonl
	assert_success
	run grep -c '^session_start {"session":"HOL-Library"}' "$LOG"
	assert_output 1
}

@test "a session that cannot start exits 69 with the server's message" {
	rec t1 '  by simp' >in.jsonl
	run --separate-stderr isa --isabelle-session HOL-Nope in.jsonl
	assert_failure 69
	assert_stderr "stp-verify: the Isabelle server at $ADDR: session_start 'HOL-Nope' failed: Undefined session(s): \"HOL-Nope\""
}

@test "a server whose tmp_dir is not on this machine: exit 73 naming the directory" {
	teardown
	start_server --remote
	rec t1 '  by simp' >in.jsonl
	run --separate-stderr isa -o out.jsonl in.jsonl
	assert_failure 73
	assert_stderr_regexp "^stp-verify: cannot create '/nonexistent/isabelle-server-[-0-9a-f]*/stp-[0-9]*-[0-9]*-1' in the session's tmp_dir \(the Isabelle server must share this machine's file system\): No such file or directory$"
	[[ ! -e out.jsonl ]]
}

@test "a record of another system is malformed: exit 65 naming FILE:LINE" {
	printf '%s\n' '{"id":"t1","system":"lean","statement":"theorem t1 : True := by","proof":"  trivial"}' >in.jsonl
	run --separate-stderr isa -o out.jsonl in.jsonl
	assert_failure 65
	assert_stderr "stp-verify: in.jsonl:1: field 'system': 'lean' is not checked by the isabelle backend"
}

# ---- verdicts

@test "a correct proof: ok, the record's fields kept, the theory file as the server read it" {
	printf '%s\n' '{"id":"t1","system":"isabelle","context":"imports Complex_Main \"HOL-Library.Sum_of_Squares\"","statement":"theorem t1: \"(1::nat) + 1 = 2\"","proof":"  by simp","x":[1,2.50]}' >in.jsonl
	run --separate-stderr isa -o out.jsonl in.jsonl
	assert_success
	assert_stderr ""
	run verdict t1
	assert_output '"x":[1,2.50],"ok":true,"lemmas":[],"length":2,"verify_ms":T}'
	run sed -n 's/^file \(Attempt_[0-9a-f]*\).thy: //p' "$LOG"
	assert_output --regexp '^"theory Attempt_[0-9a-f]{16} imports Complex_Main \\"HOL-Library.Sum_of_Squares\\" begin\\ntheorem t1: \\"\(1::nat\) \+ 1 = 2\\"\\n  by simp\\nend\\n"$'
}

@test "a wrong proof: the prover's error, its line counted from the statement" {
	rec t1 '  apply simp\n  by auto isa:error=Failed to finish proof: goal (1 subgoal): 1. False' >in.jsonl
	run isa -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"3: error: Failed to finish proof: goal (1 subgoal): 1. False","lemmas":[],"length":13,"verify_ms":T}'
}

@test "a warning does not fail a proof" {
	rec t1 '  by simp isa:warn=Legacy feature' >in.jsonl
	run isa -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":true,"lemmas":[],"length":4,"verify_ms":T}'
}

@test "sorry, oops, axiomatization, quick_and_dirty and ML are refused before the server sees them" {
	rec s1 '  sorry' >in.jsonl
	rec s2 '  apply simp\n  oops' >>in.jsonl
	rec s3 '  by simp' 'axiomatization where ax: \"False\"\ntheorem s3: \"False\"' >>in.jsonl
	rec s4 '  using [[quick_and_dirty]] by simp' >>in.jsonl
	rec s5 '  by simp\nML \\<open>Skip_Proof.make_thm\\<close>' >>in.jsonl
	rec s8 '  by (tactic \\<open>Skip_Proof.cheat_tac @{context} 1\\<close>)' >>in.jsonl
	rec s6 '  \\<proof>' >>in.jsonl
	rec s7 '  by (simp add: @{ML \\\"1\\\"})' >>in.jsonl
	run isa -o out.jsonl in.jsonl
	assert_success
	run verdict s1
	assert_output '"ok":false,"error":"proof: line 1: '"'sorry'"' is not allowed","lemmas":[],"length":1,"verify_ms":T}'
	run verdict s2
	assert_output --partial '"error":"proof: line 2: '"'oops'"' is not allowed"'
	run verdict s3
	assert_output --partial '"error":"statement: line 1: '"'axiomatization'"' is not allowed"'
	run verdict s4
	assert_output --partial '"error":"proof: line 1: '"'quick_and_dirty'"' is not allowed"'
	run verdict s5
	assert_output --partial '"error":"proof: line 2: '"'ML'"' is not allowed"'
	run verdict s6
	assert_output --partial '"error":"proof: line 1: '"'\\\\<proof>'"' is not allowed"'
	run verdict s7
	assert_output --partial '"error":"proof: line 1: '"'@{ML'"' is not allowed"'
	run verdict s8
	assert_output --partial '"error":"proof: line 1: '"'tactic'"' is not allowed"'
	# the scripted server, like the real one, would have accepted them
	run logged use_theories
	assert_output 0
}

@test "the words in comments, strings and cartouches are no use of them" {
	rec t1 '  (* no sorry (* nested oops *) here *)\n  by (simp add: foo_def) \\<comment> \\<open>quick_and_dirty \\<open>ML\\<close>\\<close>' \
		'theorem t1: \"sorry = oops\"' >in.jsonl
	rec t2 '  using sorry_lemma Foo.oops by simp' >>in.jsonl
	run isa -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output --partial '"ok":true'
	run verdict t2
	assert_output --partial '"ok":true'
}

@test "an unterminated comment, and a context that is not theory names, are refused" {
	rec t1 '  by simp (* the rest of the theory' >in.jsonl
	rec t2 '  by simp' 'theorem t2: \"x = x\"' 'Main begin axiomatization where a: \"False\"' >>in.jsonl
	run isa -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"proof: line 1: an unterminated comment","lemmas":[],"length":8,"verify_ms":T}'
	run verdict t2
	assert_output --partial '"error":"context: expected the names of theories to import"'
	run logged use_theories
	assert_output 0
}

@test "a command cancelled by an interrupt fails the attempt, and is not cached" {
	rec t1 '  by simp isa:canceled' >in.jsonl
	run isa --cache cache.jsonl -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":false,"error":"isabelle: a command was cancelled (an interrupt)","lemmas":[],"length":3,"verify_ms":T}'
	[[ ! -s cache.jsonl ]]
}

# ---- time-outs, crashes, long messages

@test "a time-out at the server's own limit: the attempt fails, is purged, the session goes on" {
	fails_then_ok '  by auto isa:sleep=30' \
		'"ok":false,"error":"isabelle: timed out after 1 s","lemmas":[],"length":3,"verify_ms":T}' --timeout 1
	run grep -c '"check_delay":0.5,"check_limit":2,"watchdog_timeout":1' "$LOG"
	assert_output 2
	run logged purge_theories
	assert_output 2
	run logged session_start
	assert_output 1
}

@test "a server that does not answer by the limit: the task is cancelled, the session goes on" {
	fails_then_ok '  by auto isa:slow=30' \
		'"ok":false,"error":"isabelle: timed out after 1 s","lemmas":[],"length":3,"verify_ms":T}' --timeout 1
	run logged cancel
	assert_output 1
	run logged session_start
	assert_output 1
}

@test "a task that ignores the cancel: a new connection and a new session, the old one stopped" {
	fails_then_ok '  by auto isa:hang' \
		'"ok":false,"error":"isabelle: timed out after 1 s","lemmas":[],"length":3,"verify_ms":T}' --timeout 1
	run logged session_start
	assert_output 2
	run logged "session .* stopped"
	assert_output 2
}

@test "a server that closes the connection fails the attempt; the next one gets a new session" {
	fails_then_ok '  by simp isa:close' \
		'"ok":false,"error":"isabelle: the server closed the connection","lemmas":[],"length":3,"verify_ms":T}'
	run logged session_start
	assert_output 2
	run logged "session .* stopped"
	assert_output 2
}

@test "a server that dies: exit 69 naming the address, no output file" {
	rec t1 '  by simp isa:die' >in.jsonl
	rec t2 '  by simp' >>in.jsonl
	run --separate-stderr isa -j 1 -o out.jsonl in.jsonl
	assert_failure 69
	assert_stderr "stp-verify: cannot connect to the Isabelle server at $ADDR: Connection refused"
	[[ ! -e out.jsonl ]]
}

@test "a reply that is no JSON fails the attempt, and the next one is checked" {
	fails_then_ok '  by simp isa:garbage' \
		'"ok":false,"error":"isabelle: malformed message from the server: '"'FINISHED {\\\"ok\\\": tru'"'","lemmas":[],"length":3,"verify_ms":T}'
}

@test "a long message: a 200 KB reply, length-prefixed, is read whole; requests go long too" {
	rec t1 '  by simp isa:long=200' >in.jsonl
	run --separate-stderr isa -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output '"ok":true,"lemmas":[],"length":3,"verify_ms":T}'
	# use_theories is over 100 bytes: the client framed it with its length
	run bash -c "grep -B1 '^use_theories' '$LOG' | grep -c '^long [0-9]*$'"
	assert_output 1
}

@test "replies a few bytes at a time, with CR-LF line ends, are read whole" {
	rec t1 '  by simp isa:trickle isa:crlf isa:long=2' >in.jsonl
	rec t2 '  by simp isa:trickle isa:error=Undefined fact: foo' >>in.jsonl
	run --separate-stderr isa -o out.jsonl in.jsonl
	assert_success
	run verdict t1
	assert_output --partial '"ok":true'
	run verdict t2
	assert_output --partial '"error":"2: error: Undefined fact: foo"'
}

# ---- the pool, order, the cache

@test "verdicts come in input order, the same with 1 or 3 sessions; each session stopped at the end" {
	for i in $(seq 1 30); do
		case $((i % 5)) in
		0) rec "t$i" "  by simp isa:sleep=0.0$((i % 7))" ;;
		1) rec "t$i" '  sorry' ;;
		2) rec "t$i" "  by auto isa:error=Failed to apply proof method" ;;
		3) rec "t$i" '  by simp isa:trickle' ;;
		4) rec "t$i" '  by (metis foo) isa:warn=Legacy' ;;
		esac
	done >in.jsonl
	same_with_1_and_3 30 isa
	run grep -c '"ok":true' u3
	assert_output 18
	run logged session_start
	assert_output 4
	run logged "session .* stopped"
	assert_output 4
	# every theory checked was purged
	[[ $(logged use_theories) == $(logged purge_theories) ]]
}

@test "--cache: a second run answers from the cache byte for byte; a time-out is not cached" {
	rec t1 '  by simp' >in.jsonl
	rec t2 '  by auto isa:error=Failed' >>in.jsonl
	rec t3 '  by auto isa:sleep=30' >>in.jsonl
	run isa -j 1 --timeout 1 --cache cache.jsonl -o out1.jsonl in.jsonl
	assert_success
	: >"$LOG"
	run isa -j 1 --timeout 1 --cache cache.jsonl -o out2.jsonl in.jsonl
	assert_success
	head -2 out1.jsonl >a
	head -2 out2.jsonl >b
	cmp a b
	run verdict t3 out2.jsonl
	assert_output --partial '"error":"isabelle: timed out after 1 s"'
	run logged use_theories
	assert_output 1
	run wc -l <cache.jsonl
	assert_output 2
}
