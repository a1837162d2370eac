#!/usr/bin/env bats
#
# openai.bats - stp-prove and stp-conjecture --backend openai against scripted
# peers (tests/peers/oai_peer.py), which reproduce the framing and quirks of
# vLLM's, SGLang's and llama.cpp's OpenAI-compatible servers and fail on cue.
# No real server is involved. A peer's completion is a deterministic function
# of (prompt, seed), so every run must give byte for byte the output of the
# plain reference run (one peer, one request at a time, no failures).

load test_helper

PEER="$BATS_TEST_DIRNAME/peers/oai_peer.py"
CHECK="$BATS_TEST_DIRNAME/peers/oai_check.py"

require_python() {
	if ! command -v python3 >/dev/null 2>&1; then
		if [[ -n "${CI:-}" ]]; then
			fail "python3 is not installed (CI must install the Debian package 'python3')"
		fi
		skip "python3 is not installed (apt-get install python3)"
	fi
}

setup() {
	require_python
	cd "$BATS_TEST_TMPDIR" || return 1
	for i in $(seq 0 7); do
		printf '{"id":"lean/%d","system":"lean","context":"import Mathlib\\nopen Nat\\n","statement":"theorem t%d (n : Nat) : n + %d = %d + n := by","split":"test","extra":{"k":[%d,"é"]}}\n' \
			"$i" "$i" "$i" "$i" "$i"
	done >stmts.jsonl
	printf '%s\n' '{"id":"lean/u","system":"lean","context":"import Mathlib\n","statement":"theorem u (x : ℝ) : x ≤ x := by"}' >>stmts.jsonl
}

teardown() {
	local p
	if [[ -f "$BATS_TEST_TMPDIR/peers.pid" ]]; then
		while read -r p; do kill "$p" 2>/dev/null || true; done <"$BATS_TEST_TMPDIR/peers.pid"
	fi
}

# start_peer NAME [ARGS...]: a scripted server logging to NAME.log; its URL in $url
start_peer() {
	local name=$1 i
	shift
	rm -f "$name.port"
	python3 "$PEER" --port-file "$name.port" --log "$name.log" "$@" 3>&- &
	echo $! >>"$BATS_TEST_TMPDIR/peers.pid"
	for i in $(seq 200); do
		[[ -s $name.port ]] && break
		sleep 0.05
	done
	[[ -s $name.port ]] || return 1
	url="http://127.0.0.1:$(cat "$name.port")"
}

prove() {
	stp-prove --backend openai --model m -n 6 --backoff 0.02 "$@"
}

# the reference: one vLLM-style peer, one request at a time, no failures
reference() {
	start_peer ref "$@"
	prove -q --concurrency 1 --endpoint "$url" stmts.jsonl >ref.jsonl
	python3 "$CHECK" attempts stmts.jsonl ref.jsonl 6
}

@test "openai: stp-prove --help lists the backend's flags" {
	run --separate-stderr stp-prove --help
	assert_success
	assert_output --partial "--backend B"
	assert_output --partial "--endpoint URL"
	assert_output --partial "--concurrency N"
}

@test "openai: stp-conjecture --help lists the backend's flags" {
	run --separate-stderr stp-conjecture --help
	assert_success
	assert_output --partial "--endpoint URL"
}

@test "openai: a bad --backend exits 64" {
	run --separate-stderr stp-prove --backend gpu stmts.jsonl
	assert_failure 64
	assert_stderr "stp-prove: --backend: expected builtin or openai, got 'gpu'"
}

@test "openai: no endpoint exits 64" {
	run --separate-stderr stp-prove --backend openai --model m stmts.jsonl
	assert_failure 64
	assert_stderr "stp-prove: no endpoint: give --endpoint URL (or openai.endpoints in the configuration)"
}

@test "openai: no model exits 64" {
	run --separate-stderr stp-prove --backend openai --endpoint http://127.0.0.1:9 stmts.jsonl
	assert_failure 64
	assert_stderr "stp-prove: no model: give --model NAME (or openai.model in the configuration)"
}

@test "openai: --concurrency 0 exits 64" {
	run --separate-stderr stp-prove --backend openai --model m --endpoint http://x --concurrency 0 stmts.jsonl
	assert_failure 64
}

