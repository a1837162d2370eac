#!/usr/bin/env bats
#
# kernel.bats - the trusted Metamath kernel (lib/mm/) on small databases
#
# Every fixture in tests/fixtures/mm/ is checked twice: by our kernel, through
# "stp-verify --check-db FILE", and by Debian's metamath.exe, the independent
# cross-check. The two must agree: both accept or both reject (a database we
# accept and metamath.exe rejects is a kernel bug). For ours, the exit status,
# stdout and stderr are asserted exactly: which file and line, which theorem,
# which rule; for metamath.exe, the gist of its first error. good-*.mm must
# pass, bad-*.mm must fail; the rule broken is in the name and in the
# fixture's first comment.
#
#   bats tests/kernel.bats
#   STP_VERIFY=/path/to/stand-in bats tests/kernel.bats
#
# Each test runs in its own temporary directory holding copies of the
# fixtures, so that messages name the file as given and includes resolve the
# same way for both checkers (metamath.exe reads an include relative to the
# working directory). Without metamath.exe a test checks our kernel, then
# skips (or fails, under CI).

load test_helper

setup() {
	FIXTURES="$BATS_TEST_DIRNAME/fixtures/mm"
	cd "$BATS_TEST_TMPDIR" || return 1
	cp "$FIXTURES"/*.mm .
}

# check_db FILE: run our checker on FILE: $status, $output (stdout), $stderr.
# Also ask metamath.exe, if installed: $mm is its mm_verdict, or "missing".
check_db() {
	mm=missing
	if command -v metamath >/dev/null 2>&1; then
		mm=$(mm_verdict "$1")
	fi
	run --separate-stderr "$STP_VERIFY" --check-db "$1"
}

# assert_mm_agrees: our kernel and metamath.exe both accept or both reject.
# Checked before anything else, so that a disagreement is reported as one.
assert_mm_agrees() {
	local ours=accepts

	[[ "$mm" == missing ]] && return 0
	((status == 0)) || ours=rejects
	if [[ "$ours" == accepts && "$mm" != ok ]] || [[ "$ours" == rejects && "$mm" == ok ]]; then
		batslib_print_kv_single_or_multi 10 \
			'our kernel' "$ours (exit $status)" 'stderr' "$stderr" \
			'metamath' "$mm" |
			batslib_decorate 'our kernel and metamath.exe disagree' |
			fail
	fi
}

# assert_mm_accepts: metamath.exe finds no error (skip or fail without it).
assert_mm_accepts() {
	require_metamath
	assert_equal "$mm" ok
}

# assert_mm_rejects WHY: metamath.exe's first error says WHY.
assert_mm_rejects() {
	require_metamath
	case $mm in
	"error: "*"$1"*) ;;
	*) fail "metamath.exe does not reject with '$1': $mm" ;;
	esac
}

# assert_summary FILE N CORRECT FAILED: stdout is the one summary line
# "FILE: N proofs, CORRECT correct, FAILED failed (timings...)".
assert_summary() {
	local file=${1//./\\.}
	assert_output --regexp "^$file: $2 proofs, $3 correct, $4 failed( \(.*\))?\$"
}

@test "every fixture in tests/fixtures/mm has a test here" {
	local f missing=

	for f in "$FIXTURES"/*.mm; do
		f=${f##*/}
		grep -q -x -F "	check_db $f" "$BATS_TEST_FILENAME" || missing+=" $f"
	done
	if [[ -n "$missing" ]]; then
		fail "fixtures without a test:$missing"
	fi
}

@test "a database that cannot be opened exits 66" {
	run --separate-stderr "$STP_VERIFY" --check-db no-such-file.mm
	assert_failure 66
	assert_output ''
	assert_stderr "stp-verify: cannot open 'no-such-file.mm': No such file or directory"
}

@test "an include is read relative to the directory of the database" {
	# metamath.exe reads it relative to the working directory instead: no
	# cross-check here.
	mkdir sub
	mv good-include.mm good-include-part.mm sub/
	run --separate-stderr "$STP_VERIFY" --check-db sub/good-include.mm
	assert_success
	assert_summary sub/good-include.mm 2 2 0
	assert_stderr ''
}

@test "mm_verdict sees an error that metamath.exe wraps over several lines" {
	require_metamath
	# At 79 columns metamath.exe breaks this message after 'type' and after
	# 'requirement in the'.
	MM_WIDTH=79 run mm_verdict bad-dv-missing.mm
	assert_success
	assert_output --partial 'error: ?Error on line 23 of file "bad-dv-missing.mm" at statement 20, label "th", type "$p":'
	assert_output --partial 'do not have a disjoint variable requirement in the assertion being proved'
}

