# test_helper.bash - shared setup for the bats tests in tests/
#
# Load it from a .bats file with:  load test_helper
# It loads bats-support and bats-assert, puts the repository's bin/ first on
# PATH (so that "stp-verify" is the one just built) and defines helpers.
# Tests may run from any directory: paths are built from $BATS_TEST_DIRNAME.

bats_require_minimum_version 1.5.0   # run --separate-stderr

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

# Tests run the same under make check as by hand: no make flags inherited
# (a make run by a test would otherwise say "Entering directory").
unset MAKEFLAGS MAKELEVEL MFLAGS

STP_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
PATH="$STP_ROOT/bin:$PATH"
export STP_ROOT PATH

# The tools under test; override with e.g. STP_VERIFY=/path/to/stand-in.
: "${STP_VERIFY:=stp-verify}"

# assert_stderr EXPECTED: the captured stderr of "run --separate-stderr" is
# exactly EXPECTED (bats-assert has no assertion for stderr).
assert_stderr() {
	if [[ "$stderr" != "$1" ]]; then
		batslib_print_kv_single_or_multi 8 'expected' "$1" 'actual' "$stderr" |
			batslib_decorate 'stderr differs' |
			fail
	fi
}

# assert_stderr_regexp REGEXP: the captured stderr matches the extended regexp.
assert_stderr_regexp() {
	if ! [[ "$stderr" =~ $1 ]]; then
		batslib_print_kv_single_or_multi 8 'regexp' "$1" 'stderr' "$stderr" |
			batslib_decorate 'stderr does not match' |
			fail
	fi
}

# same_with_1_and_3 N CMD...: "CMD -j 1" and "CMD -j 3" over in.jsonl
# (records t1 .. tN) give the same verdicts but for verify_ms, all N, in
# input order; the verdicts, verify_ms replaced by T, are left in u1 and u3
# (a pool's output depends on neither its size nor its timing).
same_with_1_and_3() {
	local n=$1 j
	shift
	for j in 1 3; do
		run "$@" -j "$j" -o "out$j.jsonl" in.jsonl
		assert_success
		sed -E 's/"verify_ms":[0-9.e+-]+/"verify_ms":T/' "out$j.jsonl" >"u$j"
	done
	cmp u1 u3
	run bash -c "sed 's/^{\"id\":\"\\([^\"]*\\)\".*/\\1/' u3 | tr '\n' ' '"
	assert_output "$(for i in $(seq 1 "$n"); do printf 't%d ' "$i"; done)"
}

# require_metamath: Debian's metamath is the independent cross-check. Without
# it a test skips, except in CI (CI set), where a missing cross-check fails.
require_metamath() {
	if ! command -v metamath >/dev/null 2>&1; then
		if [[ -n "${CI:-}" ]]; then
			fail "metamath is not installed (CI must install the Debian package 'metamath')"
		fi
		skip "metamath is not installed (apt-get install metamath)"
	fi
}

# mm_verdict FILE: what metamath.exe thinks of the database FILE (read
# relative to the current directory, as metamath.exe reads includes): prints
# "ok", or "error: " and the first error or warning. metamath.exe always exits
# 0, so its output is read: all white space (its line wrapping too) is
# collapsed to single spaces first, so that a wrapped "?Error" line cannot
# hide. Any "?Error", "?Warning", "Warning:" (an incomplete proof) or a source
# that was not read is a rejection; "ok" also needs the line saying that every
# proof was verified. MM_WIDTH sets metamath.exe's screen width (default 9999,
# which keeps most messages on one line).
mm_verdict() {
	local file=$1 out first

	out=$(metamath "set width ${MM_WIDTH:-9999}" "read \"$file\"" "verify proof *" exit \
		</dev/null 2>&1)
	out=$(printf '%s' "$out" | tr -s ' \t\r\n' '    ')
	first=$(printf '%s\n' "$out" |
		sed -e 's/\(?Error\|?Warning\|Warning:\|?Source was not read\|MM> \)/\n\1/g' |
		grep -m 1 -E '^(\?Error|\?Warning|Warning:|\?Source was not read)')
	if [[ -n "$first" ]]; then
		printf 'error: %s\n' "${first% }"
	elif [[ "$out" == *"All proofs in the database were verified"* ]]; then
		printf 'ok\n'
	else
		printf 'error: metamath did not verify the proofs: %s\n' "$out"
	fi
}

# scratch_tree DIR [NAME...]: a scratch tree whose bin/, data/, tools/,
# pipelines/ and configs/ (and each NAME: Makefile, say) are links to the
# repository's, so that make -f and the scripts work in it on the same
# relative paths as in the repository
scratch_tree() {
	local dir=$1 d
	shift
	mkdir -p "$dir"
	for d in bin data tools pipelines configs "$@"; do ln -s "$STP_ROOT/$d" "$dir/$d"; done
}

# remote_fixture DIR ANSWERS: a tiny mm-pc run for the scripted vLLM peer:
# DIR/stmts.jsonl (14 train statements after `id` in set.mm, so that the
# peer's "id" proofs of "( X -> X )" conjectures check in their seeds'
# contexts; 6 unproved; 2 test) and ANSWERS, their human proofs (the peer's
# --answers)
remote_fixture() {
	local d=$STP_ROOT/data/mm-pc
	{
		grep '"split":"train"' "$d/statements.jsonl" | sed -n '60,73p'
		grep '"split":"unproved"' "$d/statements.jsonl" | head -6
		grep '"split":"test"' "$d/statements.jsonl" | sed -n '20,21p'
	} >"$1/stmts.jsonl"
	python3 - "$1/stmts.jsonl" "$d/proofs.jsonl" >"$2" <<-'PY'
	import json, sys
	ids = {json.loads(l)["id"] for l in open(sys.argv[1])}
	for l in open(sys.argv[2]):
	    if json.loads(l)["id"] in ids:
	        sys.stdout.write(l)
	PY
}

# remote_config URL RELOAD TRAINER: on stdout, the configuration of that
# run with every sampling stage on the server URL (served names
# stp-{run}-{iter}, openai.reload RELOAD) and every training by
# train.external_cmd TRAINER: a tiny model, the seed threshold lowered so
# that iteration 2 has seeds
remote_config() {
	cat <<-EOF
	model: { width: 32, layers: 1, heads: 2, ctx: 256 }
	train:
	  batch: 16
	  steps: 40
	  warmup: 5
	  lr: 0.01
	  seed: 3
	  iter: { steps: 5, warmup: 1 }
	  backend: external
	  external_cmd: "$3"
	prove: { backend: openai, max_tokens: 48 }
	conjecture: { backend: openai, max_tokens: 48 }
	reward: { backend: openai }
	seed: { threshold: 0.05, lemma_cap: 1 }
	openai:
	  endpoints: ["$1"]
	  model: "stp-{run}-{iter}"
	  reload: "$2"
	  backoff: 0.02
	EOF
}
