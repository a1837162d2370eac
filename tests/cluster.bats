#!/usr/bin/env bats
#
# cluster.bats - the cluster recipe (pipelines/cluster/) on a single-node
# Slurm started here (pipelines/shard-slurm-local.sh): the GPU servers'
# supervisor and reload hook with a stand-in for `vllm serve` (the scripted
# peer, tests/peers/oai_peer.py, started as vLLM would be), the verification
# as a Slurm array job with the scripted Lean REPL (tests/peers/repl.py), the
# external trainer as a Slurm job (the built-in trainer inside), and loop.sh
# driving two iterations through all of them. No GPU, vLLM or Lean is
# involved: what is tested is the scripts' plumbing. Where the local cluster
# cannot start, the Slurm tests fail under CI=1 and skip otherwise.

load test_helper

LOCAL_SLURM=$BATS_TEST_DIRNAME/../pipelines/shard-slurm-local.sh
PEER=$BATS_TEST_DIRNAME/peers/oai_peer.py

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	command -v python3 >/dev/null || return 0   # setup() says so
	[[ -r $STP_ROOT/data/mm-pc/pc.mm ]] || return 0
	scratch_tree base Makefile
	remote_fixture base answers.jsonl
	# a stand-in for `vllm serve MODEL --served-model-name NAME ... --port P`
	cat >fake-vllm.sh <<-EOF
	#!/bin/sh
	model=\$1
	shift
	while [ \$# -gt 0 ]; do
		case \$1 in
		--served-model-name) name=\$2; shift 2 ;;
		--port) port=\$2; shift 2 ;;
		*) shift ;;
		esac
	done
	echo "\$model \$name" >>"$BATS_FILE_TMPDIR/vllm-starts.log"
	exec python3 "$PEER" --port "\$port" --port-file "$BATS_FILE_TMPDIR/vllm.port" \\
		--served-model "\$name" --answers "$BATS_FILE_TMPDIR/answers.jsonl" \\
		--log "$BATS_FILE_TMPDIR/vllm.log"
	EOF
	chmod +x fake-vllm.sh
	# a few SFT examples, for a training
	grep -m 30 . base/data/mm-pc/proofs.jsonl >proofs.jsonl
	"$STP_ROOT/bin/stp-verify" -q -o human.jsonl proofs.jsonl &&
		"$STP_ROOT/bin/stp-sftdata" -o base/ex.jsonl human.jsonl base/data/mm-pc/statements.jsonl 2>/dev/null
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >port
	if "$LOCAL_SLURM" start slurm >slurm.env 2>slurm.why; then
		touch slurm.up
	fi
}

teardown_file() {
	if [[ -d $BATS_FILE_TMPDIR/slurm ]]; then
		# shellcheck disable=SC1091
		source "$BATS_FILE_TMPDIR/slurm.env" 2>/dev/null && scancel --user="$(id -un)" 2>/dev/null
		"$LOCAL_SLURM" stop "$BATS_FILE_TMPDIR/slurm"
	fi
}

setup() {
	if ! command -v python3 >/dev/null 2>&1; then
		[[ -z ${CI:-} ]] || fail "python3 is not installed (CI must install the Debian package 'python3')"
		skip "python3 is not installed (apt-get install python3)"
	fi
	[[ -r $STP_ROOT/data/mm-pc/pc.mm ]] || fail "data/mm-pc missing: run make data"
	T=$BATS_FILE_TMPDIR
	cp -a "$T/base" "$BATS_TEST_TMPDIR/tree"
	cd "$BATS_TEST_TMPDIR/tree" || return 1
	export STP_CLUSTER_DIR=$BATS_TEST_TMPDIR/cluster STP_POLL=0.2
	export STP_VLLM=$T/fake-vllm.sh STP_VLLM_HOST=127.0.0.1 STP_VLLM_PORT=$(cat "$T/port")
	URL=http://127.0.0.1:$STP_VLLM_PORT
	rm -f "$T/vllm-starts.log"
}

teardown() {
	# the servers' job of this test, if any: scancel stops the stand-in too
	if [[ -f $BATS_TEST_TMPDIR/servers.jobid ]]; then
		scancel "$(cat "$BATS_TEST_TMPDIR/servers.jobid")" 2>/dev/null || true
		for _ in $(seq 100); do
			curl -fs --max-time 1 "$URL/v1/models" >/dev/null 2>&1 || break
			sleep 0.1
		done
	fi
}

# require_slurm: the local cluster is up (SLURM_CONF set), or fail under CI
# and skip elsewhere, saying why it is not
require_slurm() {
	if [[ ! -e $T/slurm.up ]]; then
		local why
		why=$(cat "$T/slurm.why" 2>/dev/null)
		[[ -z ${CI:-} ]] || fail "the local Slurm cluster did not start (CI must install slurm-wlm and munge): $why"
		skip "the local Slurm cluster did not start: $why"
	fi
	# shellcheck disable=SC1091
	source "$T/slurm.env"
}

