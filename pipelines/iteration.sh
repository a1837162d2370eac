#!/usr/bin/env bash
# pipelines/iteration.sh - one STP iteration as a plain shell pipeline
#
# usage: pipelines/iteration.sh RUN N [CONFIG]
#        (environment: DATA, STMTS, DB, as make's variables of the same names)
#
# The stages and flags of `make iteration N=N RUN=RUN CONFIG=CONFIG`, the
# outputs in the same files (runs/RUN/iter-NNN/, relative to the current
# directory, which is the repository's root when make runs): the two are
# interchangeable, and after this script `make iteration` finds everything
# up to date. It reruns every stage of iteration N (make reruns only what is
# stale); iteration N-1 must exist (N = 0 is iteration 0: the human proofs,
# the SFT examples and model, the initial state).
#
#   stp-seed    <- runs/RUN/iter-000..N-1/verdicts.jsonl, state.jsonl -> seeds.jsonl
#   stp-conjecture <- seeds.jsonl, the model                       -> conjectures.jsonl
#   stp-seed --select <- state, statements, conjectures              \
#     | stp-prove (K = 64 in iteration 1, 32 after)                   | inputs.jsonl,
#     | stp-verify (the run's verdict cache)                          | attempts.jsonl,
#                                                                    -> verdicts.jsonl
#   stp-reward  <- verdicts (+ the 2 iterations before), state, seeds -> examples.jsonl,
#                                                                       state.jsonl, stats.json
#   stp-train   <- examples (+ iteration 0's SFT examples), the model of
#                  iteration N-1                                    -> model.safetensors
#
# Where a stage streams, the stages are piped; tee keeps each stage's output
# under a temporary name, renamed into place once the whole pipe succeeded
# (set -o pipefail), so an interrupted run leaves no half-written file.
# Exit: the status of the first stage that failed (docs/exit-status.md); 64 bad usage.
set -euo pipefail

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
RUN=$1 N=$2 CONFIG=${3:-configs/small.yaml}
case $N in '' | *[!0-9]*) echo "pipelines/iteration.sh: N: expected a whole number, got '$N'" >&2; exit 64 ;; esac
N=$((10#$N))

here=$(cd "$(dirname "$0")/.." && pwd)
PATH="$here/bin:$PATH"
DATA=${DATA:-mm-pc}
DDIR=data/$DATA
DB=${DB:-$DDIR/pc.mm}
STMTS=${STMTS:-$DDIR/statements.jsonl}
R=runs/$RUN
I0=$R/iter-000
IN=$R/iter-$(printf %03d "$N")
IP=$R/iter-$(printf %03d $((N - 1)))
IQ=$R/iter-$(printf %03d $((N - 2)))
C=$R/config.yaml
# K samples per input: 64 in iteration 1, 32 after (docs/algorithm.md, 3. Proofs)
K=32
[ "$N" = 1 ] && K=64

# commit TMP...: rename each X.tmp.pipe into X (after a pipe succeeded)
commit() { local f; for f in "$@"; do mv "$f.tmp.pipe" "$f"; done; }
trap 'rm -f "$IN"/*.tmp.pipe' EXIT

# the run's configuration, as make makes it
mkdir -p "$R"
# every stage appends its record to the run's metrics (lib/metrics.h), as under make
export STP_METRICS=$PWD/$R/metrics.jsonl STP_ITER=$N
if [ ! -e "$C" ] || [ "$CONFIG" -nt "$C" ]; then cp "$CONFIG" "$C"; fi
mkdir -p "$IN"

# iteration 0's state, (empty) verdicts and stats, as make makes them when
# iteration 1 needs them
iter0_state() {
	if [ ! -e "$I0/state.jsonl" ] || [ "$STMTS" -nt "$I0/state.jsonl" ]; then
		stp-reward --init-state --statements "$STMTS" -o "$I0/state.jsonl"
	fi
	[ -e "$I0/verdicts.jsonl" ] || : >"$I0/verdicts.jsonl"
	[ -e "$I0/stats.json" ] ||
		echo '{"iter":0,"proofs_generated":0,"tokens_generated":0}' >"$I0/stats.json"
}

if [ "$N" = 0 ]; then
	# iteration 0: the human proofs verified, the SFT examples, the model,
	# the initial state
	stp-verify -q -c "$C" --db "$DB" -o "$I0/human.jsonl" "$DDIR/proofs.jsonl"
	stp-sftdata --db "$DB" -o "$I0/examples.jsonl" "$I0/human.jsonl" "$STMTS"
	stp-train -c "$C" --db "$DB" --held-out "$STMTS" -o "$I0/model.safetensors" "$I0/examples.jsonl"
	iter0_state
	exit 0
fi
[ "$N" = 1 ] && iter0_state
for f in "$IP/state.jsonl" "$IP/verdicts.jsonl" "$IP/model.safetensors" "$IP/stats.json"; do
	[ -e "$f" ] || { echo "pipelines/iteration.sh: '$f' missing: run iteration $((N - 1)) first" >&2; exit 66; }
done

# seeds, then conjectures (a whole-input stage: it deduplicates and keeps at
# most as many as the statements still unproved)
library=()
for ((i = 0; i < N; i++)); do
	library+=("$R/iter-$(printf %03d "$i")/verdicts.jsonl")
done
stp-seed -q -c "$C" --db "$DB" --state "$IP/state.jsonl" --iter "$N" -o "$IN/seeds.jsonl" \
	"${library[@]}"
stp-conjecture -q -c "$C" --db "$DB" --model "$IP/model.safetensors" --dataset "$STMTS" \
	--state "$IP/state.jsonl" --iter "$N" --stats "$IN/conjectures.stats.json" \
	-o "$IN/conjectures.jsonl" "$IN/seeds.jsonl"

# the prover's input | K attempts each | verdicts: one pipe
stp-seed -q -c "$C" --select --state "$IP/state.jsonl" --statements "$STMTS" --iter "$N" \
	"$IN/conjectures.jsonl" |
	tee "$IN/inputs.jsonl.tmp.pipe" |
	stp-prove -q -c "$C" --db "$DB" --model "$IP/model.safetensors" -n "$K" --iter "$N" |
	tee "$IN/attempts.jsonl.tmp.pipe" |
	stp-verify -q -c "$C" --db "$DB" --cache "$R/verdict-cache.jsonl" -o "$IN/verdicts.jsonl.tmp.pipe"
commit "$IN/inputs.jsonl" "$IN/attempts.jsonl" "$IN/verdicts.jsonl"

# rewards: this iteration's verdicts, the two before for the replay buffer
prev=(--previous "$IP/verdicts.jsonl")
[ "$N" -gt 1 ] && prev+=(--previous "$IQ/verdicts.jsonl")
stp-reward -q -c "$C" --iter "$N" --statements "$STMTS" \
	--state "$IP/state.jsonl" --seeds "$IN/seeds.jsonl" --model "$IP/model.safetensors" \
	"${prev[@]}" \
	--prev-stats "$IP/stats.json" --conjecture-stats "$IN/conjectures.stats.json" \
	-o "$IN/examples.jsonl" --state-out "$IN/state.jsonl" --stats "$IN/stats.json" "$IN/verdicts.jsonl"

# the next model, from this one, on this iteration's examples with the SFT
# examples replayed beside them (at most train.iter.replay_share of the
# weighted target tokens; as the Makefile does: a model this small forgets a
# role it is not trained on); every train.iter.refresh_every-th iteration
# re-trained from scratch on everything so far instead
refresh=$(stp-config -c "$C" --default 0 train.iter.refresh_every)
if [ "$refresh" != 0 ] && [ $((N % refresh)) = 0 ]; then
	verdicts=()
	for ((i = 1; i <= N; i++)); do
		verdicts+=("$R/iter-$(printf %03d "$i")/verdicts.jsonl")
	done
	stp-reward -q -c "$C" --final --sft "$I0/examples.jsonl" -o "$IN/refresh.jsonl.tmp" "${verdicts[@]}"
	for ((i = 1; i <= N; i++)); do
		grep -h '"role":"conjecturer"' "$R/iter-$(printf %03d "$i")/examples.jsonl" || true
	done >>"$IN/refresh.jsonl.tmp"
	mv "$IN/refresh.jsonl.tmp" "$IN/refresh.jsonl"
	stp-train -q -c "$C" --db "$DB" --held-out "$STMTS" -o "$IN/model.safetensors" "$IN/refresh.jsonl"
else
	stp-train -q -c "$C" --db "$DB" --held-out "$STMTS" --phase iter --init "$IP/model.safetensors" \
		--replay "$I0/examples.jsonl" -o "$IN/model.safetensors" "$IN/examples.jsonl"
fi
cat "$IN/stats.json"
