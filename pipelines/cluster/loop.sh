#!/usr/bin/env bash
#
# loop.sh - the self-play loop on a head node: make, with the verification on the CPU nodes
#
# usage: loop.sh RUN FIRST LAST [CONFIG] [MAKEVAR=VALUE...]
#        (from the repository's root; CONFIG defaults to configs/small.yaml;
#        MAKEVAR=VALUE: DATA=..., STMTS=..., as make takes them)
#
# For N = FIRST .. LAST (iteration 0, make sft, first when it is missing):
#   make N=N runs/RUN/iter-NNN/attempts.jsonl   seeds, conjectures, the prover's
#                                              input and its proofs: every sampling
#                                              stage on the servers of the run's
#                                              openai section (vllm-servers.sbatch)
#   verify.sh CONFIG attempts verdicts         the verdicts, on M CPU nodes
#   make iteration N=N                         rewards; the training, by
#                                              train.external_cmd
#                                              (train-external.sh) on a GPU node
# With STP_EVAL=1, make eval N=LAST at the end, its verification the same way.
# Every step is make's (or writes make's file), so the loop resumes where it
# stopped: run it again. The environment of verify.sh applies.
set -euo pipefail

prog=loop.sh
(($# >= 3)) || { printf 'usage: %s RUN FIRST LAST [CONFIG] [MAKEVAR=VALUE...]\n' "$prog" >&2; exit 64; }
run=$1 first=$2 last=$3
shift 3
config=configs/small.yaml
if (($#)) && [[ $1 != *=* ]]; then
	config=$1
	shift
fi
for v in "$first" "$last"; do
	[[ $v =~ ^[0-9]+$ ]] || { printf "%s: expected a whole number, got '%s'\n" "$prog" "$v" >&2; exit 64; }
done
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$here"
mk=(make -s RUN="$run" CONFIG="$config" "$@")
data=mm-pc
for a in "$@"; do
	[[ $a == DATA=* ]] && data=${a#DATA=}
done
export DB=${DB:-data/$data/pc.mm}
r=runs/$run

# verify_stage ATTEMPTS VERDICTS: the verdicts on the CPU nodes, unless make's are current
verify_stage() {
	if [[ ! -e $2 || $1 -nt $2 ]]; then
		"$here/pipelines/cluster/verify.sh" "$r/config.yaml" "$1" "$2"
	fi
}

[[ -e $r/iter-000/model.safetensors ]] || "${mk[@]}" sft
for ((n = first; n <= last; n++)); do
	i=$r/iter-$(printf %03d "$n")
	printf '%s: iteration %d\n' "$prog" "$n" >&2
	"${mk[@]}" N="$n" "$i/attempts.jsonl"
	verify_stage "$i/attempts.jsonl" "$i/verdicts.jsonl"
	"${mk[@]}" iteration N="$n"
done
if [[ ${STP_EVAL:-0} == 1 ]]; then
	i=$r/iter-$(printf %03d "$last")
	"${mk[@]}" N="$last" "$i/eval/attempts.jsonl"
	verify_stage "$i/eval/attempts.jsonl" "$i/eval/verdicts.jsonl"
	"${mk[@]}" eval N="$last"
fi