# start_servers: vllm-servers.sbatch on the local cluster, its node registered
start_servers() {
	local i
	sbatch --parsable --output="$BATS_TEST_TMPDIR/servers.out" \
		pipelines/cluster/vllm-servers.sbatch >"$BATS_TEST_TMPDIR/servers.jobid"
	for i in $(seq 300); do
		[[ -s $STP_CLUSTER_DIR/endpoints/127.0.0.1 ]] && return 0
		sleep 0.1
	done
	fail "the servers' job did not register: $(cat "$BATS_TEST_TMPDIR/servers.out")"
}

@test "cluster: every script parses and passes shellcheck" {
	for f in "$STP_ROOT"/pipelines/cluster/*.sh "$STP_ROOT"/pipelines/cluster/*.sbatch; do
		bash -n "$f"
	done
	if ! command -v shellcheck >/dev/null; then
		[[ -z ${CI:-} ]] || fail "shellcheck is not installed (CI must install the Debian package 'shellcheck')"
		skip "shellcheck is not installed (apt-get install shellcheck)"
	fi
	shellcheck "$STP_ROOT"/pipelines/cluster/*.sh "$STP_ROOT"/pipelines/cluster/*.sbatch
	# the example sections read back with every tool that owns one
	for t in stp-prove stp-conjecture stp-reward stp-train; do
		"$t" -c "$STP_ROOT/pipelines/cluster/cluster.yaml" --print-config >/dev/null
	done
}

@test "cluster: the GPU nodes' servers serve what vllm-reload.sh asks for, by name; a server that never does times out, named" {
	require_slurm
	start_servers
	mkdir -p ckpt-a ckpt-b
	run --separate-stderr env STP_ENDPOINTS="$URL" pipelines/cluster/vllm-reload.sh ckpt-a stp-a
	assert_success
	assert_stderr_regexp "^vllm-reload\.sh: ckpt-a served as stp-a by 1 endpoint\(s\) after [0-9]+ s$"
	curl -fsS "$URL/v1/models" | grep -q '"id": "stp-a"'
	assert_equal "$(cat "$STP_CLUSTER_DIR/wanted")" "$PWD/ckpt-a"$'\t'"stp-a"
	# the next model: the server restarted under the new name only
	STP_ENDPOINTS="$URL" pipelines/cluster/vllm-reload.sh ckpt-b stp-b 2>/dev/null
	run curl -fsS "$URL/v1/models"
	assert_output --partial '"id": "stp-b"'
	refute_output --partial '"id": "stp-a"'
	assert_equal "$(cat "$T/vllm-starts.log")" "$PWD/ckpt-a stp-a
$PWD/ckpt-b stp-b"
	# the same model again: no restart
	STP_ENDPOINTS="$URL" pipelines/cluster/vllm-reload.sh ckpt-b stp-b 2>/dev/null
	[[ $(wc -l <"$T/vllm-starts.log") == 2 ]]
	# an endpoint that never serves it
	run --separate-stderr env STP_ENDPOINTS="$URL http://127.0.0.1:9" STP_RELOAD_TIMEOUT=1 \
		pipelines/cluster/vllm-reload.sh ckpt-b stp-b
	assert_failure 1
	assert_stderr "vllm-reload.sh: not served as 'stp-b' after 1 s: http://127.0.0.1:9 (see $STP_CLUSTER_DIR/log)"
	run --separate-stderr pipelines/cluster/vllm-reload.sh ckpt-b stp-b
	assert_failure 64
	assert_stderr "vllm-reload.sh: STP_ENDPOINTS is empty: give the servers' base URLs"
}

@test "cluster: vllm-reload.sh exports a built-in checkpoint with stp-export and serves the directory; a bad one is 65" {
	require_slurm
	start_servers
	cp "$BATS_TEST_DIRNAME/fixtures/train/tiny.yaml" "$BATS_TEST_DIRNAME/fixtures/train/small.jsonl" .
	stp-train -q -c tiny.yaml --db "$STP_ROOT/data/mm-pc/pc.mm" --steps 2 -o m.safetensors small.jsonl
	run --separate-stderr env STP_ENDPOINTS="$URL" pipelines/cluster/vllm-reload.sh m.safetensors stp-m
	assert_success
	[[ -s m.safetensors.hf/config.json && -s m.safetensors.hf/tokenizer.json ]]
	cmp m.safetensors m.safetensors.hf/model.safetensors
	assert_equal "$(cat "$STP_CLUSTER_DIR/wanted")" "$PWD/m.safetensors.hf"$'\t'"stp-m"
	echo 'not a checkpoint' >bad.safetensors
	run --separate-stderr env STP_ENDPOINTS="$URL" pipelines/cluster/vllm-reload.sh bad.safetensors stp-bad
	assert_failure 65
	[[ $stderr == *"vllm-reload.sh: the export of 'bad.safetensors' failed (STP_EXPORT: 'stp-export')" ]] ||
		fail "stderr: $stderr"
	[[ ! -e bad.safetensors.hf ]]
}

@test "cluster: verify.sh runs stp-verify --backend lean over shards as a Slurm array job, as one plain run" {
	require_slurm
	for i in $(seq 0 11); do
		p='  trivial'
		((i % 4 == 1)) && p='  sorry'
		((i % 4 == 2)) && p='  exact foo repl:error=unknown identifier foo'
		printf '{"id":"t%d","system":"lean","context":"import Mathlib","statement":"theorem t%d : True := by","proof":"%s"}\n' \
			"$i" "$i" "$p"
	done >attempts.jsonl
	printf 'verify:\n  backend: lean\n  lean_cmd: "exec python3 %s"\n' "$STP_ROOT/tests/peers/repl.py" >lean.yaml
	stp-verify -q -c lean.yaml -j 2 attempts.jsonl | sed -E 's/"verify_ms":[0-9.e+-]+/"verify_ms":T/' >plain.jsonl
	run --separate-stderr env STP_VERIFY_NODES=3 STP_VERIFY_CPUS=2 \
		pipelines/cluster/verify.sh lean.yaml attempts.jsonl verdicts.jsonl
	assert_success
	sed -E 's/"verify_ms":[0-9.e+-]+/"verify_ms":T/' verdicts.jsonl >got.jsonl
	cmp plain.jsonl got.jsonl
	[[ $(grep -c '"ok":true' got.jsonl) == 6 ]]
	# three array tasks, each a node's pool of 2
	[[ $(ls verdicts.jsonl.shards/log | grep -c '^slurm-[0-9]*_[0-2]\.out$') == 3 ]]
	grep -q -- ' -j 2 ' verdicts.jsonl.shards/cmd
}

@test "cluster: train-external.sh trains as a Slurm job and waits; a trainer that fails gives its status back" {
	require_slurm
	printf 'model: { width: 32, layers: 1, heads: 2, ctx: 256 }\ntrain: { steps: 5, backend: external, external_cmd: pipelines/cluster/train-external.sh }\n' >t.yaml
	mkdir m
	run --separate-stderr stp-train -q -c t.yaml -o m/model.safetensors ex.jsonl
	assert_success
	stp-prove -q --embed --model m/model.safetensors stmts.jsonl >/dev/null
	[[ -s m/model.safetensors.shards/train.sh && -s m/model.safetensors.shards/train.jobid ]]
	ls m/model.safetensors.shards/train-*.out
	run --separate-stderr env STP_TRAINER=false stp-train -q -c t.yaml -o m2.safetensors ex.jsonl
	assert_failure 69
	assert_stderr_regexp "^train-external\.sh: the training job [0-9]+ exited 1 \(see m2\.safetensors\.shards/train-\*\.out\)
stp-train: train\.external_cmd 'pipelines/cluster/train-external\.sh' failed: exit status 1$"
	[[ ! -e m2.safetensors ]]
}

@test "cluster: loop.sh runs iterations 1 and 2: sampling on the GPU nodes' servers, verification and training as Slurm jobs" {
	require_slurm
	start_servers
	# the sections of pipelines/cluster/cluster.yaml, on a tiny run
	remote_config "$URL" pipelines/cluster/vllm-reload.sh pipelines/cluster/train-external.sh >c.yaml
	run --separate-stderr env STP_VERIFY_NODES=2 STP_VERIFY_CPUS=1 STP_EVAL=1 \
		pipelines/cluster/loop.sh tiny 1 2 c.yaml TOOLS_= STMTS=stmts.jsonl
	assert_success
	R=runs/tiny
	for f in attempts.jsonl verdicts.jsonl examples.jsonl state.jsonl stats.json model.safetensors; do
		[[ -s $R/iter-001/$f && -s $R/iter-002/$f ]] || fail "$f missing"
	done
	[[ -s $R/iter-002/eval/passk.json ]]
	# each model served once, under its name, from its checkpoint's Hugging
	# Face export (stp-export, beside it)
	assert_equal "$(cat "$T/vllm-starts.log")" "$PWD/$R/iter-000/model.safetensors.hf stp-tiny-iter-000
$PWD/$R/iter-001/model.safetensors.hf stp-tiny-iter-001
$PWD/$R/iter-002/model.safetensors.hf stp-tiny-iter-002"
	[[ -s $R/iter-002/model.safetensors.hf/config.json ]]
	[[ $(grep -vc '"model":"stp-tiny-iter-001"' $R/iter-002/attempts.jsonl) == 0 ]]
	# the verdicts came from the array jobs, the models from the training jobs
	[[ -d $R/iter-001/verdicts.jsonl.shards && -d $R/iter-002/eval/verdicts.jsonl.shards ]]
	[[ $(grep -c '"ok":true' $R/iter-001/verdicts.jsonl) -gt 100 ]]
	for i in 000 001 002; do
		ls $R/iter-$i/model.safetensors.shards/train-*.out >/dev/null
	done
	# make finds everything up to date: the loop resumes, doing nothing
	run make -s RUN=tiny CONFIG=c.yaml TOOLS_= STMTS=stmts.jsonl -q N=2 $R/iter-002/model.safetensors $R/iter-002/stats.json
	assert_success
}
