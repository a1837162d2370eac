#!/usr/bin/env bash
#
# train-external.sh - train.external_cmd for a cluster: the training as a Slurm job, waited for
#
# usage: train-external.sh SHARDS_DIR MANIFEST INIT OUT   (stp-train runs it: train.backend external)
#
# Environment (all optional; stp-train sets the STP_TRAIN_PHASE, STP_CONFIG
# and STP_CHECKPOINT it passes on):
#   STP_TRAINER        the trainer: a command run as TRAINER SHARDS_DIR MANIFEST
#                      INIT OUT that trains on the shards (docs/records.md, Shard
#                      record: prompt, target, weight) from INIT ("" for its
#                      base model) and writes the checkpoint OUT (a file or a
#                      Hugging Face directory). Default: this repository's
#                      built-in trainer (stp-train --from-shards, on a CPU):
#                      replace it with a GPU trainer of your own
#   STP_TRAIN_SBATCH   sbatch options, separated by spaces ("--partition=gpu
#                      --nodes=1 --gpus-per-node=8 --time=12:00:00", say)
#   STP_TRAIN_VIA      slurm (the default) or local (run the trainer here)
#
# With slurm the trainer runs as a batch job (sbatch --wait), its output in
# SHARDS_DIR/train-JOBID.out; the script exits with the job's status, so
# that stp-train reports a failure (69) and checks what OUT holds.
set -euo pipefail

prog=train-external.sh
(($# == 4)) || { printf 'usage: %s SHARDS_DIR MANIFEST INIT OUT\n' "$prog" >&2; exit 64; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
shards=$1
if [[ -n ${STP_TRAINER:-} ]]; then
	read -r -a trainer <<<"$STP_TRAINER"
	cmd=("${trainer[@]}" "$@")
else
	cmd=("$here/bin/stp-train" -q --backend builtin)
	[[ -n ${STP_CONFIG:-} ]] && cmd+=(-c "$(realpath "$STP_CONFIG")")
	cmd+=(--from-shards "$(realpath "$1")" --phase "${STP_TRAIN_PHASE:-sft}")
	[[ -n $3 ]] && cmd+=(--init "$(realpath "$3")")
	cmd+=(-o "$(realpath -m "$4")")
fi
if [[ ${STP_TRAIN_VIA:-slurm} == local ]]; then
	exec "${cmd[@]}"
fi
command -v sbatch >/dev/null || { printf '%s: sbatch is not installed\n' "$prog" >&2; exit 69; }
job=$shards/train.sh
{
	printf '#!/bin/bash\ncd %q\nexec' "$PWD"
	printf ' %q' "${cmd[@]}"
	printf '\n'
} >"$job"
read -r -a opts <<<"${STP_TRAIN_SBATCH:-}"
st=0
sbatch --wait --parsable --job-name=stp-train --output="$shards/train-%j.out" "${opts[@]}" \
	"$job" >"$shards/train.jobid" || st=$?
if ((st != 0)); then
	printf '%s: the training job %s exited %d (see %s/train-*.out)\n' "$prog" \
		"$(cat "$shards/train.jobid" 2>/dev/null)" "$st" "$shards" >&2
	exit "$st"
fi