@test "openai: every sample arrives once, in input order, the record passed through" {
	start_peer a
	run --separate-stderr prove --endpoint "$url" --concurrency 8 stmts.jsonl
	assert_success
	printf '%s\n' "$output" >out.jsonl
	python3 "$CHECK" attempts stmts.jsonl out.jsonl 6
	assert_line --index 0 --regexp '^\{"id":"lean/0",.*"extra":\{"k":\[0,"é"\]\},"proof":"\\n  tac_[0-9a-f]{4}.*","format":"lean","sample":0,"model":"m","gen_tokens":[0-9]+,"gen_stop":"stop","gen_seed":[0-9]+,"prompt_tokens":[0-9]+\}$'
	# the proof is the completion cut before the stop sequence
	refute_output --partial '```'
	refute_output --partial 'trailing text'
	assert_stderr "stp-prove: 54 requests for 54 samples; 0 retried"
}

@test "openai: every sampling field is sent explicitly; sample i asks for seed base + i" {
	start_peer a
	prove -q --endpoint "$url" --temperature 0.7 --top-p 0.95 --max-tokens 64 --seed 5 \
		stmts.jsonl >out.jsonl
	run python3 "$CHECK" fields a.log
	assert_output "model prompt n max_tokens temperature top_p seed stop stream"
	run grep -c '"n": 1, "max_tokens": 64, "temperature": 0.7, "top_p": 0.95, "seed": [0-9]*, "stop": \["```"\], "stream": false' a.log
	assert_output 54
	grep -q '"prompt": "Complete the following Lean 4 code:\\n\\n```lean4\\nimport Mathlib\\nopen Nat\\ntheorem t3 (n : Nat) : n + 3 = 3 + n := by"' a.log
	python3 "$CHECK" attempts stmts.jsonl out.jsonl 6
	python3 "$CHECK" seeds a.log out.jsonl
	# another run seed, other samples
	prove -q --endpoint "$url" --seed 6 stmts.jsonl >s6.jsonl
	! cmp -s out.jsonl s6.jsonl
}

@test "openai: --lean-prompt cot: DeepSeek-Prover-V1.5's other format; unknown ones exit 64" {
	start_peer a
	prove -q --endpoint "$url" --lean-prompt cot stmts.jsonl >out.jsonl
	grep -q '"prompt": "Complete the following Lean 4 code with explanatory comments preceding each line of code:\\n\\n```lean4\\nimport Mathlib\\nopen Nat\\ntheorem t3 (n : Nat) : n + 3 = 3 + n := by"' a.log
	run --separate-stderr prove --endpoint "$url" --lean-prompt fancy stmts.jsonl
	assert_failure 64
	assert_stderr "stp-prove: --lean-prompt: expected non-cot or cot, got 'fancy'"
}

@test "openai: the output depends on neither concurrency nor endpoint order" {
	reference
	start_peer a
	a=$url
	start_peer b
	b=$url
	for c in 2 7 64; do
		prove -q --concurrency $c --endpoint "$a" stmts.jsonl >c$c.jsonl
		cmp ref.jsonl c$c.jsonl
	done
	prove -q --concurrency 5 --endpoint "$a" --endpoint "$b" stmts.jsonl >ab.jsonl
	prove -q --concurrency 9 --endpoint "$b/v1/" --endpoint "$a/v1" stmts.jsonl >ba.jsonl
	cmp ref.jsonl ab.jsonl
	cmp ref.jsonl ba.jsonl
	# both endpoints were used
	[[ $(wc -l <a.log) -gt 0 && $(wc -l <b.log) -gt 0 ]]
}

@test "openai: a server that dies mid-run and comes back: retries, nothing lost or duplicated" {
	reference
	start_peer a --die-after 25 --down-for 1
	run --separate-stderr prove --concurrency 6 --endpoint "$url" stmts.jsonl
	assert_success
	printf '%s\n' "$output" >out.jsonl
	cmp ref.jsonl out.jsonl
	assert_stderr_regexp '; [1-9][0-9]* retried \([1-9][0-9]* refused, 0 timed out, [0-9]+ truncated,'
}

@test "openai: a server that dies for good: the second endpoint takes over" {
	reference
	start_peer a --die-after 10
	a=$url
	start_peer b
	run --separate-stderr prove --concurrency 4 --endpoint "$a" --endpoint "$url" stmts.jsonl
	assert_success
	printf '%s\n' "$output" >out.jsonl
	cmp ref.jsonl out.jsonl
	assert_stderr_regexp 'retried \([1-9][0-9]* refused'
}

