#!/usr/bin/env bash
#
# verify.sh - the verification stage on M CPU nodes: stp-verify shards as a Slurm array job
#
# usage: verify.sh CONFIG ATTEMPTS VERDICTS
#
# Environment (all optional):
#   STP_VERIFY_NODES  M, the shards: one array task, one node each (default 4)
#   STP_VERIFY_CPUS   CPUs of a task: its stp-verify -j, the Lean REPL pool's
#                     processes (default 32)
#   STP_SBATCH        more sbatch options for the tasks, separated by spaces
#                     ("--partition=cpu --mem=0 --time=4:00:00", say)
#   STP_SHARD_VIA     slurm (the default) or parallel (GNU parallel on this
#                     machine, for trying the script without Slurm)
#   DB                the Metamath database, as make's (default: verify.db)
#
# pipelines/shard.sh cuts ATTEMPTS into M shards in VERDICTS.shards/, runs
#   stp-verify -q -c CONFIG [--db DB] -j C SHARD
# on each (verify.backend in CONFIG says which checker: with lean, each task
# runs a pool of C REPL processes, verify.lean_mem each, in
# verify.lean_project, which must be on storage the nodes share), and merges
# the verdicts, in input order, into VERDICTS. Rerun after a failure: the
# shards done are not run again. The shards do not share the run's verdict
# cache (each would overwrite the others'). ATTEMPTS newer than the shards
# (a rerun prover stage) starts the shards afresh.
#
# Exit status: shard.sh's (0 done; 65 a shard failed; 75 not all done: run
# again to resume; 69 sbatch or parallel missing); 64 bad usage.
set -euo pipefail

prog=verify.sh
(($# == 3)) || { printf 'usage: %s CONFIG ATTEMPTS VERDICTS\n' "$prog" >&2; exit 64; }
config=$1 attempts=$2 verdicts=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
m=${STP_VERIFY_NODES:-4}
c=${STP_VERIFY_CPUS:-32}
via=${STP_SHARD_VIA:-slurm}
d=$verdicts.shards
[[ -r $attempts ]] || { printf "%s: cannot open '%s'\n" "$prog" "$attempts" >&2; exit 66; }
if [[ -f $d/shards.tsv && $attempts -nt $d/shards.tsv ]]; then
	rm -rf "$d"
fi
opts=()
if [[ $via == slurm ]]; then
	opts=(--slurm -s --nodes=1 -s --ntasks=1 -s "--cpus-per-task=$c" -s --job-name=stp-verify)
	read -r -a more <<<"${STP_SBATCH:-}"
	for o in "${more[@]}"; do opts+=(-s "$o"); done
else
	opts=(--parallel -j 1)
fi
db=()
[[ -n ${DB:-} ]] && db=(--db "$(realpath "$DB")")
"$here/pipelines/shard.sh" run -n "$m" -d "$d" "${opts[@]}" -o "$verdicts" -i "$attempts" -- \
	"$here/bin/stp-verify" -q -c "$(realpath "$config")" "${db[@]}" -j "$c" {}