@test "mm_verdict counts an incomplete proof (a warning, not an error) as a rejection" {
	require_metamath
	run mm_verdict bad-unknown-step.mm
	assert_success
	assert_output 'error: Warning: The following $p statement(s) were not proved: th'
}

# ---- databases that must pass

@test "good-normal.mm: normal proofs, and a theorem used by a later proof, are accepted" {
	check_db good-normal.mm
	assert_mm_agrees
	assert_success
	assert_summary good-normal.mm 4 4 0
	assert_stderr ''
	assert_mm_accepts
}

@test "good-compressed.mm: compressed proofs, letters split by white space, are accepted" {
	check_db good-compressed.mm
	assert_mm_agrees
	assert_success
	assert_summary good-compressed.mm 4 4 0
	assert_stderr ''
	assert_mm_accepts
}

@test "good-compressed-z.mm: 'Z' saves steps that later letters reuse; 'ZZ' and a repeated label list entry are accepted" {
	check_db good-compressed-z.mm
	assert_mm_agrees
	assert_success
	assert_summary good-compressed-z.mm 6 6 0
	assert_stderr ''
	assert_mm_accepts
}

@test "good-compressed-big-numbers.mm: two-letter numbers (U-Y then A-T) address hypotheses, labels and saved steps" {
	check_db good-compressed-big-numbers.mm
	assert_mm_agrees
	assert_success
	assert_summary good-compressed-big-numbers.mm 2 2 0
	assert_stderr ''
	assert_mm_accepts
}

@test "good-dv.mm: \$d conditions met by the theorem's own, dummy, several-variable and outermost \$d statements" {
	check_db good-dv.mm
	assert_mm_agrees
	assert_success
	assert_summary good-dv.mm 6 6 0
	assert_stderr ''
	assert_mm_accepts
}

@test "good-scopes.mm: nested blocks, block-local variables and declaration-order frames are accepted" {
	check_db good-scopes.mm
	assert_mm_agrees
	assert_success
	assert_summary good-scopes.mm 7 7 0
	assert_stderr ''
	assert_mm_accepts
}

@test "good-include.mm: an included file's statements are used; a second include of it is skipped" {
	check_db good-include.mm
	assert_mm_agrees
	assert_success
	assert_summary good-include.mm 2 2 0
	assert_stderr ''
	assert_mm_accepts
}

@test "good-include-part.mm: the included fragment is a database by itself" {
	check_db good-include-part.mm
	assert_mm_agrees
	assert_success
	assert_summary good-include-part.mm 1 1 0
	assert_stderr ''
	assert_mm_accepts
}

@test "good-comments.mm: comments between any two tokens, \$t and \$j comments, are skipped" {
	check_db good-comments.mm
	assert_mm_agrees
	assert_success
	assert_summary good-comments.mm 2 2 0
	assert_stderr ''
	assert_mm_accepts
}

@test "good-global-hyp.mm: an outermost-scope \$e hypothesis is mandatory for every later assertion" {
	check_db good-global-hyp.mm
	assert_mm_agrees
	assert_success
	assert_summary good-global-hyp.mm 2 2 0
	assert_stderr ''
	assert_mm_accepts
}

@test "good-zero-hyp-axiom.mm: an assertion with no hypotheses may be the first step of a proof" {
	check_db good-zero-hyp-axiom.mm
	assert_mm_agrees
	assert_success
	assert_summary good-zero-hyp-axiom.mm 3 3 0
	assert_stderr ''
	assert_mm_accepts
}

@test "good-comment-in-letters.mm: a comment between the letters of a compressed proof is skipped, as metamath.exe does" {
	check_db good-comment-in-letters.mm
	assert_mm_agrees
	assert_success
	assert_summary good-comment-in-letters.mm 1 1 0
	assert_stderr ''
	assert_mm_accepts
}

# ---- proofs that must fail (exit 65, one line per failed proof)

@test "bad-hyp-mismatch.mm: an \$e hypothesis that does not match is rejected" {
	check_db bad-hyp-mismatch.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-hyp-mismatch.mm 1 0 1
	assert_stderr "stp-verify: bad-hyp-mismatch.mm:19: proof of 'a1i': step 9 (ax-mp): hypothesis 'maj' does not match"
	assert_mm_rejects 'cannot be unified'
}

@test "bad-wrong-statement.mm: a proof of something other than the statement is rejected" {
	check_db bad-wrong-statement.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-wrong-statement.mm 1 0 1
	assert_stderr "stp-verify: bad-wrong-statement.mm:17: proof of 'th': the proof proves something other than the statement"
	assert_mm_rejects 'does not match the statement being proved'
}

