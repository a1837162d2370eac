#!/usr/bin/env bash
# pipelines/ei.sh - one round of the expert-iteration baseline as a shell pipeline
#
# usage: pipelines/ei.sh RUN N [CONFIG]
#        (environment: STMTS, DB, as make's variables of the same names)
#
# The stages and flags of `make ei N=N RUN=RUN CONFIG=CONFIG`, the outputs in
# the same files (runs/RUN-ei/iter-NNN/, relative to the current directory):
# no conjectures; K = 64 samples of every statement not yet proved; the new
# state and stats; the model re-trained from the SFT model (runs/RUN/iter-000)
# on every correct proof of rounds 1..N (at most 16 per statement: stp-reward
# --final); with train.iter.refresh_every k, every k-th round re-trains from
# scratch on the SFT examples and those proofs (refresh.jsonl) and the rounds
# between start from the latest such model. Round N-1 must exist; round 0 is
# a copy of runs/RUN/iter-000's state, stats and model (make sft first). It
# shares the verifier's cache with the STP run (runs/RUN/verdict-cache.jsonl),
# as make does.
#
#   stp-seed --select --unproved-only | stp-prove -n 64 | stp-verify  -> inputs, attempts, verdicts
#   stp-reward                       -> state.jsonl, stats.json
#   stp-reward --final               -> examples.jsonl
#   stp-train --init iter-000's model -> model.safetensors
#   (a refresh round: stp-reward --final --sft -> refresh.jsonl; stp-train)
#
# Exit: the status of the first stage that failed (docs/exit-status.md); 64 bad usage.
set -euo pipefail

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
RUN=$1 N=$2 CONFIG=${3:-configs/small.yaml}
case $N in '' | *[!0-9]*) echo "pipelines/ei.sh: N: expected a whole number, got '$N'" >&2; exit 64 ;; esac
N=$((10#$N))
[ "$N" -ge 1 ] || { echo "pipelines/ei.sh: N: rounds start at 1 (round 0 is the SFT model)" >&2; exit 64; }

here=$(cd "$(dirname "$0")/.." && pwd)
PATH="$here/bin:$PATH"
DATA=${DATA:-mm-pc}
DB=${DB:-data/$DATA/pc.mm}
STMTS=${STMTS:-data/$DATA/statements.jsonl}
R=runs/$RUN
REI=runs/$RUN-ei
I0=$R/iter-000
EN=$REI/iter-$(printf %03d "$N")
EP=$REI/iter-$(printf %03d $((N - 1)))
C=$R/config.yaml

commit() { local f; for f in "$@"; do mv "$f.tmp.pipe" "$f"; done; }
trap 'rm -f "$EN"/*.tmp.pipe' EXIT

[ -e "$I0/model.safetensors" ] ||
	{ echo "pipelines/ei.sh: '$I0/model.safetensors' missing: make sft RUN=$RUN first" >&2; exit 66; }
# the run's configuration, as make copies it
if [ ! -e "$C" ] || [ "$CONFIG" -nt "$C" ]; then cp "$CONFIG" "$C"; fi
# iteration 0's state and stats, as make makes them when they are needed
if [ ! -e "$I0/state.jsonl" ] || [ "$STMTS" -nt "$I0/state.jsonl" ]; then
	stp-reward --init-state --statements "$STMTS" -o "$I0/state.jsonl"
fi
[ -e "$I0/stats.json" ] ||
	echo '{"iter":0,"proofs_generated":0,"tokens_generated":0}' >"$I0/stats.json"
# round 0: the SFT model and the initial state, copied (as make does)
mkdir -p "$REI/iter-000"
# every stage appends its record to the run's metrics (lib/metrics.h), as under make
export STP_METRICS=$PWD/$REI/metrics.jsonl STP_ITER=$N
for f in state.jsonl stats.json model.safetensors; do
	if [ ! -e "$REI/iter-000/$f" ] || [ "$I0/$f" -nt "$REI/iter-000/$f" ]; then
		cp "$I0/$f" "$REI/iter-000/$f"
	fi
done
for f in "$EP/state.jsonl" "$EP/stats.json" "$EP/model.safetensors"; do
	[ -e "$f" ] || { echo "pipelines/ei.sh: '$f' missing: run round $((N - 1)) first" >&2; exit 66; }
done
mkdir -p "$EN"

# every statement not yet proved | 64 attempts each | verdicts
stp-seed -q -c "$C" --select --unproved-only --state "$EP/state.jsonl" --statements "$STMTS" \
	--iter "$N" |
	tee "$EN/inputs.jsonl.tmp.pipe" |
	stp-prove -q -c "$C" --db "$DB" --model "$EP/model.safetensors" -n 64 --k-open 64 --iter "$N" |
	tee "$EN/attempts.jsonl.tmp.pipe" |
	stp-verify -q -c "$C" --db "$DB" --cache "$R/verdict-cache.jsonl" -o "$EN/verdicts.jsonl.tmp.pipe"
commit "$EN/inputs.jsonl" "$EN/attempts.jsonl" "$EN/verdicts.jsonl"

# the state and stats (no examples: the training set is all rounds' proofs)
stp-reward -q -c "$C" --iter "$N" --statements "$STMTS" \
	--state "$EP/state.jsonl" --prev-stats "$EP/stats.json" -o /dev/null \
	--state-out "$EN/state.jsonl" --stats "$EN/stats.json" "$EN/verdicts.jsonl"

# every correct proof so far, at most 16 per statement, rounds in order
rounds=()
for ((i = 1; i <= N; i++)); do
	f=$REI/iter-$(printf %03d "$i")/verdicts.jsonl
	[ -e "$f" ] && rounds+=("$f")
done
stp-reward -q -c "$C" --final -o "$EN/examples.jsonl" "${rounds[@]}"

# re-trained from the SFT model; every train.iter.refresh_every-th round from
# scratch on the SFT examples and every proof so far, and the rounds between
# from the latest such model (as the Makefile does)
refresh=$(stp-config -c "$C" --default 0 train.iter.refresh_every)
if [ "$refresh" != 0 ] && [ $((N % refresh)) = 0 ]; then
	stp-reward -q -c "$C" --final --sft "$I0/examples.jsonl" -o "$EN/refresh.jsonl.tmp" "${rounds[@]}"
	mv "$EN/refresh.jsonl.tmp" "$EN/refresh.jsonl"
	stp-train -q -c "$C" --db "$DB" --held-out "$STMTS" -o "$EN/model.safetensors" "$EN/refresh.jsonl"
else
	init=$I0/model.safetensors
	if [ "$refresh" != 0 ] && [ "$N" -ge "$refresh" ]; then
		init=$REI/iter-$(printf %03d $((N / refresh * refresh)))/model.safetensors
	fi
	stp-train -q -c "$C" --db "$DB" --held-out "$STMTS" --phase iter --init "$init" \
		-o "$EN/model.safetensors" "$EN/examples.jsonl"
fi
cat "$EN/stats.json"
