#!/usr/bin/env bats
#
# cli.bats - what every stage tool does alike

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

@test "a misspelt section of the configuration exits 78 naming file:line:column, in every tool" {
	printf 'verify:\n  jobs: 1\nrewad:\n  conj_pass_max: 0.3\n' >bad.yaml
	for t in stp-seed stp-conjecture stp-prove stp-verify stp-reward stp-train; do
		run --separate-stderr "$t" -c bad.yaml -q /dev/null
		assert_failure 78
		assert_stderr "$t: bad.yaml:3:1: unknown key 'rewad' (known: verify, model, train, prove, conjecture, seed, reward, openai)"
	done
}

TOOLS="stp-seed stp-conjecture stp-prove stp-verify stp-reward stp-train"

@test "--version prints the tool's name and the build's git description, exit 0" {
	v=$(git -C "$STP_ROOT" describe --always --dirty --tags 2>/dev/null || echo unknown)
	for t in $TOOLS; do
		run --separate-stderr "$t" --version
		assert_success
		[[ $output == "$t "* ]]
		[[ -n ${output#"$t "} ]]
	done
}

@test "an unknown option is one line and 'try -h' on stderr, exit 64, in every tool" {
	for t in $TOOLS; do
		run --separate-stderr "$t" --bogus
		assert_failure 64
		assert_stderr "$t: unrecognized option '--bogus'
try '$t -h'"
		run --separate-stderr "$t" -Z
		assert_failure 64
		assert_stderr "$t: unrecognized option '-Z'
try '$t -h'"
	done
}

@test "an option without its argument is named, exit 64" {
	run --separate-stderr stp-prove -n
	assert_failure 64
	assert_stderr "stp-prove: option '-n' needs an argument
try 'stp-prove -h'"
}

@test "a configuration that cannot be opened is 66 in every tool, --config=FILE last on the line too" {
	for t in $TOOLS; do
		run --separate-stderr "$t" -q /dev/null --config=nosuch.yaml
		assert_failure 66
		assert_stderr "$t: cannot open configuration 'nosuch.yaml': No such file or directory"
		run --separate-stderr "$t" -c nosuch.yaml -q /dev/null
		assert_failure 66
	done
}

@test "--config=FILE as the last argument is read (its setting shows)" {
	printf 'prove:\n  samples: many\n' >bad.yaml
	run --separate-stderr stp-prove --model x.safetensors /dev/null --config=bad.yaml
	assert_failure 78
	assert_stderr "stp-prove: bad.yaml:2:12: 'prove.samples': expected an integer from 1 to 100000"
}
