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