@test "openai: HTTP 429 waits its Retry-After; 500 and 503 are retried" {
	reference
	start_peer a --fail 429:23:1 --fail 500:7 --fail 503:5
	run --separate-stderr prove --concurrency 8 --endpoint "$url" stmts.jsonl
	assert_success
	printf '%s\n' "$output" >out.jsonl
	cmp ref.jsonl out.jsonl
	assert_stderr_regexp ' [1-9][0-9]* HTTP 429, [1-9][0-9]* HTTP 5xx,'
	python3 "$CHECK" retry-after a.log 1
}

@test "openai: truncated, cut, unframed, garbled and reset replies are retried" {
	reference
	start_peer a --fail truncate:5 --fail chunked:7 --fail eof:9 --fail garbage:11 --fail reset:13
	run --separate-stderr prove --concurrency 4 --endpoint "$url" stmts.jsonl
	assert_success
	printf '%s\n' "$output" >out.jsonl
	cmp ref.jsonl out.jsonl
	assert_stderr_regexp ' [1-9][0-9]* truncated, 0 HTTP 429, 0 HTTP 5xx, [1-9][0-9]* malformed\)'
}

@test "openai: a reply slower than --timeout is abandoned and asked again" {
	reference
	start_peer a --fail slow:9:3
	run --separate-stderr prove --concurrency 8 --timeout 0.5 --endpoint "$url" stmts.jsonl
	assert_success
	printf '%s\n' "$output" >out.jsonl
	cmp ref.jsonl out.jsonl
	assert_stderr_regexp ' [1-9][0-9]* timed out,'
}

@test "openai: SGLang's framing; an aborted request is asked again" {
	reference --flavor sglang
	start_peer a --flavor sglang --fail abort:4 --fail 503:9
	run --separate-stderr prove --concurrency 3 --endpoint "$url" stmts.jsonl
	assert_success
	printf '%s\n' "$output" >out.jsonl
	cmp ref.jsonl out.jsonl
	assert_stderr_regexp ' [1-9][0-9]* malformed\)'
}

@test "openai: the reorder buffer is bounded: a slow first request holds back at most --window samples" {
	start_peer a --fail-at slow:1:1.5
	prove -q --concurrency 4 --window 8 --endpoint "$url" stmts.jsonl >out.jsonl
	python3 "$CHECK" attempts stmts.jsonl out.jsonl 6
	# while the first request was answered, only the first two statements
	# (12 samples: the window, 8, and the job that crossed it) were asked for
	python3 "$CHECK" window a.log 1.2 2
}

@test "openai: with --choices > 1, vLLM's per-choice seeds give the same samples" {
	reference
	start_peer a
	prove -q --choices 4 --endpoint "$url" stmts.jsonl >out.jsonl
	# a request asked for 4, then the rest (6 = 4 + 2)
	[[ $(wc -l <a.log) == 18 ]]
	grep -q '"n": 4,' a.log
	# usage is summed over a reply's choices: gen_tokens is a share of it there
	python3 "$CHECK" strip ref.jsonl gen_tokens >ref.stripped
	python3 "$CHECK" strip out.jsonl gen_tokens >out.stripped
	cmp ref.stripped out.stripped
}

@test "openai: llama.cpp refusing n > 1 (HTTP 500): one choice at a time, the same samples" {
	reference --flavor llamacpp
	start_peer a --flavor llamacpp
	run --separate-stderr prove --choices 4 --concurrency 4 --endpoint "$url" stmts.jsonl
	assert_success
	printf '%s\n' "$output" >out.jsonl
	cmp ref.jsonl out.jsonl
	assert_stderr_regexp '; 0 retried .*; 1 endpoint taking one choice at a time$'
}

@test "openai: an older llama.cpp ignoring n: fewer choices come back, the rest are asked again" {
	reference --flavor llamacpp-old
	start_peer a --flavor llamacpp-old --fail fewer:3
	run --separate-stderr prove --choices 3 --concurrency 4 --endpoint "$url" stmts.jsonl
	assert_success
	printf '%s\n' "$output" >out.jsonl
	cmp ref.jsonl out.jsonl
	assert_stderr_regexp '; [1-9][0-9]* repl(y|ies) with fewer choices than asked for'
}

