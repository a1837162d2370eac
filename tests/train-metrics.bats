#!/usr/bin/env bats
#
# train-metrics.bats - stp-train's loss curve and validation loss: records in
# $STP_METRICS every train.log_every steps, a held-out share of the examples
# (train.val_share) never trained on, deterministic
#
# The tiny configuration of tests/fixtures/train; many.jsonl, 100 prover
# examples, is made in setup.

load test_helper

# curve STEP: the regexp of a point of the loss curve at STEP
num='-?[0-9][0-9.eE+-]*'
curve() {
	printf '^\\{"tool":"stp-train","iter":4,"seconds":%s,"step":%s,"loss":%s,"val_loss":%s,"lr":%s,"tokens_per_s":[0-9]+\\}$' \
		"$num" "$1" "$num" "$num" "$num"
}

setup() {
	F="$BATS_TEST_DIRNAME/fixtures/train"
	[[ -r "$STP_ROOT/data/mm-pc/pc.mm" ]] || fail "data/mm-pc/pc.mm missing: run make data"
	cd "$BATS_TEST_TMPDIR" || return 1
	cp "$F"/* .
	v=(ph ps ch th ta)
	for i in $(seq 0 99); do
		a=${v[i % 5]} b=${v[i / 5 % 5]}
		echo "{\"role\":\"prover\",\"statement\":\"|- ( $a -> $a )\",\"target\":\"mpd ( $a -> $b ) ax-1 ax-1\"}"
	done >many.jsonl
	{ cat tiny.yaml; printf '  val_share: 0.1\n  log_every: 5\n'; } >val.yaml
}

@test "a record every train.log_every steps: step, loss, validation loss, lr, tokens/s" {
	STP_METRICS=$PWD/m.jsonl STP_ITER=4 stp-train -q -c val.yaml -o m.safetensors many.jsonl
	run cat m.jsonl
	assert_success
	[[ ${#lines[@]} == 5 ]]
	for i in 0 1 2 3; do
		assert_line --index "$i" --regexp "$(curve $((5 * (i + 1))))"
	done
	# the closing record: the examples trained on, those held out, the last
	# validation loss (that of step 20)
	assert_line --index 4 --regexp "^\{\"tool\":\"stp-train\",\"iter\":4,\"seconds\":$num,\"steps\":20,\"examples\":90,\"loss\":$num,\"val_examples\":10,\"val_loss\":$num\}$"
	v20=${lines[3]#*\"val_loss\":} vend=${lines[4]#*\"val_loss\":}
	[[ ${v20%%,*} == "${vend%\}}" ]] || fail "the closing validation loss is not step 20's"
	# without -q the same points on stderr
	run --separate-stderr stp-train -c val.yaml -o m2.safetensors many.jsonl
	assert_success
	assert_stderr_regexp "training: 90 examples \([0-9]+ target tokens\), 10 held out for the validation loss"
	assert_stderr_regexp "step 5/20  loss [0-9.]+  val [0-9.]+  lr "
	assert_stderr_regexp "validation loss [0-9.]+ \(10 examples\)"
}

@test "train.val_share: 0.02 by default, floor(share · examples); 0 holds none out" {
	STP_METRICS=$PWD/d.jsonl stp-train -q -c tiny.yaml -o d.safetensors many.jsonl
	run cat d.jsonl
	assert_line --regexp '"steps":20,"examples":98,"loss":[^,]+,"val_examples":2,"val_loss":'
	# 4 examples: 0.08 of one, none held out, no validation loss
	STP_METRICS=$PWD/s.jsonl stp-train -q -c tiny.yaml -o s.safetensors small.jsonl
	run cat s.jsonl
	assert_line --regexp '"steps":20,"examples":4,"loss":[^,]+}$'
	{ cat tiny.yaml; printf '  val_share: 0\n'; } >v0.yaml
	STP_METRICS=$PWD/z.jsonl stp-train -q -c v0.yaml -o z.safetensors many.jsonl
	run cat z.jsonl
	assert_line --regexp '"steps":20,"examples":100,"loss":[^,]+}$'
	run grep -c val_loss z.jsonl
	assert_output 0
}

@test "the held-out examples are not trained on" {
	# from one model (a fixed vocabulary), training on A and B with one of
	# them held out gives the model that training on the other alone gives
	stp-train -q -c tiny.yaml -o m0.safetensors small.jsonl
	sed -n 1p small.jsonl >a.jsonl
	sed -n 4p small.jsonl >b.jsonl
	cat a.jsonl b.jsonl >ab.jsonl
	{ cat tiny.yaml; printf '  val_share: 0.5\n'; } >half.yaml
	stp-train -q -c half.yaml --init m0.safetensors -o ab.safetensors ab.jsonl
	stp-train -q -c tiny.yaml --init m0.safetensors -o a.safetensors a.jsonl
	stp-train -q -c tiny.yaml --init m0.safetensors -o b.safetensors b.jsonl
	run cmp -s ab.safetensors a.safetensors
	sa=$status
	run cmp -s ab.safetensors b.safetensors
	[[ $((sa + status)) == 1 ]] || fail "the model is not that of one example alone"
	# every example held out: nothing to train on
	{ cat tiny.yaml; printf '  val_share: 1\n'; } >all.yaml
	run --separate-stderr stp-train -q -c all.yaml -o x.safetensors small.jsonl
	assert_failure 65
	assert_stderr "stp-train: no examples to train on: all 4 are held out for the validation loss (train.val_share 1)"
	[[ ! -e x.safetensors ]]
}

@test "deterministic: the same checkpoint and validation losses with 1 or 2 threads, the curve written or not" {
	STP_METRICS=$PWD/m1.jsonl stp-train -q -c val.yaml -j 1 -o a.safetensors many.jsonl
	STP_METRICS=$PWD/m2.jsonl stp-train -q -c val.yaml -j 2 -o b.safetensors many.jsonl
	cmp a.safetensors b.safetensors
	cmp <(grep -o '"val_loss":[^,}]*' m1.jsonl) <(grep -o '"val_loss":[^,}]*' m2.jsonl)
	[[ $(grep -c '"val_loss"' m1.jsonl) == 5 ]]
	# no curve, no validation loss evaluated: the same model
	stp-train -q -c val.yaml -o c.safetensors many.jsonl
	cmp a.safetensors c.safetensors
	# another seed holds out other examples
	STP_METRICS=$PWD/m3.jsonl stp-train -q -c val.yaml --seed 8 -o d.safetensors many.jsonl
	run cmp -s a.safetensors d.safetensors
	assert_failure
}

@test "train.val_share out of [0, 1] is a configuration error (78)" {
	{ cat tiny.yaml; printf '  val_share: 1.5\n'; } >bad.yaml
	run --separate-stderr stp-train -c bad.yaml -o m.safetensors small.jsonl
	assert_failure 78
	assert_stderr "stp-train: bad.yaml:13:14: 'train.val_share': expected a number from 0 to 1"
}