@test "bad-dv-same-var.mm: a variable substituted into both members of a \$d pair is rejected" {
	check_db bad-dv-same-var.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-dv-same-var.mm 1 0 1
	assert_stderr "stp-verify: bad-dv-same-var.mm:25: proof of 'th': step 5 (ax-17): \$d violation: variable 'x' substituted into both 'p' and 'x'"
	assert_mm_rejects 'disjoint variable ($d) violation at proof step 5'
}

@test "bad-dv-missing.mm: a \$d pair missing from the theorem is rejected" {
	check_db bad-dv-missing.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-dv-missing.mm 1 0 1
	assert_stderr "stp-verify: bad-dv-missing.mm:23: proof of 'th': step 3 (ax-17): \$d violation: 'q' and 'x' (substituted into 'p' and 'x') have no \$d statement"
	assert_mm_rejects 'disjoint variable ($d) violation at proof step 3'
}

@test "bad-dv-dummy-missing.mm: a dummy variable without its \$d pair is rejected" {
	check_db bad-dv-dummy-missing.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-dv-dummy-missing.mm 1 0 1
	assert_stderr "stp-verify: bad-dv-dummy-missing.mm:22: proof of 'th': step 8 (ax-17): \$d violation: 'q' and 'y' (substituted into 'p' and 'x') have no \$d statement"
	assert_mm_rejects 'disjoint variable ($d) violation at proof step 8'
}

@test "bad-dv-scope-closed.mm: a \$d statement of a closed block no longer applies" {
	check_db bad-dv-scope-closed.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-dv-scope-closed.mm 1 0 1
	assert_stderr "stp-verify: bad-dv-scope-closed.mm:25: proof of 'th': step 3 (ax-17): \$d violation: 'q' and 'x' (substituted into 'p' and 'x') have no \$d statement"
	assert_mm_rejects 'disjoint variable ($d) violation at proof step 3'
}

@test "bad-dv-compressed.mm: a \$d violation in a compressed proof is rejected" {
	check_db bad-dv-compressed.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-dv-compressed.mm 1 0 1
	assert_stderr "stp-verify: bad-dv-compressed.mm:22: proof of 'th': step 3 (ax-17): \$d violation: 'q' and 'x' (substituted into 'p' and 'x') have no \$d statement"
	assert_mm_rejects 'disjoint variable ($d) violation at proof step 3'
}

@test "bad-unknown-label.mm: a proof step naming no statement is rejected" {
	check_db bad-unknown-label.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-unknown-label.mm 1 0 1
	assert_stderr "stp-verify: bad-unknown-label.mm:16: proof of 'th': step 3: unknown label 'ax-3'"
	assert_mm_rejects 'not an active statement label'
}

@test "bad-unknown-step.mm: an unknown step '?' in a normal proof is rejected" {
	check_db bad-unknown-step.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-unknown-step.mm 1 0 1
	assert_stderr "stp-verify: bad-unknown-step.mm:16: proof of 'th': step 2: '?': the proof is incomplete"
	assert_mm_rejects 'were not proved: th'
}

@test "bad-unknown-step-compressed.mm: an unknown step '?' in a compressed proof is rejected" {
	check_db bad-unknown-step-compressed.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-unknown-step-compressed.mm 1 0 1
	assert_stderr "stp-verify: bad-unknown-step-compressed.mm:16: proof of 'th': step 2: '?': the proof is incomplete"
	assert_mm_rejects 'were not proved: th'
}

@test "bad-stack-leftover.mm: a proof that leaves two entries on the stack is rejected" {
	check_db bad-stack-leftover.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-stack-leftover.mm 1 0 1
	assert_stderr "stp-verify: bad-stack-leftover.mm:16: proof of 'th': the proof leaves 2 entries on the stack, not one"
	assert_mm_rejects 'the RPN stack contains 2 entries'
}

@test "bad-stack-underflow.mm: a step with too few entries on the stack is rejected" {
	check_db bad-stack-underflow.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-stack-underflow.mm 1 0 1
	assert_stderr "stp-verify: bad-stack-underflow.mm:16: proof of 'th': step 2 (ax-1): needs 2 hypotheses, the stack holds 1"
	assert_mm_rejects 'requires 2 hypotheses but the RPN stack contains only one entry'
}

@test "bad-typecode-mismatch.mm: a proved statement given to a wff \$f hypothesis is rejected" {
	check_db bad-typecode-mismatch.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-typecode-mismatch.mm 1 0 1
	assert_stderr "stp-verify: bad-typecode-mismatch.mm:18: proof of 'th': step 3 (ax-1): hypothesis 'wp' wants typecode 'wff', found '|-'"
	assert_mm_rejects 'cannot be unified'
}

