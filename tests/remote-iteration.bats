#!/usr/bin/env bats
#
# remote-iteration.bats - a run whose every sampling stage is on an inference
# server and whose training is an external trainer's, by configuration alone:
# make sft, make iteration N=1 and N=2 and make eval N=2, unchanged, against
# the scripted vLLM peer (tests/peers/oai_peer.py: it completes the prover
# prompts of the run's statements with their human proofs for every other
# seed, and Metamath conjecturer prompts with a theorem), a scripted reload
# hook (openai.reload: it logs its arguments and makes the peer serve the
# name) and a scripted external trainer (train.external_cmd: it logs its
# arguments and trains with the built-in trainer on the shards it is given).
# No real server or GPU is involved. The run lives in a scratch tree whose
# bin/, data/, tools/, pipelines/ are links to the repository's, as in
# pipelines.bats; the hook, the trainer and the peer's files live beside it.

load test_helper

PEER="$BATS_TEST_DIRNAME/peers/oai_peer.py"
MK=(make -s -f "$STP_ROOT/Makefile" TOOLS_= RUN=tiny STMTS=stmts.jsonl CONFIG=remote.yaml)

setup_file() {
	local i
	command -v python3 >/dev/null || return 0   # setup() says so
	[[ -r "$STP_ROOT/data/mm-pc/pc.mm" ]] || return 1
	cd "$BATS_FILE_TMPDIR" || return 1
	scratch_tree base
	cd base || return 1
	remote_fixture . ../answers.jsonl
	cat >../reload.sh <<-EOF
	#!/bin/sh
	# the scripted openai.reload: log, then serve the name
	echo "\$1 \$2 \$STP_ENDPOINTS" >>"$BATS_FILE_TMPDIR/reload.log"
	echo "\$2" >"$BATS_FILE_TMPDIR/served.txt"
	EOF
	cat >../trainer.sh <<-EOF
	#!/bin/sh
	# the scripted train.external_cmd: log, check the manifest, train
	echo "\$STP_TRAIN_PHASE|\$1|\$2|\$3|\$4|\$STP_CHECKPOINT" >>"$BATS_FILE_TMPDIR/trainer.log"
	[ -s "\$2" ] || { echo "trainer: no manifest '\$2'" >&2; exit 3; }
	exec stp-train -q --backend builtin -c "\$STP_CONFIG" --from-shards "\$1" \${3:+--init "\$3"} \\
		--phase "\$STP_TRAIN_PHASE" -o "\$4"
	EOF
	chmod +x ../reload.sh ../trainer.sh
	python3 "$PEER" --port-file ../peer.port --log ../peer.log --answers ../answers.jsonl \
		--served-model-file ../served.txt 3>&- &
	echo $! >../peer.pid
	for i in $(seq 200); do
		[[ -s ../peer.port ]] && break
		sleep 0.05
	done
	URL="http://127.0.0.1:$(cat ../peer.port)"
	remote_config "$URL" "$BATS_FILE_TMPDIR/reload.sh" "$BATS_FILE_TMPDIR/trainer.sh" >remote.yaml
	"${MK[@]}" sft >../make.log 2>&1 &&
		"${MK[@]}" iteration N=1 >>../make.log 2>&1 &&
		"${MK[@]}" iteration N=2 >>../make.log 2>&1 &&
		"${MK[@]}" eval N=2 >>../make.log 2>&1
}

teardown_file() {
	[[ -f "$BATS_FILE_TMPDIR/peer.pid" ]] && kill "$(cat "$BATS_FILE_TMPDIR/peer.pid")" 2>/dev/null
	true
}

setup() {
	if ! command -v python3 >/dev/null 2>&1; then
		if [[ -n "${CI:-}" ]]; then
			fail "python3 is not installed (CI must install the Debian package 'python3')"
		fi
		skip "python3 is not installed (apt-get install python3)"
	fi
	[[ -s "$BATS_FILE_TMPDIR/base/runs/tiny/iter-002/eval/passk.json" ]] ||
		fail "the run failed: $(tail -20 "$BATS_FILE_TMPDIR/make.log")"
	T=$BATS_FILE_TMPDIR
	URL="http://127.0.0.1:$(cat "$T/peer.port")"
	cd "$T/base" || return 1
}

# models PATH_IN_LOG: the served names the peer was asked for on a path, counted
models() {
	python3 - "$T/peer.log" "$1" <<-'PY'
	import collections, json, sys
	c = collections.Counter(json.loads(l)["body"].get("model") for l in open(sys.argv[1])
	                        if json.loads(l)["path"] == sys.argv[2])
	for k in sorted(c): print(k, c[k])
	PY
}

