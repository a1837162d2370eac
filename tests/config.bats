#!/usr/bin/env bats
#
# config.bats - the configuration: --print-config on every tool, its round
# trip through -c, flags over the file, and the key tables of the code
# against docs/stp.yaml.5.scd and the README's table

load test_helper

# the tools with settings of their own (stp-config prints the file instead)
TAB=$'\t'
TOOLS="stp-seed stp-conjecture stp-prove stp-verify stp-reward stp-train stp-passk stp-sftdata stp-mmdata stp-leandata"

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	export STP_DB="$STP_ROOT/data/mm-pc/pc.mm"
}

# keys: YAML as config_print writes it (stdin) as "dotted.key<TAB>value" lines
keys() {
	awk '{ match($0, /^ */); d = RLENGTH / 2; line = substr($0, RLENGTH + 1)
	       name = line; sub(/:.*/, "", name); path[d] = name
	       if (line ~ /:$/) next
	       val = line; sub(/^[^:]*: /, "", val)
	       k = path[0]; for (i = 1; i <= d; i++) k = k "." path[i]; print k "\t" val }'
}

# code_keys: every tool's built-in configuration, "dotted.key<TAB>value", sorted
code_keys() {
	local t
	for t in $TOOLS; do
		"$t" --print-config >"pc-$t.yaml" || return 1
		keys <"pc-$t.yaml"
	done | sort -t "$TAB" -u -k1,1
}

# doc_keys: the keys docs/stp.yaml.5.scd defines (an item line "*a.b* (..."
# or "*a.b*, *a.c* (..."), sorted
doc_keys() {
	grep -E '^\*[a-z_]+\.[a-z_.]+\*(, \*[a-z_]+\.[a-z_.]+\*)* \(' "$STP_ROOT/docs/stp.yaml.5.scd" |
		sed 's/ (.*//' | grep -oE '[a-z_]+\.[a-z_.]+' | sort -u
}