@test "bad-typecode-set-for-wff.mm: a set variable given to a wff \$f hypothesis is rejected" {
	check_db bad-typecode-set-for-wff.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-typecode-set-for-wff.mm 1 0 1
	assert_stderr "stp-verify: bad-typecode-set-for-wff.mm:23: proof of 'th': step 3 (wal): hypothesis 'wp' wants typecode 'wff', found 'set'"
	assert_mm_rejects 'cannot be unified'
}

@test "bad-hyp-out-of-scope.mm: an \$e hypothesis of a closed block is rejected" {
	check_db bad-hyp-out-of-scope.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-hyp-out-of-scope.mm 2 1 1
	assert_stderr "stp-verify: bad-hyp-out-of-scope.mm:20: proof of 'th': step 5: hypothesis 'a1i.1' is not active here"
	assert_mm_rejects 'not an active statement label'
}

@test "bad-f-out-of-scope.mm: a \$f hypothesis of a closed block is rejected" {
	check_db bad-f-out-of-scope.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-f-out-of-scope.mm 2 1 1
	assert_stderr "stp-verify: bad-f-out-of-scope.mm:25: proof of 'loc2': step 2: hypothesis 'wt' is not active here"
	assert_mm_rejects 'not an active statement label'
}

@test "bad-self-reference.mm: a proof that uses its own theorem is rejected" {
	check_db bad-self-reference.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-self-reference.mm 1 0 1
	assert_stderr "stp-verify: bad-self-reference.mm:16: proof of 'th': step 3: proof refers to the theorem itself: 'th'"
	assert_mm_rejects 'A statement may not be used to prove itself'
}

@test "bad-later-theorem.mm: a proof that uses a later theorem is rejected" {
	check_db bad-later-theorem.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-later-theorem.mm 2 1 1
	assert_stderr "stp-verify: bad-later-theorem.mm:16: proof of 'th1': step 3: unknown label 'th2'"
	assert_mm_rejects 'is the label of a future statement'
}

@test "bad-empty-proof.mm: an empty proof is rejected" {
	check_db bad-empty-proof.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-empty-proof.mm 1 0 1
	assert_stderr "stp-verify: bad-empty-proof.mm:16: proof of 'th': the proof is empty"
	assert_mm_rejects 'The proof is empty'
}

@test "bad-empty-compressed-proof.mm: a compressed proof without letters is rejected" {
	check_db bad-empty-compressed-proof.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-empty-compressed-proof.mm 1 0 1
	assert_stderr "stp-verify: bad-empty-compressed-proof.mm:16: proof of 'th': the proof is empty"
	assert_mm_rejects 'The proof is empty'
}

@test "bad-compressed-letter.mm: a letter outside A-Z in a compressed proof is rejected" {
	check_db bad-compressed-letter.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-compressed-letter.mm 1 0 1
	assert_stderr "stp-verify: bad-compressed-letter.mm:16: proof of 'th': bad compressed proof: unexpected character 'a' after step 2"
	assert_mm_rejects 'This character is not legal in a compressed proof'
}

@test "bad-compressed-ends-in-number.mm: letters that end inside a number (with U-Y) are rejected" {
	check_db bad-compressed-ends-in-number.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-compressed-ends-in-number.mm 1 0 1
	assert_stderr "stp-verify: bad-compressed-ends-in-number.mm:16: proof of 'th': bad compressed proof: it ends inside a number"
	assert_mm_rejects 'A compressed label character was expected here'
}

@test "bad-compressed-ref-beyond.mm: a reference to a saved step that was never saved is rejected" {
	check_db bad-compressed-ref-beyond.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-compressed-ref-beyond.mm 1 0 1
	assert_stderr "stp-verify: bad-compressed-ref-beyond.mm:16: proof of 'th': bad compressed proof: step 4 refers to saved step 1 of 0"
	assert_mm_rejects 'outside the range of the label list'
}

@test "bad-compressed-label-beyond.mm: a two-letter number beyond every label is rejected" {
	check_db bad-compressed-label-beyond.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-compressed-label-beyond.mm 1 0 1
	assert_stderr "stp-verify: bad-compressed-label-beyond.mm:17: proof of 'th': bad compressed proof: step 3 refers to saved step 18 of 0"
	assert_mm_rejects 'outside the range of the label list'
}

@test "bad-compressed-huge-number.mm: a number beyond 2^31 is rejected" {
	check_db bad-compressed-huge-number.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-compressed-huge-number.mm 1 0 1
	assert_stderr "stp-verify: bad-compressed-huge-number.mm:16: proof of 'th': bad compressed proof: number too large"
	assert_mm_rejects 'outside the range of the label list'
}

