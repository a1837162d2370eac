#!/usr/bin/env bats
#
# stp-verify.bats - attempts in, verdicts out (and the command line)
#
# Uses data/mm-pc (make data; make check builds it first). Exact stdout,
# stderr and exit status; golden files in tests/fixtures/verify/ are
# rewritten only with UPDATE=1.

load test_helper

setup() {
	F="$BATS_TEST_DIRNAME/fixtures/verify"
	DB="$STP_ROOT/data/mm-pc/pc.mm"
	[[ -r "$DB" ]] || fail "$DB missing: run make data"
	cd "$BATS_TEST_TMPDIR" || return 1
	cp "$F"/*.jsonl "$F"/*.yaml .
}

# golden NAME: $output must equal tests/fixtures/verify/NAME (UPDATE=1 rewrites it)
golden() {
	if [[ -n "${UPDATE:-}" ]]; then
		printf '%s\n' "$output" >"$F/$1"
	fi
	assert_output "$(cat "$F/$1")"
}

# ---- the command line (the checks every tool gets)

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr stp-verify --help
	assert_success
	assert_line --index 0 --partial "usage: stp-verify"
	assert_stderr ""
}

@test "a bogus flag exits 64 with the usage on stderr" {
	run --separate-stderr stp-verify --bogus
	assert_failure 64
	assert_output ""
	assert_stderr_regexp "unrecognized option '--bogus'"
}

@test "a bad -j exits 64" {
	run --separate-stderr stp-verify -j zero id.jsonl
	assert_failure 64
	assert_stderr "stp-verify: -j: expected a whole number from 1 to 1024, got 'zero'"
}

@test "a full disk is not success: >/dev/full exits 74" {
	run --separate-stderr bash -c 'stp-verify id.jsonl >/dev/full'
	assert_failure 74
	assert_stderr_regexp "write error"
}

@test "input files that cannot be opened exit 66" {
	run --separate-stderr stp-verify -q nosuch.jsonl
	assert_failure 66
	assert_stderr_regexp "nosuch.jsonl"
}

# ---- verdicts

@test "verdicts: steps and rpn proofs, right and wrong, unknown fields kept byte for byte" {
	run --separate-stderr stp-verify -q id.jsonl
	assert_success
	golden id.verdicts
	assert_stderr ""
}

@test "a wrong proof is data: exit 0, ok false, the reason names the token" {
	run --separate-stderr stp-verify -q id.jsonl
	assert_success
	assert_line --index 1 --partial '"ok":false,"error":"token 7: the conclusion of '"'"'ax-1'"'"''
}

@test "the same verdicts from stdin, with 1 or 2 jobs, in input order" {
	run --separate-stderr bash -c 'stp-verify -j 1 <id.jsonl'
	assert_success
	golden id.verdicts
	run --separate-stderr stp-verify -q -j 2 id.jsonl
	assert_success
	golden id.verdicts
}

@test "every human proof of data/mm-pc/proofs.jsonl verifies" {
	run --separate-stderr stp-verify -q "$STP_ROOT/data/mm-pc/proofs.jsonl"
	assert_success
	[[ $(grep -c '"ok":true' <<<"$output") == 1149 ]]
	[[ $(grep -c . <<<"$output") == 1149 ]]
}

@test "many records: -j 2 writes exactly what -j 1 writes" {
	for i in $(seq 20); do cat "$STP_ROOT/data/mm-pc/proofs.jsonl" id.jsonl; done >many.jsonl
	stp-verify -q -j 1 many.jsonl >one.out
	stp-verify -q -j 2 many.jsonl >two.out
	cmp one.out two.out
	[[ $(wc -l <one.out) == $(wc -l <many.jsonl) ]]
}

@test "a verdict fed back is verified again: its fields replaced, not repeated" {
	stp-verify id.jsonl >once.jsonl
	run --separate-stderr stp-verify -q once.jsonl
	assert_success
	golden id.verdicts
}

@test "a statement with an undeclared symbol is a verdict, not an error" {
	run --separate-stderr stp-verify -q id.jsonl
	assert_line --index 6 --partial '"ok":false,"error":"statement: math symbol '"'"'undeclared'"'"' is not declared"'
}

@test "--max-tokens: a longer proof is not ok, with the limit in the reason" {
	run --separate-stderr stp-verify -q --max-tokens 5 id.jsonl
	assert_success
	assert_line --index 0 --partial '"ok":false,"error":"proof has 8 tokens, more than the limit of 5"'
}

@test "--max-steps: an expansion longer than the limit is not ok" {
	run --separate-stderr stp-verify -q --max-steps 10 id.jsonl
	assert_success
	assert_line --index 0 --partial '"ok":false'
}

@test "-o FILE writes the verdicts atomically" {
	run --separate-stderr stp-verify -q -o out.jsonl id.jsonl
	assert_success
	assert_output ""
	run cat out.jsonl
	golden id.verdicts
	[[ -z $(ls -A | grep '\.tmp\.') ]]
}

# ---- the verdict cache

@test "--cache: a repeated attempt comes from the cache, across runs" {
	stp-verify --cache c.jsonl id.jsonl >first.out
	[[ $(wc -l <c.jsonl) == 8 ]]
	# doctor one cached verdict: the second run must show it, so it was not verified again
	sed -i 's/"length":8,/"length":999,/' c.jsonl
	run --separate-stderr stp-verify -q --cache c.jsonl id.jsonl
	assert_success
	assert_line --index 0 --partial '"length":999'
	# entries already there are not written again
	[[ $(wc -l <c.jsonl) == 8 ]]
}

@test "--cache: cached and fresh verdicts are byte-identical" {
	stp-verify --cache c.jsonl id.jsonl >first.out
	stp-verify --cache c.jsonl id.jsonl >second.out
	cmp first.out second.out
	run cat second.out
	golden id.verdicts
}

@test "--cache: a verdict under other limits is not served from the cache" {
	# under --max-tokens 2 the proof of id (8 tokens) is rejected and cached
	run --separate-stderr stp-verify -q --max-tokens 2 --cache c.jsonl id.jsonl
	assert_line --index 0 --partial '"ok":false,"error":"proof has 8 tokens, more than the limit of 2"'
	# a run with the normal limits verifies it again: correct
	run --separate-stderr stp-verify -q --cache c.jsonl id.jsonl
	assert_line --index 0 --partial '"ok":true'
	# and the same limits again come from the cache (no new entries)
	n=$(wc -l <c.jsonl)
	stp-verify --max-tokens 2 --cache c.jsonl id.jsonl >/dev/null
	[[ $(wc -l <c.jsonl) == "$n" ]]
}

@test "--cache: a corrupt cache file is an error naming the line" {
	printf '{"key":"xyz","v":{}}\n' >c.jsonl
	run --separate-stderr stp-verify -q --cache c.jsonl id.jsonl
	assert_failure 65
	assert_stderr "stp-verify: c.jsonl:1: field 'key': expected 32 hex digits"
}

# ---- bad input: a clear message with its location, the exit code of docs/exit-status.md

@test "malformed JSON: exit 65 naming file:line:column; the records before it are written" {
	run --separate-stderr stp-verify -q malformed.jsonl
	assert_failure 65
	assert_stderr "stp-verify: malformed.jsonl:2: invalid JSON: expected ',' or '}' in an object (column 32)"
	assert_line --index 0 --partial '"id":"a"'
	[[ ${#lines[@]} == 1 ]]
}

@test "-k skips a malformed record, goes on, and still exits 65" {
	run --separate-stderr stp-verify -q -k malformed.jsonl
	assert_failure 65
	[[ ${#lines[@]} == 2 ]]
	assert_line --index 1 --partial '"id":"c"'
	assert_stderr "stp-verify: warning: malformed.jsonl:2: invalid JSON: expected ',' or '}' in an object (column 32) (skipped)
stp-verify: 1 malformed record skipped"
}

@test "a missing field: exit 65 naming the field" {
	run --separate-stderr stp-verify -q missing.jsonl
	assert_failure 65
	assert_stderr "stp-verify: missing.jsonl:1: field 'proof': missing"
}

@test "a mistyped field: exit 65 naming the field and the type" {
	run --separate-stderr stp-verify -q mistyped.jsonl
	assert_failure 65
	assert_stderr "stp-verify: mistyped.jsonl:1: field 'statement': expected a string"
}

@test "a bad format, a foreign system, an unknown context: exit 65" {
	printf '%s\n' '{"statement":"|- ph","proof":"x","format":"lean"}' >f.jsonl
	run --separate-stderr stp-verify -q f.jsonl
	assert_failure 65
	assert_stderr "stp-verify: f.jsonl:1: field 'format': expected \"steps\" or \"rpn\""
	printf '%s\n' '{"system":"lean","statement":"theorem x : True","proof":"trivial"}' >s.jsonl
	run --separate-stderr stp-verify -q s.jsonl
	assert_failure 65
	assert_stderr "stp-verify: s.jsonl:1: field 'system': 'lean' is not checked by the metamath backend"
	run --separate-stderr stp-verify -q badcontext.jsonl
	assert_failure 65
	assert_stderr "stp-verify: badcontext.jsonl:1: field 'context': 'nosuchlabel' is not an assertion of $DB"
}

@test "an empty input: no output, a warning, exit 0" {
	: >empty.jsonl
	run --separate-stderr stp-verify -q empty.jsonl
	assert_success
	assert_output ""
	assert_stderr "stp-verify: warning: no records in the input"
}

@test "a 10 MB line: exit 65 naming file:line, the lines before it written" {
	head -1 id.jsonl >big.jsonl
	{ printf '{"statement":"|- ph","proof":"'; head -c 10485760 /dev/zero | tr '\0' 'a'; printf '"}\n'; } >>big.jsonl
	head -1 id.jsonl >>big.jsonl
	run --separate-stderr stp-verify -q big.jsonl
	assert_failure 65
	assert_stderr_regexp "^stp-verify: big.jsonl:2: line longer than [0-9]+ bytes"
	[[ ${#lines[@]} == 1 ]]
	run --separate-stderr stp-verify -q -k big.jsonl
	assert_failure 65
	[[ ${#lines[@]} == 2 ]]
}

@test "gzip input reads like plain input" {
	gzip -c id.jsonl >id.jsonl.gz
	run --separate-stderr stp-verify -q id.jsonl.gz
	assert_success
	golden id.verdicts
}

@test "a truncated gzip shard: exit 65 naming the file" {
	for i in $(seq 50); do cat id.jsonl; done | gzip -c >t.jsonl.gz
	head -c $(( $(stat -c %s t.jsonl.gz) - 20 )) t.jsonl.gz >cut.jsonl.gz
	run --separate-stderr stp-verify -q cut.jsonl.gz
	assert_failure 65
	assert_stderr_regexp "^stp-verify: cut.jsonl.gz(:[0-9]+)?: (truncated|corrupt) gzip"
}

@test "a corrupt gzip shard: exit 65 naming the file" {
	for i in $(seq 50); do cat id.jsonl; done | gzip -c >t.jsonl.gz
	size=$(stat -c %s t.jsonl.gz)
	printf '\xff\xff\xff\xff' | dd of=t.jsonl.gz bs=1 seek=$((size / 2)) conv=notrunc status=none
	run --separate-stderr stp-verify -q t.jsonl.gz
	assert_failure 65
	assert_stderr_regexp "t.jsonl.gz(:[0-9]+)?: (corrupt|truncated) gzip"
}

# ---- configuration

@test "bad YAML: exit 78 naming file:line:column" {
	run --separate-stderr stp-verify -q -c bad-syntax.yaml id.jsonl
	assert_failure 78
	assert_stderr "stp-verify: bad-syntax.yaml:4:1: did not find expected ',' or ']' (while parsing a flow sequence at line 3, column 14)"
}

@test "a mistyped setting: exit 78 naming file:line:column and the key" {
	run --separate-stderr stp-verify -q -c bad-type.yaml id.jsonl
	assert_failure 78
	assert_stderr "stp-verify: bad-type.yaml:2:9: 'verify.jobs': expected an integer from 1 to 1024"
}

@test "a misspelt setting: exit 78" {
	run --separate-stderr stp-verify -q -c bad-key.yaml id.jsonl
	assert_failure 78
	assert_stderr_regexp "^stp-verify: bad-key.yaml:2:3: unknown key 'verify.jbos'"
}

@test "a setting from the file, and a flag overriding it" {
	printf 'verify:\n  max_tokens: 5\n' >c.yaml
	run --separate-stderr stp-verify -q -c c.yaml id.jsonl
	assert_line --index 0 --partial '"error":"proof has 8 tokens, more than the limit of 5"'
	run --separate-stderr stp-verify -q -c c.yaml --max-tokens 100 id.jsonl
	golden id.verdicts
}

@test "a missing configuration file exits 66" {
	run --separate-stderr stp-verify -q -c nosuch.yaml id.jsonl
	assert_failure 66
}

# ---- the database

@test "--db: a missing database exits 66, a malformed one 65" {
	run --separate-stderr stp-verify -q --db nosuch.mm id.jsonl
	assert_failure 66
	assert_stderr "stp-verify: cannot open 'nosuch.mm': No such file or directory"
	printf '$c a $.\n$c a $.\n' >dup.mm
	run --separate-stderr stp-verify -q --db dup.mm id.jsonl
	assert_failure 65
	assert_stderr "stp-verify: dup.mm:2: math symbol 'a' is declared twice"
}

@test "--check-db: every proof of data/mm-pc/pc.mm" {
	run --separate-stderr stp-verify -q --check-db "$DB"
	assert_success
	assert_output --regexp "^$DB: 1486 proofs, 1486 correct, 0 failed \("
}

@test "a statement of a syntax typecode is not a theorem, even with a correct syntax proof" {
	printf '%s\n' '{"id":"w","statement":"wff ( ph -> ps )","proof":"wph wps wi","format":"rpn"}' >w.jsonl
	run --separate-stderr stp-verify -q --db "$DB" w.jsonl
	assert_success
	assert_output '{"id":"w","statement":"wff ( ph -> ps )","proof":"wph wps wi","format":"rpn","ok":false,"error":"statement: '"'"'wff'"'"' is a syntax typecode: only provable statements are theorems","lemmas":[],"length":3,"verify_ms":0.0003}'
	# the same proof of a |- statement's syntax is not a proof either
	printf '%s\n' '{"id":"t","statement":"|- ( ph -> ps )","proof":"wph wps wi","format":"rpn"}' >t.jsonl
	run --separate-stderr stp-verify --db "$DB" t.jsonl
	assert_output --partial '"ok":false'
}

@test "--cache that is not a regular file is refused (64), never replaced" {
	run --separate-stderr stp-verify --cache /dev/full id.jsonl
	assert_failure 64
	assert_stderr "stp-verify: cache '/dev/full': not a regular file"
	[[ -c /dev/full ]]
	mkfifo c.fifo
	run --separate-stderr stp-verify --cache c.fifo id.jsonl
	assert_failure 64
	[[ -p c.fifo ]]
}

@test "SIGKILL leaves a temporary; the next run of the stage removes it" {
	cp id.jsonl big.jsonl
	for i in $(seq 15); do cat big.jsonl big.jsonl >b2.jsonl && mv b2.jsonl big.jsonl; done
	stp-verify -q -o out.jsonl big.jsonl &
	pid=$!
	for t in $(seq 400); do
		compgen -G ".out.jsonl.tmp.$pid.*" >/dev/null && break
		sleep 0.01
	done
	kill -KILL "$pid"
	wait "$pid" || true
	compgen -G ".out.jsonl.tmp.$pid.*" >/dev/null || skip "the run finished before the kill"
	# a live process's temporary is never touched
	touch ".out.jsonl.tmp.$$.7"
	run --separate-stderr stp-verify -q -o out.jsonl id.jsonl
	assert_success
	run compgen -G ".out.jsonl.tmp.$pid.*"
	assert_failure
	[[ -e ".out.jsonl.tmp.$$.7" ]]
}