@test "openai: SGLang gives every choice of a request one seed: why --choices defaults to 1" {
	start_peer a --flavor sglang
	prove -q --choices 6 --endpoint "$url" stmts.jsonl >out.jsonl
	# all six samples of a statement are one sample
	[[ $(grep '"id":"lean/0"' out.jsonl | grep -o '"proof":"[^"]*"' | sort -u | wc -l) == 1 ]]
	prove -q --endpoint "$url" stmts.jsonl >one.jsonl
	[[ $(grep '"id":"lean/0"' one.jsonl | grep -o '"proof":"[^"]*"' | sort -u | wc -l) -gt 1 ]]
}

@test "openai: a server that keeps failing: exit 69 after --retries, naming it; no partial file" {
	start_peer a --fail 503:1
	run --separate-stderr prove --retries 2 --endpoint "$url" -o out.jsonl stmts.jsonl
	assert_failure 69
	assert_stderr_regexp "^stp-prove: no answer from 'http://127\.0\.0\.1:[0-9]+' for 'lean/[0-9]+' after 3 attempts: HTTP 503: scripted failure$"
	[[ ! -e out.jsonl ]]
	[[ -z $(ls -A | grep '^\.out') ]]
	run --separate-stderr prove --retries 1 --endpoint http://127.0.0.1:9 stmts.jsonl
	assert_failure 69
	assert_stderr_regexp "^stp-prove: no answer from 'http://127\.0\.0\.1:9' for 'lean/[0-9]+' after 2 attempts: (Couldn't|Could not) connect to server$"
}

@test "openai: a 4xx other than 429 stops the run with the server's words" {
	start_peer a --served-model prover-7b
	run --separate-stderr prove --model nope --endpoint "$url" stmts.jsonl
	assert_failure 69
	assert_stderr_regexp "^stp-prove: 'http://127\.0\.0\.1:[0-9]+' refused 'lean/[0-9]+': HTTP 404: The model \`nope\` does not exist\.$"
	start_peer b --max-prompt-chars 40
	run --separate-stderr prove --concurrency 1 --endpoint "$url" stmts.jsonl
	assert_failure 69
	assert_stderr_regexp "refused 'lean/0': HTTP 400: This model's maximum context length is 40 tokens"
	[[ $(wc -l <b.log) == 1 ]]
}

@test "openai: the API key comes from the environment, never the command line" {
	start_peer a --api-key sekret
	run --separate-stderr prove --endpoint "$url" stmts.jsonl
	assert_failure 69
	assert_stderr_regexp "HTTP 401: Unauthorized$"
	OPENAI_API_KEY=sekret prove -q --endpoint "$url" stmts.jsonl >out.jsonl
	python3 "$CHECK" attempts stmts.jsonl out.jsonl 6
	MY_KEY=sekret prove -q --api-key-env MY_KEY --endpoint "$url" stmts.jsonl >out2.jsonl
	cmp out.jsonl out2.jsonl
	grep -q '"auth": "Bearer sekret"' a.log
}

@test "openai: the configuration's openai section and prove.backend, prove.stop" {
	reference
	start_peer a
	printf 'prove:\n  backend: openai\n  samples: 6\n  stop: ["\\n  tac_0", "```"]\nopenai:\n  endpoints: ["%s"]\n  model: m\n  concurrency: 3\n  backoff: 0.02\n' "$url" >c.yaml
	stp-prove -q -c c.yaml stmts.jsonl >out.jsonl
	python3 "$CHECK" attempts stmts.jsonl out.jsonl 6
	grep -q '"stop": \["\\n  tac_0", "```"\]' a.log
	printf 'prove:\n  backend: openai\nopenai:\n  endpoints: ["%s"]\n  modle: m\n' "$url" >bad.yaml
	run --separate-stderr stp-prove -c bad.yaml stmts.jsonl
	assert_failure 78
	assert_stderr_regexp "openai\.modle"
}

@test "openai: a server that leaves the stop sequence in: the client cuts it" {
	reference
	start_peer a --keep-stop
	prove -q --endpoint "$url" stmts.jsonl >out.jsonl
	cmp ref.jsonl out.jsonl
}