@test "bad-compressed-z-first.mm: 'Z' before any step is rejected" {
	check_db bad-compressed-z-first.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-compressed-z-first.mm 1 0 1
	assert_stderr "stp-verify: bad-compressed-z-first.mm:16: proof of 'th': bad compressed proof: 'Z' does not follow a step"
	assert_mm_rejects 'A local label character must occur after a proof step'
}

@test "bad-compressed-z-in-number.mm: 'Z' inside a number is rejected" {
	check_db bad-compressed-z-in-number.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-compressed-z-in-number.mm 1 0 1
	assert_stderr "stp-verify: bad-compressed-z-in-number.mm:16: proof of 'th': bad compressed proof: 'Z' does not follow a step"
	assert_mm_rejects 'A compressed label character was expected here'
}

@test "bad-compressed-z-after-hyp.mm: 'Z' after a hypothesis step is rejected, as metamath.exe rejects it" {
	check_db bad-compressed-z-after-hyp.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-compressed-z-after-hyp.mm 1 0 1
	assert_stderr_regexp "^stp-verify: bad-compressed-z-after-hyp\\.mm:17: proof of 'id': .*'Z'"
	assert_mm_rejects 'declares a local label'
}

@test "bad-compressed-z-after-saved.mm: 'Z' after a saved-step reference is rejected, as metamath.exe rejects it" {
	check_db bad-compressed-z-after-saved.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-compressed-z-after-saved.mm 1 0 1
	assert_stderr_regexp "^stp-verify: bad-compressed-z-after-saved\\.mm:17: proof of 'id': .*'Z'"
	assert_mm_rejects 'declares a local label'
}

@test "bad-compressed-mand-hyp-in-list.mm: a mandatory \$f hypothesis in the label list is rejected" {
	check_db bad-compressed-mand-hyp-in-list.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-compressed-mand-hyp-in-list.mm 1 0 1
	assert_stderr "stp-verify: bad-compressed-mand-hyp-in-list.mm:17: proof of 'th': mandatory hypothesis 'wp' in the label list"
	assert_mm_rejects 'Required hypotheses may not be explicitly declared'
}

@test "bad-compressed-mand-e-in-list.mm: a mandatory \$e hypothesis in the label list is rejected" {
	check_db bad-compressed-mand-e-in-list.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-compressed-mand-e-in-list.mm 1 0 1
	assert_stderr "stp-verify: bad-compressed-mand-e-in-list.mm:18: proof of 'th': mandatory hypothesis 'th.1' in the label list"
	assert_mm_rejects 'Required hypotheses may not be explicitly declared'
}

@test "bad-compressed-hyp-out-of-scope.mm: a label list naming an \$e hypothesis of a closed block is rejected" {
	check_db bad-compressed-hyp-out-of-scope.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-compressed-hyp-out-of-scope.mm 1 0 1
	assert_stderr "stp-verify: bad-compressed-hyp-out-of-scope.mm:20: proof of 'th': hypothesis 'h.1' is not active here"
	assert_mm_rejects 'not the label of an assertion or optional hypothesis'
}

# ---- malformed databases (exit 65 with "FILE:LINE: why", nothing on stdout)

@test "bad-compressed-no-paren.mm: a label list without ')' makes the database malformed" {
	check_db bad-compressed-no-paren.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-compressed-no-paren.mm:16: compressed proof of 'th' has no ')'"
	assert_mm_rejects 'A ")" which ends the label list is not present'
}

@test "bad-compressed-unterminated.mm: a compressed proof without '\$.' makes the database malformed" {
	check_db bad-compressed-unterminated.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-compressed-unterminated.mm:16: proof of 'th' not ended with '\$.'"
	assert_mm_rejects 'Expected "$." here'
}

@test "bad-duplicate-label.mm: a label declared twice makes the database malformed" {
	check_db bad-duplicate-label.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-duplicate-label.mm:16: label 'ax-1' is declared twice"
	assert_mm_rejects 'This label is declared more than once'
}

@test "bad-duplicate-label-scoped.mm: a hypothesis label of a closed block may not be declared again" {
	check_db bad-duplicate-label-scoped.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-duplicate-label-scoped.mm:21: label 'h.1' is declared twice"
	assert_mm_rejects 'This label is declared more than once'
}

@test "bad-undeclared-symbol.mm: an undeclared math symbol makes the database malformed" {
	check_db bad-undeclared-symbol.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-undeclared-symbol.mm:16: math symbol '<->' is not declared"
	assert_mm_rejects 'This math symbol was not declared'
}

