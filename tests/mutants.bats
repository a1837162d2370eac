#!/usr/bin/env bats
#
# mutants.bats - stp-verify against Debian's metamath.exe on mutants of the
# human proofs of mm-pc
#
# tests/tools/mutants (built by make) takes the human proofs of
# data/mm-pc/proofs.jsonl and, with a fixed seed, writes hundreds of mutants
# of them (a label swapped, a step deleted, duplicated or swapped, the
# statement changed, H1/H2 swapped, a hypothesis dropped, a label from after
# the context, compressed proofs with their letters changed, steps proofs
# changed and expanded, and correct variants: renamed variables,
# substitution instances, reordered hypotheses) twice: as attempt records for
# stp-verify, and as theorems of one Metamath database per context (the
# database cut before the context, every block closed), which metamath.exe
# checks with exactly the candidate semantics. The two must agree on every
# mutant: one that we accept and metamath.exe rejects is a kernel bug.
#
#   bats tests/mutants.bats
#   MUTANTS_SEED=7 MUTANTS_COUNT=3000 bats tests/mutants.bats   (a wider sweep)
#
# The mutants are made and checked once, in setup_file; each test reads the
# results. Without metamath.exe the tests that need it skip (fail under CI).

load test_helper

: "${MUTANTS_SEED:=1}"
: "${MUTANTS_COUNT:=1000}"     # rpn mutants, controls included
: "${MUTANTS_STEPS:=200}"      # steps mutants
: "${MUTANTS_PER:=20}"         # rpn mutants per context (one database each)

DB="$STP_ROOT/data/mm-pc/pc.mm"
PROOFS="$STP_ROOT/data/mm-pc/proofs.jsonl"

# make_mutants DIR: the generator (the one the last make built, or
# $STP_MUTANTS) with this file's settings, writing into DIR.
make_mutants() {
	local flavour tool
	flavour=$(cat "$STP_ROOT/build/flavour" 2>/dev/null || echo build/opt)
	tool=${STP_MUTANTS:-$STP_ROOT/$flavour/tests/tools/mutants}
	[[ -x "$tool" ]] || fail "$tool missing: run make"
	"$tool" -s "$MUTANTS_SEED" -n "$MUTANTS_COUNT" -t "$MUTANTS_STEPS" -p "$MUTANTS_PER" \
		--db "$DB" --proofs "$PROOFS" -o "$1"
}

# mm_errors FILE: metamath.exe's errors in the database FILE, one line each:
# "FILE<TAB>LABEL<TAB>message", LABEL the theorem the error is about, or "?"
# when the message names none (then the database itself is at fault). Its
# output is read with all white space collapsed (so that a wrapped line
# cannot hide an error); a run that does not reach "exit" is an error.
mm_errors() {
	metamath "set width 9999" "read \"$1\"" "verify proof *" exit </dev/null 2>&1 |
		tr -s ' \t\r\n' '    ' |
		sed -e 's/\(?Error\|?Warning\|Warning:\|?Source was not read\|MM> \)/\n\1/g' |
		awk -v file="$1" '
			/^MM> exit/ { done = 1 }
			/^(\?Error|\?Warning|Warning:|\?Source was not read)/ {
				if (match($0, /, label "[^"]*", type "/)) {
					print file "\t" substr($0, RSTART + 9, RLENGTH - 18) "\t" substr($0, 1, 300)
				} else if (match($0, /^Warning: The following \$p statement\(s\) were not proved: /)) {
					n = split(substr($0, RLENGTH + 1), l, /[, ]+/)
					for (i = 1; i <= n; i++)
						if (l[i] != "")
							print file "\t" l[i] "\t" $0
				} else {
					print file "\t?\t" substr($0, 1, 300)
				}
			}
			END { if (!done) print file "\t?\tmetamath did not finish" }'
}

