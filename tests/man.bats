#!/usr/bin/env bats
#
# man.bats - the man pages (scdoc sources beside each tool, docs/*.scd):
# each renders, and every flag a tool's -h lists is in its page's OPTIONS,
# and the reverse.

load test_helper

setup() {
	command -v scdoc >/dev/null || {
		[[ -n "${CI:-}" ]] && fail "scdoc is not installed"
		skip "scdoc is not installed (apt-get install scdoc)"
	}
	cd "$BATS_TEST_TMPDIR" || return 1
}

# flags_help TOOL: the flags -h lists, one a line, sorted
flags_help() {
	"$1" -h | sed -n '/^$/,$p' | grep -E '^ +-' |
		grep -oE '^ +(-[A-Za-z0-9](, )?)?(--[a-z0-9-]+)?' | grep -oE -- '--?[A-Za-z0-9-]+' | sort -u
}

# flags_man PAGE: the flags the OPTIONS section's items name, sorted
flags_man() {
	sed -n '/^# OPTIONS/,/^# /p' "$1" | grep -E '^\*-' |
		grep -oE -- '\*--?[A-Za-z0-9-]+\*' | tr -d '*' | sort -u
}

page_of() {
	if [[ -d $STP_ROOT/tools/$1 ]]; then
		echo "$STP_ROOT/tools/$1/$1.1.scd"
	else
		echo "$STP_ROOT/$1/$1.1.scd"
	fi
}

@test "every man page renders" {
	for p in "$STP_ROOT"/stp-*/*.scd "$STP_ROOT"/tools/*/*.scd "$STP_ROOT"/docs/*.scd; do
		scdoc <"$p" >page || fail "$p does not render"
		[[ -s page ]]
		man -l page >/dev/null 2>&1 || fail "$p: man -l fails"
	done
}

@test "every flag of -h is in the man page's OPTIONS, and every flag there is in -h" {
	for t in stp-seed stp-conjecture stp-prove stp-verify stp-reward stp-train stp-passk \
		stp-sftdata stp-mmdata stp-leandata stp-config stp-export; do
		flags_help "$t" >h.txt
		flags_man "$(page_of "$t")" >m.txt
		[[ -s h.txt ]]
		diff h.txt m.txt || fail "$t: -h (<) and its man page (>) differ"
	done
}

@test "make install DESTDIR=... PREFIX=/usr installs a working set" {
	run make -s -C "$STP_ROOT" install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr
	assert_success
	R=$BATS_TEST_TMPDIR/root/usr
	for t in stp-seed stp-conjecture stp-prove stp-verify stp-reward stp-train stp-passk \
		stp-sftdata stp-mmdata stp-leandata stp-config stp-export; do
		[[ -x $R/bin/$t ]] || fail "$t not installed"
	done
	run "$R/bin/stp-verify" --version
	assert_success
	[[ $output == "stp-verify "* ]]
	echo '{"id":"x","statement":"|- ( ph -> ph )","proof":"mpd ( ph -> ph ) ax-1 ax-1"}' >a.jsonl
	run "$R/bin/stp-verify" -q --db "$STP_ROOT/data/mm-pc/pc.mm" a.jsonl
	assert_output --partial '"ok":true'
	man -l "$R/share/man/man1/stp-prove.1" >/dev/null
	man -l "$R/share/man/man5/stp.yaml.5" >/dev/null
	man -l "$R/share/man/man7/stp.7" >/dev/null
	[[ -s $R/share/stp/configs/small.yaml ]]
	cmp "$STP_ROOT/LICENSE" "$R/share/doc/stp/LICENSE"
}