@test "bad-var-no-f.mm: a variable without an active \$f makes the database malformed" {
	check_db bad-var-no-f.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-var-no-f.mm:17: variable 't' has no active \$f statement"
	assert_mm_rejects 'does not occur in any active "$e" or "$f" hypothesis'
}

@test "bad-var-f-closed.mm: a variable whose \$f is in a closed block has no active \$f" {
	check_db bad-var-f-closed.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-var-f-closed.mm:20: variable 't' has no active \$f statement"
	assert_mm_rejects 'does not occur in any active "$e" or "$f" hypothesis'
}

@test "bad-var-inactive.mm: a variable of a closed block may not be used" {
	check_db bad-var-inactive.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-var-inactive.mm:20: variable 't' is not active"
	assert_mm_rejects 'This math symbol is not active'
}

@test "bad-scope-extra-close.mm: '\$}' without '\${' makes the database malformed" {
	check_db bad-scope-extra-close.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-scope-extra-close.mm:16: '\$}' without a matching '\${'"
	assert_mm_rejects 'Too many "$}"s at this point'
}

@test "bad-scope-unclosed.mm: an unclosed '\${' makes the database malformed, at the line of the '\${'" {
	check_db bad-scope-unclosed.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr_regexp "^stp-verify: bad-scope-unclosed\\.mm:16: .*'\\\$\\{'"
	assert_mm_rejects 'A "$}" is missing at the end of the file'
}

@test "bad-c-in-block.mm: a \$c statement inside a block makes the database malformed" {
	check_db bad-c-in-block.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-c-in-block.mm:17: a \$c statement may occur in the outermost scope only"
	assert_mm_rejects 'may occur in the outermost scope only'
}

@test "bad-nested-comment.mm: a nested comment makes the database malformed" {
	check_db bad-nested-comment.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-nested-comment.mm:16: nested comments are not allowed"
	assert_mm_rejects 'Nested comments are not allowed'
}

@test "bad-nested-comment-in-token.mm: a word starting with the comment opener inside a comment is a nested comment, as for metamath.exe" {
	check_db bad-nested-comment-in-token.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr_regexp "^stp-verify: bad-nested-comment-in-token\\.mm:18: .*comment"
	assert_mm_rejects 'Nested comments are not allowed'
}

@test "bad-comment-close-in-token.mm: a word ending with the comment closer inside a comment is an error, as for metamath.exe" {
	check_db bad-comment-close-in-token.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr_regexp "^stp-verify: bad-comment-close-in-token\\.mm:19: "
	assert_mm_rejects 'A keyword must be preceded by white space'
}

@test "bad-comment-unclosed.mm: an unclosed comment makes the database malformed" {
	check_db bad-comment-unclosed.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-comment-unclosed.mm:16: comment not closed with '\$)'"
	assert_mm_rejects 'The last comment in the file is incomplete'
}

@test "bad-label-is-symbol.mm: a label equal to a math symbol makes the database malformed" {
	check_db bad-label-is-symbol.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-label-is-symbol.mm:16: label 'wff' is also a math symbol"
	assert_mm_rejects 'This label has the same name as the math token'
}

@test "bad-symbol-is-label.mm: a math symbol equal to a label makes the database malformed" {
	check_db bad-symbol-is-label.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-symbol-is-label.mm:16: math symbol 'ax-1' is already a label"
	assert_mm_rejects 'This label has the same name as the math token'
}

@test "bad-unterminated-statement.mm: a statement without '\$.' at the end of the file makes the database malformed" {
	check_db bad-unterminated-statement.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-unterminated-statement.mm:16: statement not ended with '\$.'"
	assert_mm_rejects 'Expected "$." here (last line of file)'
}

@test "bad-unterminated-proof.mm: a normal proof without '\$.' at the end of the file makes the database malformed" {
	check_db bad-unterminated-proof.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr_regexp "^stp-verify: bad-unterminated-proof\\.mm:16: .*'th'"
	assert_mm_rejects 'Expected "$." here (last line of file)'
}

@test "bad-const-twice.mm: a constant declared twice makes the database malformed" {
	check_db bad-const-twice.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-const-twice.mm:16: math symbol 'wff' is declared twice"
	assert_mm_rejects 'This symbol has already been declared'
}

@test "bad-var-twice.mm: a variable declared twice while active makes the database malformed" {
	check_db bad-var-twice.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-var-twice.mm:16: variable 'p' is declared twice while active"
	assert_mm_rejects 'This symbol has already been declared'
}

@test "bad-const-as-var.mm: a constant declared again as a variable makes the database malformed" {
	check_db bad-const-as-var.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-const-as-var.mm:16: 'wff' is already declared as a constant"
	assert_mm_rejects 'A symbol may not be both a constant and a variable'
}

