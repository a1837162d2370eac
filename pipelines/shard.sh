#!/usr/bin/env bash
#
# shard.sh - run a stage over shards of its input: GNU parallel or a Slurm array job
#
# usage: shard.sh split    -n N -d DIR [FILE...]
#        shard.sh parallel -d DIR [-j JOBS] -- STAGE [ARG...]
#        shard.sh slurm    -d DIR [-s SBATCH_OPTION]... [--no-wait] -- STAGE [ARG...]
#        shard.sh wait     -d DIR
#        shard.sh merge    -d DIR [-o FILE]
#        shard.sh status   -d DIR
#        shard.sh run      -n N -d DIR (--parallel [-j JOBS] | --slurm [-s OPT]...)
#                          [-o FILE] [-i FILE]... -- STAGE [ARG...]
#        shard.sh task     -d DIR [-i INDEX]       (one shard; what the jobs run)
#
# split cuts JSONL input (FILE..., plain or gzip, or stdin) into N shards of
# consecutive records, DIR/in/00000.jsonl ... (record counts differ by at most
# one), and writes DIR/shards.tsv (index, first record, records, file) and
# DIR/input.sha256. Blank lines are dropped. Splitting the same input into
# the same DIR again does nothing; another input is refused.
#
# parallel and slurm run the stage once per shard that is not done: STAGE
# ARG... with the shard on stdin, or in place of an argument that is exactly
# {} (then the stage's messages name the shard's file and line). A shard's
# output goes to DIR/out/.NNNNN.jsonl.tmp.* and is renamed to
# DIR/out/NNNNN.jsonl only when the stage exits 0, so a shard is done exactly
# when its output exists; its stderr is DIR/log/NNNNN.err. parallel keeps
# GNU parallel's job log in DIR/parallel.joblog and resumes from it
# (--resume-failed: shards that succeeded are not run again, failed ones
# are). slurm submits one array job with a task per shard not done, waits
# for it (polling squeue; --no-wait returns the job id at once, then use
# `wait`), and reports shards that failed.
#
# merge concatenates DIR/out/* in shard order, which is the input order for
# any stage that maps records to records in order (stp-verify, stp-prove,
# stp-conjecture; not stp-reward, which needs all its input at once), to FILE
# (under a temporary name, then renamed) or stdout. It refuses while a shard
# is not done.
#
# Exit status: 0 done; 64 bad usage; 66 an input cannot be read; 65 a stage
# failed on a shard (task); 75 shards are not all done (parallel, slurm,
# merge: run the same command again to resume); 69 parallel or sbatch
# missing.
set -euo pipefail

prog=shard.sh
die() { local st=$1; shift; printf '%s: %s\n' "$prog" "$*" >&2; exit "$st"; }
usage() {
	sed -n '/^# usage:/,/^#$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&"${2:-2}"
	exit "$1"
}

dir="" n="" jobs="" out="" nowait=0 via="" index=""
sbatch_opts=() inputs=() cmd=()
# temporary files removed at exit, whatever happens
cleanup=()
trap 'rm -f -- "${cleanup[@]}"' EXIT

parse() {
	while (($#)); do
		case $1 in
		-d) dir=${2:?}; shift 2 ;;
		-n) n=${2:?}; shift 2 ;;
		-j) jobs=${2:?}; shift 2 ;;
		-o) out=${2:?}; shift 2 ;;
		-s) sbatch_opts+=("${2:?}"); shift 2 ;;
		-i) if [[ $sub == task ]]; then index=${2:?}; else inputs+=("${2:?}"); fi; shift 2 ;;
		--no-wait) nowait=1; shift ;;
		--parallel) via=parallel; shift ;;
		--slurm) via=slurm; shift ;;
		-h|--help) usage 0 1 ;;
		--) shift; cmd=("$@"); return ;;
		-*) die 64 "$sub: unknown option '$1'" ;;
		*) inputs+=("$1"); shift ;;
		esac
	done
}

need_dir() {
	[[ -n $dir ]] || die 64 "$sub: -d DIR is required"
	[[ -f $dir/shards.tsv ]] || die 66 "'$dir' holds no shards (run: $prog split -n N -d $dir)"
	dir=$(cd "$dir" && pwd)
	nshards=$(($(wc -l <"$dir/shards.tsv") - 1))
}