setup_file() {
	[[ -r "$PROOFS" ]] || fail "$PROOFS missing: run make data"
	cd "$BATS_FILE_TMPDIR" || return 1
	make_mutants . 2>mutants.err
	"$STP_VERIFY" -q --db "$DB" attempts.jsonl >verdicts.jsonl
	# ours.tsv: id, accepts|rejects, our error; in the order of index.tsv
	awk '{
		id = ok = err = ""
		if (match($0, /^\{"id":"[^"]*"/)) id = substr($0, RSTART + 7, RLENGTH - 8)
		if (match($0, /"ok":(true|false)/)) ok = substr($0, RSTART + 5, RLENGTH - 5)
		if (match($0, /"error":"([^"\\]|\\.)*"/)) err = substr($0, RSTART + 9, RLENGTH - 10)
		print id "\t" (ok == "true" ? "accepts" : ok == "false" ? "rejects" : "?") "\t" err
	}' verdicts.jsonl >ours.tsv
	if command -v metamath >/dev/null 2>&1; then
		export -f mm_errors
		# one output file per database: parallel writers would interleave
		ls ctx-*.mm | xargs -P 2 -I{} bash -c 'mm_errors {} >{}.err'
		cat ctx-*.mm.err >mm.tsv
	fi
}

# report.tsv: id, kind, ours, metamath's, our error, metamath's first error
make_report() {
	awk -F'\t' '
		FILENAME == "mm.tsv" { if (!($2 in err)) err[$2] = $3; next }
		FILENAME == "ours.tsv" { us[FNR] = $2; usid[FNR] = $1; uerr[FNR] = $3; next }
		{
			if (usid[FNR] != $1) {
				print "index and verdicts out of step at " $1 >"/dev/stderr"
				exit 1
			}
			mm = ($4 in err) ? "rejects" : "accepts"
			print $1 "\t" $2 "\t" us[FNR] "\t" mm "\t" uerr[FNR] "\t" err[$4]
		}' mm.tsv ours.tsv index.tsv >report.tsv
}

setup() {
	cd "$BATS_FILE_TMPDIR" || return 1
}

@test "every human proof of proofs.jsonl verifies ok, as steps and as rpn" {
	run --separate-stderr "$STP_VERIFY" -q --db "$DB" "$PROOFS"
	assert_success
	[[ $(grep -c '"ok":true' <<<"$output") == 1149 ]]
	[[ $(grep -c . <<<"$output") == 1149 ]]
	run --separate-stderr "$STP_VERIFY" -q --db "$DB" originals.jsonl
	assert_success
	[[ $(grep -c '"ok":true' <<<"$output") == 1149 ]]
	[[ $(grep -c . <<<"$output") == 1149 ]]
}

@test "the mutants: hundreds, every record with a verdict and a unique id" {
	local n
	n=$(wc -l <index.tsv)
	((n >= MUTANTS_COUNT))
	[[ $(wc -l <verdicts.jsonl) == "$n" ]]
	[[ $(cut -f1 index.tsv | sort -u | wc -l) == "$n" ]]
	[[ $(cut -f4 index.tsv | sort -u | wc -l) == "$n" ]]
	run grep -c -v $'\t?\t' ours.tsv
	assert_output "$n"
}

@test "the mutants: every kind of mutation is there" {
	local k missing=
	for k in control label-random label-near label-late label-hidden \
		step-delete step-dup step-swap step-unknown \
		stmt-symbol stmt-late stmt-subexpr stmt-syntax \
		hyp-symbol hyp-swap hyp-order hyp-drop hyp-malformed rename-var subst \
		compressed compressed-number compressed-z compressed-list compressed-letter \
		compressed-list-mand compressed-stale steps-control steps-rename-var; do
		cut -f2 index.tsv | grep -qx -- "$k" || missing+=" $k"
	done
	[[ -z $missing ]] || fail "no mutants of kind:$missing"
}

@test "the same seed gives the same mutants" {
	mkdir again
	make_mutants again 2>/dev/null
	cmp attempts.jsonl again/attempts.jsonl
	cmp ctx-001.mm again/ctx-001.mm
	rm -r again
}

@test "metamath.exe reads every mutants database without an error of its own" {
	require_metamath
	[[ -s mm.tsv || $(ls ctx-*.mm | wc -l) -gt 0 ]]
	run grep -P '^[^\t]*\t\?\t' mm.tsv
	if [[ -n "$output" ]]; then
		fail "metamath.exe errors that name no mutant:"$'\n'"$output"
	fi
	# and each error names a mutant of that file
	run awk -F'\t' 'NR == FNR { file[$4] = $3; next } $2 != "?" && file[$2] != $1' index.tsv mm.tsv
	assert_output ""
}

@test "stp-verify and metamath.exe agree on every mutant" {
	require_metamath
	make_report
	run awk -F'\t' '$2 != "hyp-malformed" && $2 != "stmt-syntax" && $3 != $4 {
		printf "%s (%s): stp-verify %s (%s), metamath.exe %s (%s)\n", $1, $2, $3, $5, $4, $6
	}' report.tsv
	if [[ -n "$output" ]]; then
		fail "stp-verify and metamath.exe disagree on $(grep -c . <<<"$output") mutants:"$'\n'"$output"
	fi
}