@test "bad-var-then-const.mm: a variable of a closed block declared later as a constant makes the database malformed" {
	check_db bad-var-then-const.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-var-then-const.mm:19: math symbol 't' is declared twice"
	assert_mm_rejects 'A symbol may not be both a constant and a variable'
}

@test "bad-f-twice.mm: a second active \$f for a variable makes the database malformed" {
	check_db bad-f-twice.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-f-twice.mm:17: variable 'p' already has an active \$f statement ('wp')"
	assert_mm_rejects 'already appears in the earlier active "$f" statement'
}

@test "bad-f-not-var.mm: a \$f statement for a constant makes the database malformed" {
	check_db bad-f-not-var.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-f-not-var.mm:16: a \$f statement is a typecode and one variable"
	assert_mm_rejects 'The second symbol must be a variable'
}

@test "bad-f-two-vars.mm: a \$f statement with two variables makes the database malformed" {
	check_db bad-f-two-vars.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-f-two-vars.mm:16: a \$f statement is a typecode and one variable"
	assert_mm_rejects 'There cannot be more than two symbols'
}

@test "bad-typecode-var.mm: an assertion whose typecode is a variable makes the database malformed" {
	check_db bad-typecode-var.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-typecode-var.mm:16: typecode 'p' is not a constant"
	assert_mm_rejects 'The first symbol must be a constant'
}

@test "bad-empty-e.mm: an \$e statement without symbols makes the database malformed" {
	check_db bad-empty-e.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-empty-e.mm:17: statement has no typecode"
	assert_mm_rejects 'requires at least one math symbol'
}

@test "bad-empty-c.mm: an empty \$c statement makes the database malformed" {
	check_db bad-empty-c.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-empty-c.mm:16: empty \$c statement"
	assert_mm_rejects 'At least one math symbol should be declared'
}

@test "bad-symbol-with-dollar.mm: a math symbol containing '\$' makes the database malformed" {
	check_db bad-symbol-with-dollar.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-symbol-with-dollar.mm:16: expected a math symbol or '\$.', found 'a\$b'"
	assert_mm_rejects 'A keyword must be preceded by white space'
}

@test "bad-dv-constant.mm: a constant in a \$d statement makes the database malformed" {
	check_db bad-dv-constant.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-dv-constant.mm:16: 'wff' in a \$d statement is not an active variable"
	assert_mm_rejects 'Constant symbols are not allowed in a "$d" statement'
}

@test "bad-dv-repeated-var.mm: a variable twice in a \$d statement makes the database malformed" {
	check_db bad-dv-repeated-var.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-dv-repeated-var.mm:16: variable 'p' appears twice in a \$d statement"
	assert_mm_rejects 'must be unique'
}

@test "bad-dv-one-var.mm: a \$d statement with one variable makes the database malformed" {
	check_db bad-dv-one-var.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-dv-one-var.mm:16: a \$d statement needs at least two variables"
	assert_mm_rejects 'requires at least two variable symbols'
}

@test "bad-dv-inactive-var.mm: a \$d statement naming an inactive variable makes the database malformed" {
	check_db bad-dv-inactive-var.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-dv-inactive-var.mm:19: 't' in a \$d statement is not an active variable"
	assert_mm_rejects 'This math symbol is not active'
}

@test "bad-illegal-char.mm: a non-ASCII byte makes the database malformed" {
	check_db bad-illegal-char.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-illegal-char.mm:16: illegal character (code 195)"
	assert_mm_rejects 'Illegal character'
}

@test "bad-label-chars.mm: a label with a character not allowed in labels makes the database malformed" {
	check_db bad-label-chars.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-label-chars.mm:16: 'ax:3' is not a keyword and not a valid label"
	assert_mm_rejects 'are allowed in labels'
}

@test "bad-unknown-keyword.mm: an unknown keyword makes the database malformed" {
	check_db bad-unknown-keyword.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-unknown-keyword.mm:16: unexpected '\$x'"
	assert_mm_rejects 'Expected "$c", "$v", "$e", "$f", "$d", "$a", "$p"'
}

@test "bad-missing-label.mm: an \$a statement without a label makes the database malformed" {
	check_db bad-missing-label.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-missing-label.mm:16: '\$a' statement without a label"
	assert_mm_rejects 'A label is required for this statement type'
}

@test "bad-two-labels.mm: two labels before one statement make the database malformed" {
	check_db bad-two-labels.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-two-labels.mm:16: expected \$f, \$e, \$a or \$p after label 'ax-3'"
	assert_mm_rejects 'A statement may have only one label'
}

@test "bad-p-no-proof.mm: a \$p statement without '\$=' makes the database malformed" {
	check_db bad-p-no-proof.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-p-no-proof.mm:16: expected '\$=' in \$p statement 'th'"
	assert_mm_rejects 'Expected "$=" here'
}

