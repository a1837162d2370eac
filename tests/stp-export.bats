#!/usr/bin/env bats
#
# stp-export.bats - a checkpoint as a Hugging Face model directory, loaded
# by an independent Llama forward in PyTorch (tests/tools/hf_llama.py)
#
# The reference reads config.json, tokenizer.json and the safetensors file
# as transformers and the tokenizers library mean them, computes the logits
# in float64 and compares them with ours (tests/tools/model-logits: the
# training forward at every position and what the sampler saw at each
# step): max |ours - reference| <= 1e-4 * max(1, max |logit|) per prompt.

load test_helper

setup() {
	F="$BATS_TEST_DIRNAME/fixtures/train"
	DB="$STP_ROOT/data/mm-pc/pc.mm"
	[[ -r "$DB" ]] || fail "$DB missing: run make data"
	LOGITS="$STP_ROOT/$(cat "$STP_ROOT/build/flavour")/tests/tools/model-logits"
	REF="$STP_ROOT/tests/tools/hf_llama.py"
	cd "$BATS_TEST_TMPDIR" || return 1
	cp "$F/tiny.yaml" "$F/small.jsonl" .
	cat >prompts.txt <<-'EOF'
	<bos> <prover> <statement> |- ( ph -> ph ) <proof>
	<bos> <prover> <hyp> |- ( ph -> ps ) <hyp> |- ( ps -> ch ) <statement> |- ( ph -> ch ) <proof>
	<bos> <conjecturer> <lemma> ax-mp <hyp> |- ph <hyp> |- ( ph -> ps ) <statement> |- ps <theorem> <hyp> |- ph <hyp> |- ps <hyp> |- ( ph -> ( ps -> ch ) ) <statement> |- ch <proof> ax-mp ps H2 ax-mp ph H1 H3 <conjecture>
	<bos> <lemma> ax-1
	EOF
	printf '  <bos>\t<lemma>   ax-mp \n' >>prompts.txt
}

# Debian's python3-torch is under /usr/bin/python3. Without it a test
# skips, except in CI (CI set), where it fails: tools/deps installs it.
require_torch() {
	if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
		[[ -n "${CI:-}" ]] && fail "python3-torch is not installed (tools/deps installs it)"
		skip "python3-torch is not installed (apt-get install python3-torch)"
	fi
}

# model TIE: a tiny trained checkpoint m.safetensors
model() {
	printf 'model:\n  tie: %s\n' "$1" >tie.yaml
	sed '/^model:/d' tiny.yaml >>tie.yaml
	stp-train -q -c tie.yaml --db "$DB" --steps 60 -o m.safetensors small.jsonl
}