# readme_keys: the README's table, "dotted.key" or "dotted.key<TAB>default", sorted
readme_keys() {
	sed -n '/^| section | tool | keys/,/^$/p' "$STP_ROOT/README.md" | grep -E '^\| `' |
		awk -F' \\| ' '{ sec = $1; gsub(/[|` ]/, "", sec); n = split($3, k, ", ")
		for (i = 1; i <= n; i++) { sub(/ \|$/, "", k[i]); v = k[i]; name = k[i]
			sub(/ .*/, "", name)
			if (v ~ /\(/) { sub(/^[^(]*\(/, "", v); sub(/\)$/, "", v); print sec "." name "\t" v }
			else print sec "." name } }' | sort -t "$TAB" -u -k1,1
}

# round_trip TOOL [FLAGS...]: TOOL FLAGS --print-config prints YAML that TOOL
# reads back with -c to the same output
round_trip() {
	run --separate-stderr "$@" --print-config
	assert_success
	assert_stderr ""
	[[ -n "$output" ]]
	printf '%s\n' "$output" >a.yaml
	run --separate-stderr "$1" -c a.yaml --print-config
	assert_success
	[[ "$output" == "$(cat a.yaml)" ]] || fail "$1: the round trip differs"
}

@test "--print-config: every tool prints YAML that it reads back with -c to the same" {
	for t in $TOOLS; do
		round_trip "$t" -c "$STP_ROOT/configs/small.yaml"
	done
}

@test "configs/lean.yaml: every tool reads it, and it holds STP's Lean settings" {
	L=$STP_ROOT/configs/lean.yaml
	for t in $TOOLS; do
		round_trip "$t" -c "$L"
	done
	run --separate-stderr stp-verify -c "$L" --print-config
	assert_line '  backend: "lean"'
	assert_line '  lean_cmd: "lake exe repl"'
	assert_line '  timeout: 200.0'
	assert_line '  lean_mem: 15360'
	assert_line '  lean_header_timeout: 210.0'
	run --separate-stderr stp-prove -c "$L" --print-config
	assert_line '  backend: "openai"'
	assert_line '  max_tokens: 1024'
	assert_line '  stop: ["```"]'
	assert_line '  lean_prompt: "non-cot"'
	assert_line '  model: "kfdong/STP_model_Lean_0320"'
	run --separate-stderr stp-conjecture -c "$L" --print-config
	assert_line '  backend: "openai"'
	assert_line '  max_tokens: 1024'
	assert_line '  stop: ["</hard theorem>", "```"]'
	run --separate-stderr stp-leandata -c "$L" --print-config
	assert_output 'leandata:
  header: "import Mathlib\nimport Aesop\nset_option maxHeartbeats 0\nopen BigOperators Real Nat Topology Rat\n\n"'
}

@test "--print-config without -c prints the built-in defaults, which read back the same" {
	for t in $TOOLS; do
		round_trip "$t"
	done
}

@test "--print-config: a flag overrides the file's value, in every tool" {
	while IFS='|' read -r t yaml flags line; do
		printf "$yaml" >c.yaml
		run --separate-stderr "$t" -c c.yaml --print-config
		assert_success
		[[ "$output" != *"$line"* ]] || fail "$t: '$line' without the flag"
		# shellcheck disable=SC2086
		run --separate-stderr "$t" -c c.yaml $flags --print-config
		assert_success
		assert_line "$line"
	done <<'EOF'
stp-seed|seed:\n  seed: 5\n|--seed 7|  seed: 7
stp-conjecture|conjecture:\n  samples: 4\n|-n 6|  samples: 6
stp-prove|prove:\n  samples: 4\n|-n 6|  samples: 6
stp-verify|verify:\n  jobs: 1\n|-j 3|  jobs: 3
stp-reward|reward:\n  seed: 5\n|--seed 7|  seed: 7
stp-train|train:\n  seed: 5\n|--seed 7|  seed: 7
stp-passk|passk:\n  split: train\n|--split test|  split: "test"
stp-sftdata|sftdata:\n  seed: 5\n|--seed 7|  seed: 7
stp-mmdata|mmdata:\n  name: x\n|--name y|  name: "y"
stp-leandata|leandata:\n  header: "import Mathlib\\n"\n|--header x|  header: "x"
EOF
}

@test "--print-config: the file's value shows over the built-in default" {
	printf 'seed:\n  threshold: 0.5\n' >c.yaml
	run --separate-stderr stp-seed -c c.yaml --print-config
	assert_success
	assert_line "  threshold: 0.5"
	run --separate-stderr stp-seed --print-config
	assert_line "  threshold: 0.35"
}

@test "--print-config: a bad configuration is still an error (78)" {
	printf 'seed:\n  threshold: 2\n' >c.yaml
	run --separate-stderr stp-seed -c c.yaml --print-config
	assert_failure 78
	assert_output ""
	assert_stderr "stp-seed: c.yaml:2:14: 'seed.threshold': expected a number from 0 to 1"
}

@test "stp-prove --print-config: the openai section with its flags" {
	run --separate-stderr stp-prove --backend openai --endpoint http://h:1 --concurrency 3 \
		--stop '</x>' --print-config
	assert_success
	assert_line '  backend: "openai"'
	assert_line '  stop: ["</x>"]'
	assert_line '  endpoints: ["http://h:1"]'
	assert_line '  concurrency: 3'
}

@test "stp-train --print-config --phase iter: --steps and --epochs set train.iter's" {
	printf 'train:\n  steps: 100\n  iter:\n    steps: 5\n' >c.yaml
	run --separate-stderr stp-train -c c.yaml --phase iter --steps 9 --print-config
	assert_success
	assert_line "  steps: 100"
	assert_line "    steps: 9"
	run --separate-stderr stp-train -c c.yaml --phase iter --epochs 2 --print-config
	assert_line "    steps: ~"
	assert_line "    epochs: 2.0"
	run --separate-stderr stp-train -c c.yaml --steps 9 --print-config
	assert_line "  steps: 9"
	assert_line "    steps: 5"
}

@test "stp-train: a misspelt train.iter key is an error without --phase iter too" {
	printf 'train:\n  iter:\n    lr_mni: 0.1\n' >c.yaml
	run --separate-stderr stp-train -c c.yaml --print-config
	assert_failure 78
	assert_stderr_regexp "^stp-train: c.yaml:3:5: unknown key 'train.iter.lr_mni' \\(known: batch, "
}

@test "a value outside a key's set of names is 78 at its place" {
	printf 'verify:\n  backend: coq\n' >c.yaml
	run --separate-stderr stp-verify -c c.yaml --print-config
	assert_failure 78
	assert_stderr "stp-verify: c.yaml:2:12: 'verify.backend': expected metamath, lean or isabelle, got 'coq'"
}

@test "stp-config --print-config prints every key of the file, which reads back the same" {
	run --separate-stderr stp-config -c "$STP_ROOT/configs/small.yaml" --print-config
	assert_success
	assert_line "  iter:"
	assert_line "    replay_share: 0.5"
	printf '%s\n' "$output" >a.yaml
	run --separate-stderr stp-config -c a.yaml --print-config
	assert_success
	[[ "$output" == "$(cat a.yaml)" ]]
	run --separate-stderr stp-config -c a.yaml train.iter.replay_share
	assert_output "0.5"
}

@test "stp.yaml(5) documents every key of the code, and no other" {
	code_keys >code.txt
	cut -f1 code.txt >code-keys.txt
	doc_keys >doc-keys.txt
	[[ $(wc -l <code-keys.txt) -gt 100 ]]
	diff code-keys.txt doc-keys.txt || fail "the code's keys (<) and stp.yaml(5)'s (>) differ"
}

@test "stp.yaml(5) gives every key a type and a default" {
	run grep -E '^\*[a-z_]+\.[a-z_.]+\* \(' "$STP_ROOT/docs/stp.yaml.5.scd"
	assert_success
	while IFS= read -r l; do
		[[ $l =~ \((string|integer|number|boolean|list) ]] || fail "no type: $l"
	done <<<"$output"
	# the default may be on the item's second line
	run awk '/^\*[a-z_]+\.[a-z_.]+\*.* \(/ { item = $0; getline nx
		if ((item " " nx) !~ /default/) print item }' "$STP_ROOT/docs/stp.yaml.5.scd"
	assert_output ""
}

@test "the README's key table is the code's, with the built-in defaults it states" {
	code_keys >code.txt
	readme_keys >readme.txt
	diff <(cut -f1 code.txt) <(cut -f1 readme.txt) ||
		fail "the code's keys (<) and the README's (>) differ"
	# every default the README states is the built-in one
	join -t "$TAB" code.txt readme.txt | while IFS="$TAB" read -r k code readme; do
		[[ -n $readme ]] || continue
		code=${code//\"/}
		code=${code// /}
		readme=${readme// /}
		awk -v a="$code" -v b="$readme" 'BEGIN {
			if (a == b || (a ~ /^[-0-9.e+]+$/ && b ~ /^[-0-9.e+]+$/ && a + 0 == b + 0)) exit 0
			exit 1 }' || { echo "$k: code $code, README $readme"; return 1; }
	done
}