@test "a healthy share of the mutants is accepted, and of them rejected" {
	require_metamath
	make_report
	local n acc rej
	n=$(wc -l <report.tsv)
	acc=$(awk -F'\t' '$3 == "accepts" && $4 == "accepts"' report.tsv | wc -l)
	rej=$(awk -F'\t' '$3 == "rejects" && $4 == "rejects"' report.tsv | wc -l)
	echo "$n mutants: $acc accepted by both, $rej rejected by both"
	((acc * 5 >= n)) || fail "only $acc of $n mutants accepted"
	((rej * 5 >= n)) || fail "only $rej of $n mutants rejected"
	# the controls (the human proofs, compressed, expanded from steps) are correct
	run awk -F'\t' '$2 ~ /^(control|compressed|steps-control)$/ && $4 != "accepts"' report.tsv
	assert_output ""
	# and the mutants of the acceptance list are rejected many times over
	for k in label-random step-delete step-dup stmt-symbol hyp-swap label-late; do
		((
			$(awk -F'\t' -v k="$k" '$2 == k && $4 == "rejects"' report.tsv | wc -l) >= 5
		)) || fail "fewer than 5 mutants of kind $k rejected"
	done
}

# The one documented difference: stp-verify rejects a statement or hypothesis
# that is not well formed by the database's syntax axioms (docs/algorithm.md: malformed
# conjectures are dropped; a steps proof needs it parsed), while metamath.exe
# accepts a proof that does not use such a hypothesis.
@test "a malformed hypothesis the proof does not use: metamath.exe accepts, stp-verify rejects" {
	require_metamath
	make_report
	[[ $(awk -F'\t' '$2 == "hyp-malformed"' report.tsv | wc -l) -gt 0 ]]
	run awk -F'\t' '$2 == "hyp-malformed" &&
		!($3 == "rejects" && $4 == "accepts" && $5 ~ /^hypothesis [0-9]+: /)' report.tsv
	assert_output ""
}

# The second documented difference: a theorem prover's verdict covers provable
# statements only (docs/algorithm.md), so stp-verify rejects "wff X" proved by
# its syntax proof, which metamath.exe accepts as a correct $p.
@test "a statement of a syntax typecode with its syntax proof: metamath.exe accepts, stp-verify rejects" {
	require_metamath
	make_report
	[[ $(awk -F'\t' '$2 == "stmt-syntax"' report.tsv | wc -l) -gt 0 ]]
	run awk -F'\t' '$2 == "stmt-syntax" &&
		!($3 == "rejects" && $4 == "accepts" && $5 ~ /syntax typecode/)' report.tsv
	assert_output ""
}
