#!/usr/bin/env bats
#
# stp-train.bats - examples in, shards and a checkpoint out
#
# A tiny configuration (tests/fixtures/train/tiny.yaml) keeps each training
# run to a fraction of a second.

load test_helper

setup() {
	F="$BATS_TEST_DIRNAME/fixtures/train"
	DB="$STP_ROOT/data/mm-pc/pc.mm"
	[[ -r "$DB" ]] || fail "$DB missing: run make data"
	cd "$BATS_TEST_TMPDIR" || return 1
	cp "$F"/* .
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr stp-train --help
	assert_success
	assert_line --index 0 --partial "usage: stp-train"
}

@test "a bogus flag exits 64" {
	run --separate-stderr stp-train --bogus
	assert_failure 64
}

@test "no checkpoint to write exits 64" {
	run --separate-stderr stp-train small.jsonl
	assert_failure 64
	assert_stderr "stp-train: no checkpoint to write: give -o FILE (or --shards-only --shards DIR)"
}

@test "a tiny run writes a checkpoint and its shards" {
	run --separate-stderr stp-train -q -c tiny.yaml -o m.safetensors small.jsonl
	assert_success
	[[ -s m.safetensors ]]
	[[ -s m.safetensors.shards/examples.manifest.json ]]
	run zcat m.safetensors.shards/examples-00000.jsonl.gz
	assert_line --index 0 '{"role":"prover","prompt":"<bos> <prover> <statement> |- ( ph -> ph ) <proof>","target":"mpd ( ph -> ph ) ax-1 ax-1 <eos>","weight":1.0}'
	assert_line --index 1 --partial '"prompt":"<bos> <prover> <hyp> |- ( ph -> ps ) <hyp> |- ( ps -> ch ) <statement> |- ( ph -> ch ) <proof>"'
	assert_line --index 2 --partial '"prompt":"<bos> <conjecturer> <lemma> ax-mp <hyp> |- ph <hyp> |- ( ph -> ps ) <statement> |- ps <theorem> <hyp> |- ph <hyp> |- ps <hyp> |- ( ph -> ( ps -> ch ) ) <statement> |- ch <proof> ax-mp ps H2 ax-mp ph H1 H3 <conjecture>","target":"<statement> |- ( ph -> ph ) <eos>"'
	assert_line --index 3 '{"role":"label","prompt":"<bos> <lemma> ax-1","target":"<statement> |- ( ph -> ( ps -> ph ) ) <eos>","weight":1.0}'
	[[ -z $(ls -A | grep '\.tmp\.') ]]
}

@test "the same seed gives a byte-identical checkpoint, with 1 or 2 threads" {
	stp-train -q -c tiny.yaml -j 1 -o a.safetensors small.jsonl
	stp-train -q -c tiny.yaml -j 2 -o b.safetensors small.jsonl
	cmp a.safetensors b.safetensors
	stp-train -q -c tiny.yaml --seed 8 -o c.safetensors small.jsonl
	! cmp -s a.safetensors c.safetensors
}

@test "--replay: all replayed examples with replay_share 1 (the default), none with 0" {
	run --separate-stderr stp-train --shards-only --shards sh --replay small.jsonl small.jsonl
	assert_success
	[[ $(zcat sh/examples-*.jsonl.gz | wc -l) == 8 ]]
	printf 'train:\n  iter:\n    replay_share: 0\n' >r0.yaml
	run --separate-stderr stp-train -c r0.yaml --phase iter --shards-only --shards sh0 --replay small.jsonl small.jsonl
	assert_success
	[[ $(zcat sh0/examples-*.jsonl.gz | wc -l) == 4 ]]
}

@test "--replay: replay_share caps the replayed share of the weighted target tokens (a seeded subset)" {
	# 40 new examples of 4 target tokens (160); 400 replayed ones of 4:
	# share 0.5 keeps 160 tokens' worth, 40 of them; share 0.2, 40 tokens: 10
	for i in $(seq 40); do echo '{"role":"prover","statement":"|- ( ph -> ph )","target":"mpd ( ph -> ph ) ax-1 ax-1"}'; done >new.jsonl
	for i in $(seq 400); do echo '{"role":"prover","statement":"|- ( ps -> ps )","target":"mpd ( ps -> ps ) ax-1 ax-1"}'; done >rep.jsonl
	printf 'train:\n  iter:\n    replay_share: 0.5\n' >r5.yaml
	run --separate-stderr stp-train -c r5.yaml --phase iter --shards-only --shards s5 --replay rep.jsonl new.jsonl
	assert_success
	assert_stderr_regexp "replayed 40 of 400 examples: 50.0% of the weighted target tokens \(at most 50%\)"
	[[ $(zcat s5/examples-*.jsonl.gz | grep -c 'ps -> ps') == 40 ]]
	printf 'train:\n  iter:\n    replay_share: 0.2\n' >r2.yaml
	run --separate-stderr stp-train -c r2.yaml --phase iter --shards-only --shards s2 --replay rep.jsonl new.jsonl
	[[ $(zcat s2/examples-*.jsonl.gz | grep -c 'ps -> ps') == 10 ]]
	# weights count: replayed examples of weight 0.5 take twice as many
	sed 's/}$/,"weight":0.5}/' rep.jsonl >rep5.jsonl
	run --separate-stderr stp-train -c r2.yaml --phase iter --shards-only --shards s3 --replay rep5.jsonl new.jsonl
	[[ $(zcat s3/examples-*.jsonl.gz | grep -c 'ps -> ps') == 20 ]]
}

@test "train.iter.replay_share out of [0, 1] is a configuration error (78)" {
	printf 'train:\n  iter:\n    replay_share: 1.5\n' >bad.yaml
	run --separate-stderr stp-train -c bad.yaml --phase iter --shards-only --shards sh --replay small.jsonl small.jsonl
	assert_failure 78
	assert_stderr "stp-train: bad.yaml:3:19: 'train.iter.replay_share': expected a number from 0 to 1"
}

@test "--held-out: an example of any role stating a test statement up to renaming is an error (65)" {
	S="$STP_ROOT/data/mm-pc/statements.jsonl"
	# mp2b (test): |- ch from |- ph, |- ( ph -> ps ), |- ( ps -> ch ); renamed and reordered
	echo '{"role":"prover","statement":"|- th","hyps":["|- ( ch -> th )","|- ps","|- ( ps -> ch )"],"target":"H1"}' >p.jsonl
	run --separate-stderr stp-train --held-out "$S" --shards-only --shards sh small.jsonl p.jsonl
	assert_failure 65
	assert_stderr "stp-train: p.jsonl:1: the example states a \`test\` statement of $S (up to renaming and hypothesis order): it must never be trained on"
	echo '{"role":"conjecturer","lemma":"","lemma_statement":"","theorem":"|- ph","theorem_proof":"H1","theorem_hyps":["|- ph"],"target":"|- ch","target_hyps":["|- ( ps -> ch )","|- ph","|- ( ph -> ps )"]}' >c.jsonl
	run --separate-stderr stp-train --held-out "$S" --shards-only --shards sh c.jsonl
	assert_failure 65
	echo '{"role":"label","label":"x","target":"|- ( ps -> ph )","target_hyps":["|- ph"]}' >l.jsonl
	run --separate-stderr stp-train --held-out "$S" --shards-only --shards sh l.jsonl
	assert_failure 65
	# in a replayed file too
	run --separate-stderr stp-train --held-out "$S" --shards-only --shards sh --replay p.jsonl small.jsonl
	assert_failure 65
	# the same statement with a hypothesis fewer is another statement
	echo '{"role":"prover","statement":"|- th","hyps":["|- ( ch -> th )","|- ps"],"target":"H1"}' >q.jsonl
	run --separate-stderr stp-train --held-out "$S" --shards-only --shards sh small.jsonl q.jsonl
	assert_success
}

@test "--shards-only writes the shards and stops" {
	run --separate-stderr stp-train -q --shards-only --shards sh small.jsonl
	assert_success
	[[ -s sh/examples.manifest.json ]]
	[[ $(zcat sh/examples-*.jsonl.gz | wc -l) == 4 ]]
	[[ ! -e m.safetensors ]]
}

@test "--from-shards trains on shards written before" {
	stp-train -q --shards-only --shards sh small.jsonl
	run --separate-stderr stp-train -q -c tiny.yaml -o m.safetensors --from-shards sh
	assert_success
	stp-train -q -c tiny.yaml -o direct.safetensors small.jsonl
	cmp m.safetensors direct.safetensors
}

@test "a corrupt shard is caught by its checksum (exit 65)" {
	stp-train -q --shards-only --shards sh small.jsonl
	gunzip -c sh/examples-00000.jsonl.gz | sed 's/"weight":0.5/"weight":0.6/' | gzip -n >x.gz
	mv x.gz sh/examples-00000.jsonl.gz
	run --separate-stderr stp-train -q -c tiny.yaml -o m.safetensors --from-shards sh
	assert_failure 65
	assert_stderr_regexp "examples-00000.jsonl.gz: .*xxh3 mismatch"
}

@test "a truncated shard is caught (exit 65)" {
	stp-train -q --shards-only --shards sh small.jsonl
	head -c 100 sh/examples-00000.jsonl.gz >x.gz && mv x.gz sh/examples-00000.jsonl.gz
	run --separate-stderr stp-train -q -c tiny.yaml -o m.safetensors --from-shards sh
	assert_failure 65
	assert_stderr_regexp "examples-00000.jsonl.gz: truncated"
}

@test "--init continues from a checkpoint" {
	stp-train -q -c tiny.yaml -o m0.safetensors small.jsonl
	run --separate-stderr stp-train -q -c tiny.yaml --init m0.safetensors -o m1.safetensors small.jsonl
	assert_success
	[[ -s m1.safetensors ]]
	! cmp -s m0.safetensors m1.safetensors
}

@test "--init: a missing checkpoint exits 66, a corrupt or truncated one 65" {
	run --separate-stderr stp-train -q -c tiny.yaml --init nosuch.safetensors -o m.safetensors small.jsonl
	assert_failure 66
	stp-train -q -c tiny.yaml -o m0.safetensors small.jsonl
	head -c 5000 m0.safetensors >cut.safetensors
	run --separate-stderr stp-train -q -c tiny.yaml --init cut.safetensors -o m.safetensors small.jsonl
	assert_failure 65
	assert_stderr_regexp "cut.safetensors"
	printf 'garbage' >bad.safetensors
	run --separate-stderr stp-train -q -c tiny.yaml --init bad.safetensors -o m.safetensors small.jsonl
	assert_failure 65
}

@test "--init: a token outside the checkpoint's vocabulary is an error naming it" {
	stp-train -q -c tiny.yaml -o m0.safetensors small.jsonl
	printf '%s\n' '{"role":"prover","statement":"|- ( ph -> ph )","target":"nosuchtoken","weight":1}' >unk.jsonl
	run --separate-stderr stp-train -q -c tiny.yaml --init m0.safetensors -o m.safetensors unk.jsonl
	assert_failure 65
	assert_stderr_regexp "token 'nosuchtoken' is not in the model's vocabulary"
}

@test "malformed JSON: exit 65 naming file:line" {
	run --separate-stderr stp-train -q -c tiny.yaml -o m.safetensors malformed.jsonl
	assert_failure 65
	assert_stderr_regexp "^stp-train: malformed.jsonl:2: invalid JSON"
	[[ ! -e m.safetensors ]]
}

@test "a missing field, a bad role, a negative weight: exit 65 naming the field" {
	run --separate-stderr stp-train -q -c tiny.yaml -o m.safetensors missing.jsonl
	assert_failure 65
	assert_stderr "stp-train: missing.jsonl:1: field 'target': missing"
	run --separate-stderr stp-train -q -c tiny.yaml -o m.safetensors badrole.jsonl
	assert_failure 65
	assert_stderr "stp-train: badrole.jsonl:1: field 'role': expected \"prover\", \"conjecturer\" or \"label\""
	run --separate-stderr stp-train -q -c tiny.yaml -o m.safetensors badweight.jsonl
	assert_failure 65
	assert_stderr "stp-train: badweight.jsonl:1: field 'weight': expected a number >= 0"
}

@test "-k skips a malformed example, trains on the rest, exits 65" {
	cat small.jsonl malformed.jsonl >mixed.jsonl
	run --separate-stderr stp-train -q -k -c tiny.yaml -o m.safetensors mixed.jsonl
	assert_failure 65
	[[ -s m.safetensors ]]
	assert_stderr_regexp "mixed.jsonl:6: invalid JSON"
}

@test "an empty input: nothing to train on, exit 65" {
	: >empty.jsonl
	run --separate-stderr stp-train -q -c tiny.yaml -o m.safetensors empty.jsonl
	assert_failure 65
	assert_stderr_regexp "no examples to train on"
}

@test "bad YAML and a misspelt setting: exit 78 naming file:line:column" {
	printf 'train:\n  steps: [1\n' >bad.yaml
	run --separate-stderr stp-train -c bad.yaml -o m.safetensors small.jsonl
	assert_failure 78
	assert_stderr_regexp "^stp-train: bad.yaml:3:1: "
	printf 'train:\n  setps: 10\n' >typo.yaml
	run --separate-stderr stp-train -c typo.yaml -o m.safetensors small.jsonl
	assert_failure 78
	assert_stderr_regexp "^stp-train: typo.yaml:2:3: unknown key 'train.setps'"
}

@test "--init: a checkpoint holding a weight that is not finite is refused (65)" {
	stp-train -q -c tiny.yaml -o m.safetensors small.jsonl
	scale="$STP_ROOT/$(cat "$STP_ROOT/build/flavour")/tests/tools/ckpt-scale"
	"$scale" m.safetensors inf inf.safetensors
	run --separate-stderr stp-train -q -c tiny.yaml --init inf.safetensors -o out.safetensors small.jsonl
	assert_failure 65
	assert_stderr_regexp "'inf.safetensors': tensor '.*' holds a value that is not finite"
	[[ ! -e out.safetensors ]]
}

@test "a loss that is not finite stops training: exit 70, no checkpoint written" {
	stp-train -q -c tiny.yaml -o m.safetensors small.jsonl
	scale="$STP_ROOT/$(cat "$STP_ROOT/build/flavour")/tests/tools/ckpt-scale"
	"$scale" m.safetensors 1e18 huge.safetensors
	run --separate-stderr stp-train -q -c tiny.yaml --init huge.safetensors -o out.safetensors small.jsonl
	assert_failure 70
	assert_stderr_regexp "^stp-train: step 1: the loss is not finite"
	[[ ! -e out.safetensors ]]
	[[ -z $(ls -A | grep '\.tmp\.') ]]
}

@test "model.heads that do not divide model.width: 78 naming the key's place" {
	printf 'model:\n  width: 128\n  heads: 5\n' >h.yaml
	run --separate-stderr stp-train -c h.yaml -o m.safetensors small.jsonl
	assert_failure 78
	assert_stderr "stp-train: h.yaml:3:10: 'model.heads': heads must divide width"
	printf 'model:\n  width: 100\n' >w.yaml
	run --separate-stderr stp-train -c w.yaml -o m.safetensors small.jsonl
	assert_failure 78
	assert_stderr "stp-train: w.yaml:2:10: 'model.width': heads must divide width"
}

@test "-o on a FIFO writes the checkpoint in place; -o /dev/full exits 74" {
	mkfifo ck.fifo
	cat ck.fifo >got.safetensors &
	run --separate-stderr stp-train -q -c tiny.yaml --shards sh -o ck.fifo small.jsonl
	assert_success
	wait
	[[ -p ck.fifo ]]
	stp-train -q -c tiny.yaml --shards sh2 -o ref.safetensors small.jsonl
	cmp got.safetensors ref.safetensors
	run --separate-stderr stp-train -q -c tiny.yaml --shards sh3 -o /dev/full small.jsonl
	assert_failure 74
	assert_stderr_regexp "write error"
}

@test "a failed stp-train leaves no shard set: a bad record (65), a missing input (66)" {
	{ cat small.jsonl; echo '{"role":"prover"}'; } >bad.jsonl
	run --separate-stderr stp-train --shards-only --shards sh bad.jsonl
	assert_failure 65
	[[ ! -e sh/examples.manifest.json ]]
	[[ -z $(ls -A sh) ]]
	run --separate-stderr stp-train --shards-only --shards sh2 small.jsonl nosuch.jsonl
	assert_failure 66
	[[ ! -e sh2/examples.manifest.json ]]
	[[ -z $(ls -A sh2) ]]
	# and --from-shards has nothing to train on
	run --separate-stderr stp-train -q -c tiny.yaml -o m.safetensors --from-shards sh
	assert_failure
	[[ ! -e m.safetensors ]]
}

@test "--resume: a run killed after a resume point ends with the same bytes as one never stopped" {
	S="$STP_ROOT/data/mm-pc/proofs.jsonl"
	printf 'model:\n  width: 32\n  layers: 1\n  heads: 2\n  ctx: 128\ntrain:\n  batch: 8\n  steps: 600\n  warmup: 5\n  lr: 0.01\n  seed: 7\n  rename_prob: 0.5\n  save_every: 50\n' >long.yaml
	stp-sftdata -q -o ex.jsonl "$STP_ROOT/tests/fixtures/train/small.jsonl" 2>/dev/null || cp small.jsonl ex.jsonl
	stp-train -q -c long.yaml -o ref.safetensors small.jsonl
	# no resume point is left behind by a run that ends
	[[ -z $(ls | grep resume) ]]
	stp-train -q -c long.yaml --resume -o m.safetensors small.jsonl &
	pid=$!
	for t in $(seq 600); do
		ls | grep -q 'm.safetensors.resume-.*-[0-9]*.safetensors$' && break
		sleep 0.02
	done
	kill -KILL "$pid"
	wait "$pid" || true
	[[ ! -e m.safetensors ]] || skip "the run ended before it was killed"
	ls | grep -q 'm.safetensors.resume-' || fail "no resume point was written"
	run --separate-stderr stp-train -c long.yaml --resume -o m.safetensors small.jsonl
	assert_success
	assert_stderr_regexp "resuming at step [1-9][0-9]* of 600"
	cmp ref.safetensors m.safetensors
	[[ -z $(ls | grep resume) ]]
}

@test "--resume: a resume point of another job (other settings) is not taken" {
	printf 'model:\n  width: 32\n  layers: 1\n  heads: 2\n  ctx: 128\ntrain:\n  batch: 8\n  steps: 60\n  seed: 7\n  save_every: 20\n' >a.yaml
	stp-train -q -c a.yaml -o ref.safetensors small.jsonl
	# a stale point under the same output name but another job's hash
	touch m.safetensors.resume-0000000000000000-40.safetensors m.safetensors.resume-0000000000000000-40.state
	run --separate-stderr stp-train -c a.yaml --resume -o m.safetensors small.jsonl
	assert_success
	[[ $(grep -c "resuming" <<<"$stderr") == 0 ]]
	cmp ref.safetensors m.safetensors
}