name() { printf '%05d' "$1"; }

# ---- split

split_input() {
	[[ -n $dir ]] || die 64 "split: -d DIR is required"
	[[ $n =~ ^[1-9][0-9]*$ ]] || die 64 "split: -n: expected a whole number from 1, got '$n'"
	for f in "${inputs[@]}"; do
		[[ $f == - || -r $f ]] || die 66 "split: cannot open '$f'"
	done
	mkdir -p "$dir"
	local tmp sum
	tmp=$(mktemp "$dir/.input.XXXXXX")
	cleanup+=("$tmp")
	if ((${#inputs[@]})); then
		for f in "${inputs[@]}"; do
			if [[ $f == - ]]; then cat; else zcat -f -- "$f"; fi
		done
	else
		cat
	fi | grep -v '^[[:space:]]*$' >"$tmp" || true
	sum="$(sha256sum <"$tmp" | cut -d' ' -f1) $n"
	if [[ -f $dir/shards.tsv ]]; then
		[[ "$(cat "$dir/input.sha256" 2>/dev/null)" == "$sum" ]] ||
			die 64 "split: '$dir' holds shards of another input or count (remove it first)"
		rm -f "$tmp"
		return 0
	fi
	mkdir -p "$dir/in" "$dir/out" "$dir/log"
	# records [k*R/N, (k+1)*R/N) go to shard k: consecutive, sizes differ by at most one
	awk -v n="$n" -v dir="$dir/in" -v total="$(wc -l <"$tmp")" '
		function file(k) { return sprintf("%s/%05d.jsonl", dir, k) }
		BEGIN {
			print "index\tfirst\trecords\tfile" > (dir "/../shards.tsv.tmp")
			for (k = 0; k < n; k++) {
				lo[k] = int(k * total / n); hi[k] = int((k + 1) * total / n)
				printf "" > file(k)
				printf "%d\t%d\t%d\tin/%05d.jsonl\n", k, lo[k], hi[k] - lo[k], k \
					> (dir "/../shards.tsv.tmp")
			}
			k = 0
		}
		{ while (NR - 1 >= hi[k]) k++; print > file(k) }
	' "$tmp"
	printf '%s\n' "$sum" >"$dir/input.sha256"
	mv "$dir/shards.tsv.tmp" "$dir/shards.tsv"
	rm -f "$tmp"
}

# ---- one shard

# The stage command, saved by parallel/slurm as one shell-quoted line.
save_cmd() {
	((${#cmd[@]})) || die 64 "$sub: no stage given (-- STAGE [ARG...])"
	printf '%q ' "${cmd[@]}" >"$dir/cmd.tmp"
	printf '\n' >>"$dir/cmd.tmp"
	mv "$dir/cmd.tmp" "$dir/cmd"
}

run_task() {
	need_dir
	[[ -n $index ]] || index=${SLURM_ARRAY_TASK_ID:-}
	[[ $index =~ ^[0-9]+$ ]] && ((index < nshards)) ||
		die 64 "task: -i: expected a shard index below $nshards, got '$index'"
	local k in o tmp st=0 a
	k=$(name "$index")
	in=$dir/in/$k.jsonl
	o=$dir/out/$k.jsonl
	[[ -f $o ]] && return 0                   # done before: not run again
	local -a stage
	eval "stage=($(cat "$dir/cmd"))"
	local -a argv=() use_stdin=1
	for a in "${stage[@]}"; do
		if [[ $a == '{}' ]]; then argv+=("$in"); use_stdin=0; else argv+=("$a"); fi
	done
	tmp=$(mktemp "$dir/out/.$k.jsonl.tmp.XXXXXX")
	cleanup+=("$tmp")
	if ((use_stdin)); then
		"${argv[@]}" <"$in" >"$tmp" 2>"$dir/log/$k.err" || st=$?
	else
		"${argv[@]}" </dev/null >"$tmp" 2>"$dir/log/$k.err" || st=$?
	fi
	if ((st != 0)); then
		rm -f "$tmp"
		printf '%s: shard %s: the stage exited %d (see %s)\n' "$prog" "$k" "$st" \
			"$dir/log/$k.err" >&2
		exit 65
	fi
	mv "$tmp" "$o"
}

# Indices of shards not done, one a line.
pending() {
	local i
	for ((i = 0; i < nshards; i++)); do
		[[ -f $dir/out/$(name "$i").jsonl ]] || echo "$i"
	done
}

report_pending() {
	local left
	left=$(pending | wc -l)
	if ((left)); then
		printf '%s: %d of %d shards not done:' "$prog" "$left" "$nshards" >&2
		pending | awk 'NR <= 20' | while read -r i; do printf ' %s' "$(name "$i")"; done >&2
		printf ' (logs in %s/log; run again to resume)\n' "$dir" >&2
		exit 75
	fi
}

# ---- GNU parallel

run_parallel() {
	need_dir
	save_cmd
	command -v parallel >/dev/null || die 69 "parallel: GNU parallel is not installed"
	local self
	self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
	# one job per shard, in index order; the job log makes a rerun skip
	# the shards that succeeded (and rerun those that failed)
	seq 0 $((nshards - 1)) |
		parallel --joblog "$dir/parallel.joblog" --resume-failed -j "${jobs:-0}" \
			"$self" task -d "$dir" -i {} || true
	report_pending
}

# ---- Slurm

run_slurm() {
	need_dir
	save_cmd
	command -v sbatch >/dev/null || die 69 "slurm: sbatch is not installed"
	local list self jid
	list=$(pending | paste -sd, -)
	if [[ -z $list ]]; then
		return 0
	fi
	self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
	# sbatch runs a copy of the script it is given: the job is a one-line
	# wrapper that calls this script where it lives
	printf '#!/bin/sh\nexec %q task -d %q\n' "$self" "$dir" >"$dir/job.sh"
	jid=$(sbatch --parsable --array="$list" --job-name=stp-shards \
		--output="$dir/log/slurm-%A_%a.out" "${sbatch_opts[@]}" "$dir/job.sh")
	jid=${jid%%;*}
	printf '%s\n' "$jid" >"$dir/slurm.jobid"
	if ((nowait)); then
		printf '%s\n' "$jid"
		return 0
	fi
	wait_slurm
}

wait_slurm() {
	need_dir
	local jid
	jid=$(cat "$dir/slurm.jobid" 2>/dev/null) || die 66 "wait: no Slurm job was submitted for '$dir'"
	# squeue lists the array while any task is pending or running (no
	# "| grep -q" under pipefail: squeue's SIGPIPE would end the wait)
	while [[ -n $(squeue -h -j "$jid" 2>/dev/null) ]]; do
		sleep 0.5
	done
	report_pending
}

# ---- merge

merge() {
	need_dir
	report_pending
	local i files=()
	for ((i = 0; i < nshards; i++)); do
		files+=("$dir/out/$(name "$i").jsonl")
	done
	if [[ -z $out || $out == - ]]; then
		cat -- "${files[@]}"
		return
	fi
	local tmp
	tmp=$(mktemp "$(dirname "$out")/.$(basename "$out").tmp.XXXXXX")
	cleanup+=("$tmp")
	cat -- "${files[@]}" >"$tmp"
	mv "$tmp" "$out"
}

status() {
	need_dir
	local done=$((nshards - $(pending | wc -l)))
	printf '%d shards, %d done, %d not done\n' "$nshards" "$done" $((nshards - done))
}

sub=${1:-}
(($#)) && shift
case $sub in
split) parse "$@"; split_input ;;
task) parse "$@"; run_task ;;
parallel) parse "$@"; run_parallel ;;
slurm) parse "$@"; run_slurm ;;
wait) parse "$@"; wait_slurm ;;
merge) parse "$@"; merge ;;
status) parse "$@"; status ;;
run)
	parse "$@"
	[[ -n $via ]] || die 64 "run: --parallel or --slurm is required"
	split_input
	if [[ $via == parallel ]]; then run_parallel; else run_slurm; fi
	merge
	;;
-h|--help) usage 0 1 ;;
*) usage 64 ;;
esac