@test "bad-a-with-proof.mm: an \$a statement with a proof makes the database malformed" {
	check_db bad-a-with-proof.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-a-with-proof.mm:16: expected '\$.' to end the statement, found '\$='"
	assert_mm_rejects 'Expected "$." here'
}

@test "bad-keyword-in-proof.mm: a keyword inside a proof makes the database malformed" {
	check_db bad-keyword-in-proof.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-keyword-in-proof.mm:16: expected a label or '\$.' in the proof of 'th', found '\$c'"
	assert_mm_rejects 'Expected "$." here'
}

@test "bad-include-unclosed.mm: an include statement without '\$]' makes the database malformed" {
	check_db bad-include-unclosed.mm
	assert_mm_agrees
	assert_failure 65
	assert_output ''
	assert_stderr "stp-verify: bad-include-unclosed.mm:16: include statement not closed with '\$]'"
	assert_mm_rejects 'is unterminated or has ill-formed'
}

@test "bad-include-missing.mm: an include of a missing file cannot be read: exit 66" {
	check_db bad-include-missing.mm
	assert_mm_agrees
	assert_failure 66
	assert_output ''
	assert_stderr "stp-verify: bad-include-missing.mm:16: cannot open included file 'no-such-file.mm': No such file or directory"
	assert_mm_rejects 'was not found'
}

@test "bad-two-failures.mm: every failing proof is reported, one line each, in database order" {
	check_db bad-two-failures.mm
	assert_mm_agrees
	assert_failure 65
	assert_summary bad-two-failures.mm 3 1 2
	assert_stderr "stp-verify: bad-two-failures.mm:17: proof of 'th1': the proof proves something other than the statement
stp-verify: bad-two-failures.mm:19: proof of 'th3': step 2 (ax-1): needs 2 hypotheses, the stack holds 1"
	assert_mm_rejects 'does not match the statement being proved'
}

# ---- all of set.mm: reading and verifying side by side

SET_MM=/usr/share/metamath/databases/set.mm

require_set_mm() {
	if [[ ! -r $SET_MM ]]; then
		[[ -z "${CI:-}" ]] || fail "$SET_MM is missing (CI must install metamath-databases)"
		skip "$SET_MM is missing (apt-get install metamath-databases)"
	fi
}

@test "set.mm: all 37,759 proofs, with 1 and 3 threads, also when the arrays grow while verifiers read" {
	require_set_mm
	cp "$SET_MM" set.mm
	# a tiny top file: the kernel sizes its arrays from the top file's text,
	# so here they start small and move many times while theorems are verified
	printf '$[ set.mm $]\n' >top.mm
	for f in set.mm top.mm; do
		for j in 1 3; do
			run --separate-stderr "$STP_VERIFY" --check-db "$f" -j "$j"
			assert_success
			assert_stderr ''
			assert_output --regexp "^$f: 37759 proofs, 37759 correct, 0 failed \("
		done
	done
}

@test "set.mm with every 3000th proof altered: the failures in database order, the same with 1 and 3 threads, as many as metamath finds" {
	require_set_mm
	require_metamath
	# every 3000th compressed proof gets the first two labels of its list swapped
	python3 - "$SET_MM" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
n = 0
def swap(m):
    global n
    n += 1
    return m.group(0) if n % 3000 else '$= ( %s %s ' % (m.group(2), m.group(1))
open('broken.mm', 'w').write(re.sub(r'\$=\s+\(\s+(\S+)\s+(\S+)\s', swap, s))
PY
	run --separate-stderr "$STP_VERIFY" --check-db broken.mm -j 1
	assert_failure 65
	one=$stderr
	run --separate-stderr "$STP_VERIFY" --check-db broken.mm -j 3
	assert_failure 65
	assert_output --regexp '^broken.mm: 37759 proofs, 37748 correct, 11 failed \('
	[[ "$stderr" == "$one" ]]
	# in database order: the line numbers ascend
	lines=$(printf '%s\n' "$stderr" | cut -d: -f3)
	[[ "$lines" == "$(printf '%s\n' "$lines" | sort -n)" ]]
	[[ $(printf '%s\n' "$stderr" | grep -c "^stp-verify: broken.mm:[0-9]*: proof of '") == 11 ]]
	# metamath.exe: one ?Error per broken proof (its line wrapping collapsed)
	n=$(metamath "set width 9999" 'read "broken.mm"' "verify proof *" exit </dev/null 2>&1 |
		tr -s ' \t\r\n' '    ' | grep -o '?Error' | wc -l)
	assert_equal "$n" 11
}