@test "remote: make iteration samples every stage from the previous iteration's model, served by name" {
	for f in seeds.jsonl conjectures.jsonl inputs.jsonl attempts.jsonl verdicts.jsonl \
	         examples.jsonl state.jsonl stats.json model.safetensors; do
		[[ -s runs/tiny/iter-001/$f || $f == seeds.jsonl || $f == conjectures.jsonl ]] ||
			fail "iter-001/$f missing or empty"
		[[ -s runs/tiny/iter-002/$f ]] || fail "iter-002/$f missing or empty"
	done
	# each attempt names the served model it came from
	[[ $(grep -vc '"model":"stp-tiny-iter-000"' runs/tiny/iter-001/attempts.jsonl) == 0 ]]
	[[ $(grep -vc '"model":"stp-tiny-iter-001"' runs/tiny/iter-002/attempts.jsonl) == 0 ]]
	[[ $(grep -vc '"model":"stp-tiny-iter-002"' runs/tiny/iter-002/eval/attempts.jsonl) == 0 ]]
	# K = 64 in iteration 1 over the 20 statements not held out, 32 in iteration 2;
	# the peer's answers are proofs: statements proved
	[[ $(grep -c '"sample":63,' runs/tiny/iter-001/attempts.jsonl) == 20 ]]
	[[ $(grep -c '"ok":true' runs/tiny/iter-001/verdicts.jsonl) -gt 100 ]]
	run cat runs/tiny/iter-002/eval/passk.json
	assert_output --regexp '"pass@1":'
	# every completion asked for a served name, none for a checkpoint's path
	run models /v1/completions
	assert_line --regexp '^stp-tiny-iter-000 [0-9]+$'
	assert_line --regexp '^stp-tiny-iter-001 [0-9]+$'
	assert_line "stp-tiny-iter-002 64"
	[[ ${#lines[@]} == 3 ]]
}

@test "remote: the reload hook ran once per model, with its checkpoint, served name and endpoints" {
	run cat "$T/reload.log"
	assert_output "runs/tiny/iter-000/model.safetensors stp-tiny-iter-000 $URL
runs/tiny/iter-001/model.safetensors stp-tiny-iter-001 $URL
runs/tiny/iter-002/model.safetensors stp-tiny-iter-002 $URL"
	# each stage asked what is served first
	[[ $(grep -c '"path": "/v1/models"' "$T/peer.log") -ge 6 ]]
}

@test "remote: iteration 2's conjectures and the Wasserstein step's embeddings came from the server" {
	[[ -s runs/tiny/iter-002/seeds.jsonl ]]
	[[ $(grep -c '"source":"conjecture"' runs/tiny/iter-002/conjectures.jsonl) -gt 0 ]]
	grep -q '"split":"conjecture","source":"conjecture".*"iter":2,"valid":true}$' runs/tiny/iter-002/conjectures.jsonl
	run cat runs/tiny/iter-002/conjectures.stats.json
	assert_output --regexp '^\{"seeds":[1-9][0-9]*,"generated":[1-9][0-9]*,"well_formed":[1-9][0-9]*,'
	# some conjectures proved rarely: conjecturer examples, weighed by the
	# server's embeddings
	[[ $(grep -c '"role":"conjecturer"' runs/tiny/iter-002/examples.jsonl) -gt 0 ]]
	run models /v1/embeddings
	assert_output --regexp '^stp-tiny-iter-001 [1-9][0-9]*$'
}

@test "remote: the external trainer trained every model from the shards, the manifest and the previous checkpoint" {
	run sed 's/\.tmp\.[0-9]*\.ext/.tmp.PID.ext/' "$T/trainer.log"
	assert_output "sft|runs/tiny/iter-000/model.safetensors.shards|runs/tiny/iter-000/model.safetensors.shards/examples.manifest.json||runs/tiny/iter-000/.model.safetensors.tmp.PID.ext|runs/tiny/iter-000/model.safetensors
iter|runs/tiny/iter-001/model.safetensors.shards|runs/tiny/iter-001/model.safetensors.shards/examples.manifest.json|runs/tiny/iter-000/model.safetensors|runs/tiny/iter-001/.model.safetensors.tmp.PID.ext|runs/tiny/iter-001/model.safetensors
iter|runs/tiny/iter-002/model.safetensors.shards|runs/tiny/iter-002/model.safetensors.shards/examples.manifest.json|runs/tiny/iter-001/model.safetensors|runs/tiny/iter-002/.model.safetensors.tmp.PID.ext|runs/tiny/iter-002/model.safetensors"
	# the checkpoints it wrote were renamed into place; nothing temporary left
	for i in 000 001 002; do
		stp-prove -q --embed --model runs/tiny/iter-$i/model.safetensors stmts.jsonl >/dev/null
	done
	[[ -z $(find runs -name '*.tmp*') ]]
	grep -q '"tool":"stp-train","iter":2,.*"backend":"external"' runs/tiny/metrics.jsonl
}

@test "remote: make iteration again finds nothing stale: no request, no hook, no training" {
	n=$(wc -l <"$T/peer.log")
	run "${MK[@]}" -q N=2 runs/tiny/iter-002/model.safetensors runs/tiny/iter-002/stats.json
	assert_success
	"${MK[@]}" iteration N=2 >/dev/null 2>&1
	[[ $(wc -l <"$T/peer.log") == "$n" ]]
	[[ $(wc -l <"$T/reload.log") == 3 ]]
	[[ $(wc -l <"$T/trainer.log") == 3 ]]
}

# copy DIR: a copy of the run after iteration 2, its later stages' files removed
copy() {
	cp -a "$T/base" "$BATS_TEST_TMPDIR/$1"
	cd "$BATS_TEST_TMPDIR/$1" || return 1
}

@test "remote: pipelines/iteration.sh on the same configuration writes make's files, byte for byte" {
	copy c
	rm -rf runs/tiny/iter-001 runs/tiny/iter-002 runs/tiny/verdict-cache.jsonl
	STMTS=stmts.jsonl pipelines/iteration.sh tiny 1 remote.yaml >/dev/null 2>&1
	for f in seeds.jsonl conjectures.jsonl conjectures.stats.json inputs.jsonl attempts.jsonl \
	         verdicts.jsonl examples.jsonl state.jsonl stats.json model.safetensors; do
		cmp "$T/base/runs/tiny/iter-001/$f" "runs/tiny/iter-001/$f"
	done
	# its training went through the trainer too, from iteration 0's model
	tail -1 "$T/trainer.log" | grep -q '^iter|runs/tiny/iter-001/model.safetensors.shards|.*|runs/tiny/iter-000/model.safetensors|'
}

# set_key KEY VALUE: set KEY (openai.reload, train.external_cmd) in the run's
# configuration, its time left older than every stage's (an edit of a later
# stage's setting that does not make iteration 0 stale)
set_key() {
	python3 - runs/tiny/config.yaml "$1" "$2" <<-'PY'
	import re, sys
	p, key, val = sys.argv[1:]
	k = key.split(".")[1]
	s = re.sub(r"(?m)^(\s+%s:).*$" % k, lambda m: m.group(1) + ' "' + val + '"', open(p).read())
	open(p, "w").write(s)
	PY
	touch -d @1 runs/tiny/config.yaml remote.yaml
}

@test "remote: a reload hook that fails stops the iteration: 69, naming the hook (make: non-zero)" {
	copy d
	rm -rf runs/tiny/iter-002
	set_key openai.reload "exit 7;"
	run --separate-stderr env STMTS=stmts.jsonl pipelines/iteration.sh tiny 2 remote.yaml
	assert_failure 69
	assert_stderr_regexp "stp-conjecture: openai.reload 'exit 7;' failed for 'runs/tiny/iter-001/model.safetensors' as 'stp-tiny-iter-001': exit status 7"
	[[ ! -e runs/tiny/iter-002/conjectures.jsonl ]]
	run --separate-stderr "${MK[@]}" iteration N=2
	assert_failure
	assert_stderr_regexp "openai.reload 'exit 7;' failed"
	[[ ! -e runs/tiny/iter-002/conjectures.jsonl ]]
}

@test "remote: a trainer that leaves no checkpoint stops the iteration: 65, naming it; no model" {
	copy e
	printf '#!/bin/sh\necho "trained, but wrote nothing"\n' >lazy.sh
	chmod +x lazy.sh
	set_key train.external_cmd ./lazy.sh
	rm -f runs/tiny/iter-002/model.safetensors
	run --separate-stderr "${MK[@]}" iteration N=2
	assert_failure
	assert_stderr_regexp "stp-train: train.external_cmd './lazy.sh' exited 0 but left no checkpoint at OUT \(for 'runs/tiny/iter-002/model.safetensors'\): it wrote nothing there"
	[[ ! -e runs/tiny/iter-002/model.safetensors ]]
	[[ -z $(find runs -name '*.tmp*') ]]
}

@test "remote: external trainers that fail (69) or write what is not a checkpoint (65), named" {
	copy f
	S=runs/tiny/iter-002/model.safetensors.shards
	run --separate-stderr stp-train -q --backend external --external-cmd "exit 3;" --from-shards "$S" -o m.safetensors
	assert_failure 69
	assert_stderr "stp-train: train.external_cmd 'exit 3;' failed: exit status 3"
	run --separate-stderr stp-train -q --backend external --external-cmd 'sh -c ": >\$4" sh' --from-shards "$S" -o m.safetensors
	assert_failure 65
	assert_stderr_regexp "left no checkpoint at OUT \(for 'm\.safetensors'\): not a safetensors file: shorter than 8 bytes$"
	run --separate-stderr stp-train -q --backend external --external-cmd 'sh -c "mkdir \$4" sh' --from-shards "$S" -o m.safetensors
	assert_failure 65
	assert_stderr_regexp "left no checkpoint at OUT \(for 'm\.safetensors'\): an empty directory$"
	# a directory with a model in it (a Hugging Face directory, say) is taken
	run --separate-stderr stp-train --backend external \
		--external-cmd 'sh -c "mkdir \$4 && cp runs/tiny/iter-001/model.safetensors \$4/ && echo {} >\$4/config.json" sh' \
		--from-shards "$S" -o hf
	assert_success
	[[ -f hf/config.json && -f hf/model.safetensors ]]
	run --separate-stderr stp-train -q --backend external --from-shards "$S" -o m.safetensors
	assert_failure 64
	assert_stderr "stp-train: train.backend external: no command: set train.external_cmd (or give --external-cmd CMD)"
	[[ ! -e m.safetensors ]]
	[[ -z $(ls -A | grep '\.tmp\.') ]]
}