# reference_agrees: our logits on the five prompts (6 tokens drawn after
# each) against the torch reference's on the export hf: every prompt "ok"
reference_agrees() {
	"$LOGITS" m.safetensors 6 <prompts.txt >ours.jsonl
	run --separate-stderr /usr/bin/python3 "$REF" hf ours.jsonl
	assert_success
	[[ ${#lines[@]} == 5 ]]
	for l in "${lines[@]}"; do
		[[ $l == *": ok" ]] || fail "$l"
	done
}

# py EXPR...: a python3 statement run with c = config.json, h = the
# safetensors header of DIR hf
py() {
	/usr/bin/python3 -c 'import json, struct, sys
c = json.load(open("hf/config.json"))
raw = open("hf/model.safetensors", "rb").read()
h = json.loads(raw[8:8 + struct.unpack("<Q", raw[:8])[0]])
'"$1"
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr stp-export --help
	assert_success
	assert_line --index 0 "usage: stp-export [-q] [-c CONFIG] -o DIR CHECKPOINT"
}

@test "the directory: config.json says LlamaForCausalLM with the checkpoint's shape, tied" {
	model true
	run --separate-stderr stp-export -o hf m.safetensors
	assert_success
	assert_output ""
	assert_stderr "stp-export: hf: LlamaForCausalLM, 1565 tokens, 1 layers, width 32, 2 heads, tied embeddings"
	run ls hf
	assert_output "config.json
generation_config.json
model.safetensors
tokenizer.json
tokenizer_config.json"
	run py 'print(c["architectures"], c["model_type"], c["vocab_size"], c["hidden_size"],
c["intermediate_size"], c["num_hidden_layers"], c["num_attention_heads"],
c["num_key_value_heads"], c["head_dim"], c["hidden_act"], c["max_position_embeddings"],
c["rms_norm_eps"], c["rope_theta"], c["rope_scaling"], c["tie_word_embeddings"],
c["bos_token_id"], c["eos_token_id"], c["pad_token_id"], c["torch_dtype"])
print("lm_head.weight" in h, h["model.layers.0.self_attn.q_proj.weight"]["shape"])'
	assert_success
	assert_output "['LlamaForCausalLM'] llama 1565 32 96 1 2 2 16 silu 128 1e-05 10000.0 None True 1 2 0 float32
False [32, 32]"
}

@test "tokenizer.json: WordLevel over the vocabulary, WhitespaceSplit, three special added tokens" {
	model true
	stp-export -q -o hf m.safetensors
	run /usr/bin/python3 -c 'import json
t = json.load(open("hf/tokenizer.json"))
tc = json.load(open("hf/tokenizer_config.json"))
g = json.load(open("hf/generation_config.json"))
v = t["model"]["vocab"]
print(t["model"]["type"], t["model"]["unk_token"], len(v), v["<pad>"], v["<hyp>"], v["ph"])
print(t["pre_tokenizer"], t["normalizer"], t["post_processor"], t["decoder"])
print([(a["id"], a["content"], a["special"]) for a in t["added_tokens"]])
print(tc["tokenizer_class"], tc["bos_token"], tc["eos_token"], tc["pad_token"], tc["clean_up_tokenization_spaces"])
print(g)'
	assert_success
	assert_output "WordLevel <unk> 1565 0 7 24
{'type': 'WhitespaceSplit'} None None None
[(0, '<pad>', True), (1, '<bos>', True), (2, '<eos>', True)]
PreTrainedTokenizerFast <bos> <eos> <pad> False
{'bos_token_id': 1, 'eos_token_id': 2, 'pad_token_id': 0, 'do_sample': True, 'temperature': 1.0, 'top_p': 1.0, 'max_length': 128}"
}

@test "the torch reference reads the tied export: same token ids, logits within 1e-4 of the scale" {
	require_torch
	model true
	stp-export -q -o hf m.safetensors
	reference_agrees
}

@test "the torch reference reads the untied export (lm_head.weight): logits within 1e-4 of the scale" {
	require_torch
	model false
	stp-export -q -o hf m.safetensors
	run py 'print(c["tie_word_embeddings"], h["lm_head.weight"]["shape"])'
	assert_output "False [1565, 32]"
	reference_agrees
}

@test "the torch reference catches a configuration that does not say our model (rope_theta)" {
	require_torch
	model true
	stp-export -q -o hf m.safetensors
	"$LOGITS" m.safetensors 2 <prompts.txt >ours.jsonl
	sed -i 's/"rope_theta": 10000.0/"rope_theta": 500000.0/' hf/config.json
	run --separate-stderr /usr/bin/python3 "$REF" hf ours.jsonl
	assert_failure 1
	assert_line --index 0 --partial "MISMATCH"
}

@test "the exported weights are the checkpoint's bytes; the same checkpoint gives the same directory" {
	model true
	stp-export -q -o a m.safetensors
	cmp m.safetensors a/model.safetensors
	stp-export -q -o b a/model.safetensors
	for f in a/*; do cmp "$f" "b/${f#a/}"; done
}

@test "an earlier export in DIR is replaced, other files are left alone, no temporary stays" {
	model true
	mkdir hf
	echo keep >hf/README.md
	echo '{}' >hf/config.json
	run --separate-stderr stp-export -q -o hf m.safetensors
	assert_success
	[[ $(cat hf/README.md) == keep ]]
	grep -q LlamaForCausalLM hf/config.json
	[[ -z $(ls -A hf | grep '\.tmp\.') ]]
}

@test "a checkpoint that cannot be opened is 66, a corrupt one 65, and nothing is written" {
	run --separate-stderr stp-export -o hf nosuch.safetensors
	assert_failure 66
	assert_stderr "stp-export: 'nosuch.safetensors': cannot open: No such file or directory"
	model true
	head -c 4000 m.safetensors >cut.safetensors
	run --separate-stderr stp-export -o hf cut.safetensors
	assert_failure 65
	assert_stderr_regexp "^stp-export: 'cut.safetensors': truncated"
	printf 'not a checkpoint at all' >bad.safetensors
	run --separate-stderr stp-export -o hf bad.safetensors
	assert_failure 65
	[[ ! -e hf ]]
}

@test "a DIR that is a file, or under a missing directory, or not writable is 73" {
	model true
	: >file
	run --separate-stderr stp-export -o file m.safetensors
	assert_failure 73
	assert_stderr "stp-export: 'file' exists and is not a directory"
	run --separate-stderr stp-export -o no/such/dir m.safetensors
	assert_failure 73
	assert_stderr "stp-export: cannot create 'no/such/dir': No such file or directory"
	run --separate-stderr stp-export -o /sys/stp-export-test m.safetensors
	assert_failure 73
	assert_stderr_regexp "^stp-export: cannot create '/sys/stp-export-test': "
}

@test "no -o, no checkpoint or two checkpoints are bad usage (64)" {
	run --separate-stderr stp-export m.safetensors
	assert_failure 64
	assert_stderr "stp-export: no directory to write: give -o DIR; try 'stp-export -h'"
	run --separate-stderr stp-export -o hf
	assert_failure 64
	assert_stderr "stp-export: expected one CHECKPOINT, got 0; try 'stp-export -h'"
	run --separate-stderr stp-export -o hf a.safetensors b.safetensors
	assert_failure 64
	assert_stderr "stp-export: expected one CHECKPOINT, got 2; try 'stp-export -h'"
}