@test "openai: a bad record exits 65 naming it; -k skips it and still exits 65" {
	start_peer a
	{ head -2 stmts.jsonl; echo '{"id":"x","system":"lean"}'; tail -2 stmts.jsonl; } >bad.jsonl
	run --separate-stderr prove --endpoint "$url" bad.jsonl
	assert_failure 65
	assert_stderr "stp-prove: bad.jsonl:3: field 'statement': missing"
	[[ ${#lines[@]} == 12 ]]
	run --separate-stderr prove -k --endpoint "$url" bad.jsonl
	assert_failure 65
	[[ ${#lines[@]} == 24 ]]
	assert_stderr "stp-prove: warning: bad.jsonl:3: field 'statement': missing (skipped)
stp-prove: 24 requests for 24 samples; 0 retried
stp-prove: 1 malformed record skipped"
	echo '{"id":"i","system":"coq","statement":"Lemma x: True."}' >coq.jsonl
	run --separate-stderr prove --endpoint "$url" coq.jsonl
	assert_failure 65
	assert_stderr "stp-prove: coq.jsonl:1: field 'system': 'coq' has no prompt format for --backend openai"
}

@test "openai: Metamath statements: the built-in prompt format, steps, stop <eos>" {
	start_peer a
	printf '%s\n' '{"id":"mm/id","system":"metamath","statement":"|- ( ph -> ph )","hyps":[]}' >mm.jsonl
	prove -q -n 2 --endpoint "$url" mm.jsonl >out.jsonl
	grep -q '"prompt": "<bos> <prover> <statement> |- ( ph -> ph ) <proof>"' a.log
	grep -q '"stop": \["<eos>"\]' a.log
	[[ $(grep -c '"format":"steps"' out.jsonl) == 2 ]]
}

@test "openai: Isabelle statements: the theory up to the statement, format isabelle, stop \`\`\`" {
	start_peer a
	printf '%s\n' '{"id":"isa/t","system":"isabelle","context":"Complex_Main","statement":"theorem t: \"(2::nat) + 2 = 4\""}' >isa.jsonl
	prove -q -n 2 --endpoint "$url" isa.jsonl >out.jsonl
	grep -qF '"prompt": "Complete the following Isabelle/HOL theory:\n\n```isabelle\ntheory Scratch imports Complex_Main begin\ntheorem t: \"(2::nat) + 2 = 4\"\n"' a.log
	grep -qF '"stop": ["```"]' a.log
	[[ $(grep -c '"format":"isabelle"' out.jsonl) == 2 ]]
}

@test "openai: a full disk is not success (>/dev/full exits 74)" {
	start_peer a
	run --separate-stderr bash -c "stp-prove --backend openai --model m -n 2 --endpoint '$url' stmts.jsonl >/dev/full"
	assert_failure 74
}

@test "openai: --embed from /v1/embeddings, L2-normalised; without it, the hashed fallback" {
	start_peer a
	stp-prove --backend openai --model m --embed --endpoint "$url" stmts.jsonl >emb.jsonl
	python3 "$CHECK" embeddings stmts.jsonl emb.jsonl 8
	grep -q '"path": "/v1/embeddings"' a.log
	start_peer b --flavor llamacpp
	run --separate-stderr stp-prove --backend openai --model m --embed --endpoint "$url" stmts.jsonl
	assert_success
	printf '%s\n' "$output" >fb.jsonl
	python3 "$CHECK" embeddings stmts.jsonl fb.jsonl 256
	assert_stderr_regexp "^stp-prove: warning: the server has no /v1/embeddings: embedding by hashed tokens instead"
}

@test "stp-conjecture --backend openai: Lean conjectures, well formed, new, reproducible" {
	printf '%s\n' \
		'{"id":"seed/0","system":"lean","context":"import Mathlib\n","statement":"theorem s0 (n : Nat) : n + 0 = n := by","proof":"\n  simp","lemma":"Nat.add_zero","lemma_statement":"theorem Nat.add_zero (n : Nat) : n + 0 = n"}' \
		'{"id":"seed/1","system":"lean","context":"import Mathlib\n","statement":"theorem s1 (a b : Nat) : a + b = b + a := by","proof":"omega","lemma":"Nat.add_comm","samples":4}' \
		'{"id":"seed/2","system":"lean","context":"import Mathlib\n","statement":"theorem s2 : 2 + 2 = 4 := by","proof":"\n  norm_num","lemma":""}' >seeds.jsonl
	start_peer ref
	stp-conjecture --backend openai --model m -n 8 --concurrency 1 --endpoint "$url" --stats st.json seeds.jsonl >ref.jsonl
	# STP's sampling prompt (RL/utils/model_utils.py, get_prompt): no header, no closing
	# tags, " theorem" after "<hard theorem>"; the trivial lemma as "theorem true: True"
	grep -q '"prompt": "Complete the following Lean 4 code:\\n\\n```lean4\\n<lemma>\\ntheorem Nat.add_zero (n : Nat) : n + 0 = n\\n<easy theorem>\\ntheorem s0 (n : Nat) : n + 0 = n := by\\n  simp\\n<hard theorem>\\n theorem"' ref.log
	grep -q '"prompt": "Complete the following Lean 4 code:\\n\\n```lean4\\n<lemma>\\ntheorem true: True\\n<easy theorem>\\ntheorem s2 : 2 + 2 = 4 := by\\n  norm_num\\n<hard theorem>\\n theorem"' ref.log
	grep -q '"stop": \["</hard theorem>", "```"\]' ref.log
	run cat st.json
	assert_output --regexp '^\{"seeds":3,"generated":20,"well_formed":[0-9]+,"new":[0-9]+,"kept":[0-9]+\}$'
	# each kept conjecture is a theorem statement ending ":= by", once
	[[ $(wc -l <ref.jsonl) -ge 3 ]]
	[[ $(grep -c '"statement":"theorem conj_[0-9a-f]* (n : Nat) : n + [0-9] = [0-9] + n := by","split":"conjecture","source":"conjecture","seed":"seed/[0-9]","lemma":"[A-Za-z._]*","iter":0}$' ref.jsonl) == $(wc -l <ref.jsonl) ]]
	[[ $(grep -o '"statement":"[^"]*"' ref.jsonl | sort | uniq -d | wc -l) == 0 ]]
	assert_equal "$(head -c 9 ref.jsonl)" '{"id":"c/'
	start_peer a --fail 503:3 --fail truncate:5
	stp-conjecture -q --backend openai --model m -n 8 --concurrency 6 --backoff 0.02 --endpoint "$url" seeds.jsonl >out.jsonl
	cmp ref.jsonl out.jsonl
	stp-conjecture -q --backend openai --model m -n 8 --backoff 0.02 --max 2 --endpoint "$url" seeds.jsonl >max.jsonl
	cmp max.jsonl <(head -2 ref.jsonl)
	# dataset statements are not conjectured again
	head -1 ref.jsonl >ds.jsonl
	stp-conjecture -q --backend openai --model m -n 8 --backoff 0.02 --dataset ds.jsonl --endpoint "$url" seeds.jsonl >nods.jsonl
	cmp nods.jsonl <(tail -n +2 ref.jsonl)
	# a seed of another system after Lean ones
	{ cat seeds.jsonl; head -1 "$BATS_TEST_DIRNAME/fixtures/prove/seeds.jsonl"; } >mixed.jsonl
	run --separate-stderr stp-conjecture --backend openai --model m --endpoint "$url" mixed.jsonl
	assert_failure 65
	assert_stderr_regexp "mixed\.jsonl:4: field 'system': a 'metamath' seed after 'lean' ones \(one system per input\)$"
}

@test "stp-conjecture --backend openai: Metamath seeds, the built-in backend's prompt, filters and counts" {
	export STP_DB="$STP_ROOT/data/mm-pc/pc.mm"
	[[ -r $STP_DB ]] || fail "data/mm-pc missing: run make data"
	start_peer a
	stp-conjecture --backend openai --model m -n 4 --concurrency 3 --endpoint "$url" --stats st.json \
		"$BATS_TEST_DIRNAME/fixtures/prove/seeds.jsonl" >out.jsonl
	# the prompt is prompt_mm_conjecturer's, the stop <eos>
	grep -q '"prompt": "<bos> <conjecturer> <lemma> ax-mp <hyp> |- ph <hyp> |- ( ph -> ps ) <statement> |- ps <theorem> <hyp> |- ph <hyp> |- ps <hyp> |- ( ph -> ( ps -> ch ) ) <statement> |- ch <proof> ax-mp ps H2 ax-mp ph H1 H3 <conjecture>"' a.log
	grep -q '"stop": \["<eos>"\]' a.log
	# the filters: well formed by the database, new, valid (the peer's
	# "|- ( ph -> W )" of a theorem with hypotheses is not), as the counts say
	run cat st.json
	assert_output '{"seeds":5,"generated":20,"well_formed":16,"duplicate_test":0,"duplicate_dataset":0,"duplicate":8,"new":8,"valid":5,"not_valid":3,"validity_unknown":0,"refuted_dropped":3,"max":-1,"kept":5}'
	[[ $(wc -l <out.jsonl) == 5 ]]
	assert_equal "$(grep -c '"system":"metamath",.*"split":"conjecture","source":"conjecture",.*"valid":true}$' out.jsonl)" 5
	grep -q '"statement":"|- ( ch -> ch )","hyps":\[\],"split":"conjecture","source":"conjecture","seed":"seed/0","lemma":"ax-mp","iter":0,"valid":true}' out.jsonl
	# --max, as the built-in backend's cut
	stp-conjecture -q --backend openai --model m -n 4 --max 2 --endpoint "$url" \
		"$BATS_TEST_DIRNAME/fixtures/prove/seeds.jsonl" >max.jsonl
	[[ $(wc -l <max.jsonl) == 2 ]]
}

# ---- the served name of a checkpoint (openai.model) and the reload hook
# (openai.reload): lib/backend/serve.h

# ckpt DIR: a stand-in checkpoint DIR/model.safetensors (its bytes are all
# that {hash} reads)
ckpt() {
	mkdir -p "$1"
	printf 'weights of %s\n' "$1" >"$1/model.safetensors"
}

@test "openai: --model is the checkpoint; openai.model names it on the server, {run} {iter} {hash} filled in" {
	start_peer a
	ckpt runs/demo/iter-003
	printf 'openai:\n  endpoints: ["%s"]\n  model: "stp-{run}-{iter}-{hash}"\n' "$url" >c.yaml
	stp-prove -q -c c.yaml --backend openai --model runs/demo/iter-003/model.safetensors -n 1 \
		stmts.jsonl >out.jsonl
	h=$(python3 -c 'import re,sys; print(re.search(r"\"model\": \"stp-demo-iter-003-([0-9a-f]{16})\"", open("a.log").read()).group(1))')
	# {hash} is the built-in backend's "model" id of the same file (hash64_file)
	grep -q "\"model\":\"stp-demo-iter-003-$h\"" out.jsonl
	[[ $(grep -c '"model": "stp-demo-iter-003-' a.log) == 9 ]]
	# a relative path from inside the run names the same
	(cd runs/demo/iter-003 && stp-prove -q -c ../../../c.yaml --backend openai --model model.safetensors -n 1 ../../../stmts.jsonl) >out2.jsonl
	cmp out.jsonl out2.jsonl
	# without placeholders, one fixed served model whatever the checkpoint
	printf 'openai:\n  endpoints: ["%s"]\n  model: prover-7b\n' "$url" >f.yaml
	stp-prove -q -c f.yaml --backend openai --model runs/demo/iter-003/model.safetensors -n 1 \
		stmts.jsonl >f.jsonl
	grep -q '"model":"prover-7b"' f.jsonl
}

@test "openai: a bad openai.model template exits 64 (66 for {hash} of a missing checkpoint)" {
	printf 'openai:\n  endpoints: ["http://127.0.0.1:9"]\n  model: "stp-{step}"\n' >c.yaml
	run --separate-stderr stp-prove -c c.yaml --backend openai --model x stmts.jsonl
	assert_failure 64
	assert_stderr "stp-prove: openai.model 'stp-{step}': unknown placeholder at '{step}' (known: {iter}, {run}, {hash})"
	printf 'openai:\n  endpoints: ["http://127.0.0.1:9"]\n  model: "stp-{iter}"\n' >c.yaml
	run --separate-stderr stp-prove -c c.yaml --backend openai stmts.jsonl
	assert_failure 64
	assert_stderr "stp-prove: openai.model 'stp-{iter}' names the checkpoint's {iter}: give --model CHECKPOINT"
	printf 'openai:\n  endpoints: ["http://127.0.0.1:9"]\n  model: "stp-{run}"\n' >c.yaml
	run --separate-stderr stp-prove -c c.yaml --backend openai --model /m.safetensors stmts.jsonl
	assert_failure 64
	assert_stderr "stp-prove: openai.model 'stp-{run}': the checkpoint '/m.safetensors' has no directory for {run}"
	printf 'openai:\n  endpoints: ["http://127.0.0.1:9"]\n  model: "stp-{hash}"\n' >c.yaml
	run --separate-stderr stp-prove -c c.yaml --backend openai --model nope/m.safetensors stmts.jsonl
	assert_failure 66
	assert_stderr "stp-prove: openai.model 'stp-{hash}': cannot read the checkpoint 'nope/m.safetensors' for {hash}: No such file or directory"
}

# reload_hook: a scripted openai.reload that logs its arguments and the
# endpoints, then serves the name (the peer's --served-model-file)
reload_hook() {
	cat >reload.sh <<-'HOOK'
	#!/bin/sh
	echo "$1 $2 $STP_ENDPOINTS" >>reload.log
	echo "$2" >served.txt
	HOOK
	chmod +x reload.sh
}

@test "openai: openai.reload runs when the server does not serve the name, and only then" {
	reload_hook
	start_peer a --served-model-file served.txt
	ckpt runs/demo/iter-001
	ckpt runs/demo/iter-002
	printf 'openai:\n  endpoints: ["%s"]\n  model: "stp-{iter}"\n  reload: ./reload.sh\n' "$url" >c.yaml
	run --separate-stderr stp-prove -c c.yaml --backend openai --model runs/demo/iter-001/model.safetensors -n 1 stmts.jsonl
	assert_success
	assert_stderr_regexp "^stp-prove: '$url' serves nothing, not 'stp-iter-001': running openai.reload"$'\n'"stp-prove: 'stp-iter-001' served after "
	assert_equal "$(cat reload.log)" "runs/demo/iter-001/model.safetensors stp-iter-001 $url"
	# the hook's output went to stderr, not into the records
	[[ $(wc -l <<<"$output") == 9 ]]
	# served already: no hook
	stp-prove -q -c c.yaml --backend openai --model runs/demo/iter-001/model.safetensors -n 1 stmts.jsonl >/dev/null
	[[ $(wc -l <reload.log) == 1 ]]
	# the next iteration's model: the hook again; stp-conjecture too
	stp-conjecture -q -c c.yaml --backend openai --model runs/demo/iter-002/model.safetensors /dev/null
	assert_equal "$(tail -1 reload.log)" "runs/demo/iter-002/model.safetensors stp-iter-002 $url"
	[[ $(grep -c '"path": "/v1/models"' a.log) -ge 5 ]]
}

@test "openai: a reload hook that fails exits 69 naming it; one that does not serve the name too" {
	start_peer a --served-model-file served.txt
	ckpt runs/demo/iter-001
	printf 'openai:\n  endpoints: ["%s"]\n  model: "stp-{iter}"\n  reload: "exit 3;"\n' "$url" >c.yaml
	run --separate-stderr stp-prove -q -c c.yaml --backend openai --model runs/demo/iter-001/model.safetensors -o out.jsonl stmts.jsonl
	assert_failure 69
	assert_stderr "stp-prove: openai.reload 'exit 3;' failed for 'runs/demo/iter-001/model.safetensors' as 'stp-iter-001': exit status 3"
	[[ ! -e out.jsonl ]]
	printf 'openai:\n  endpoints: ["%s"]\n  model: "stp-{iter}"\n  reload: "echo wrong >served.txt; true"\n' "$url" >c.yaml
	run --separate-stderr stp-prove -q -c c.yaml --backend openai --model runs/demo/iter-001/model.safetensors stmts.jsonl
	assert_failure 69
	assert_stderr "stp-prove: openai.reload 'echo wrong >served.txt; true' returned, but '$url' does not serve 'stp-iter-001' (it serves 'wrong')"
	printf 'openai:\n  endpoints: ["http://127.0.0.1:9"]\n  model: "stp-{iter}"\n  reload: "true"\n' >c.yaml
	run --separate-stderr stp-prove -q -c c.yaml --backend openai --model runs/demo/iter-001/model.safetensors stmts.jsonl
	assert_failure 69
	assert_stderr_regexp "^stp-prove: openai.reload 'true' returned, but 'http://127\.0\.0\.1:9' does not answer: (Couldn't|Could not) connect to server$"
}
