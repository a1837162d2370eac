#!/usr/bin/env bash
#
# vllm-reload.sh - openai.reload for vllm-servers.sbatch: serve a checkpoint under a name, and wait
#
# usage: vllm-reload.sh CHECKPOINT NAME       (as openai.reload: the tools run it)
#
# Environment:
#   STP_ENDPOINTS       the servers' base URLs, separated by spaces (the tools
#                       set it from openai.endpoints)
#   STP_CLUSTER_DIR     the shared directory of vllm-supervise.sh (default
#                       runs/cluster)
#   STP_EXPORT          a command, run as $STP_EXPORT CHECKPOINT DIR, that
#                       writes the Hugging Face model directory DIR of a
#                       checkpoint file; unset: stp-export -o DIR CHECKPOINT
#                       (the built-in model's export, bin/stp-export)
#   STP_RELOAD_TIMEOUT  seconds to wait for the servers (default 3600)
#   STP_POLL            seconds between looks (default 5)
#
# A checkpoint that is a directory (an external trainer's Hugging Face
# directory) is served as it is; a file is exported first, with STP_EXPORT or
# stp-export, to CHECKPOINT.hf/ beside it (once: an export newer than the file is used
# again). Then $STP_CLUSTER_DIR/wanted says MODEL<TAB>NAME (MODEL absolute),
# which every vllm-supervise.sh reads, and the script returns once every
# endpoint lists NAME at GET /v1/models.
#
# Exit status: 0 served; 1 not served within the time-out (the message names
# the endpoints); 64 bad usage; 65 the export failed.
set -euo pipefail

prog=vllm-reload.sh
die() { local st=$1; shift; printf '%s: %s\n' "$prog" "$*" >&2; exit "$st"; }
(($# == 2)) || die 64 "usage: $prog CHECKPOINT NAME"
ckpt=$1 name=$2
dir=${STP_CLUSTER_DIR:-runs/cluster}
timeout=${STP_RELOAD_TIMEOUT:-3600}
poll=${STP_POLL:-5}
read -r -a endpoints <<<"${STP_ENDPOINTS:-}"
((${#endpoints[@]})) || die 64 "STP_ENDPOINTS is empty: give the servers' base URLs"
[[ -e $ckpt ]] || die 64 "'$ckpt': no such checkpoint"

# export CHECKPOINT DIR: the Hugging Face directory of a checkpoint file
export_hf() {
	if [[ -n ${STP_EXPORT:-} ]]; then
		# shellcheck disable=SC2086
		$STP_EXPORT "$1" "$2"
	else
		PATH="$(cd "$(dirname "$0")/../.." && pwd)/bin:$PATH" stp-export -q -o "$2" "$1"
	fi
}

model=$(realpath "$ckpt")
if [[ -f $model ]]; then
	hf=$model.hf
	if [[ ! -d $hf || $model -nt $hf ]]; then
		rm -rf "$hf.tmp"
		export_hf "$model" "$hf.tmp" >&2 || die 65 "the export of '$ckpt' failed (STP_EXPORT: '${STP_EXPORT:-stp-export}')"
		rm -rf "$hf"
		mv "$hf.tmp" "$hf"
	fi
	model=$hf
fi
mkdir -p "$dir"
printf '%s\t%s\n' "$model" "$name" >"$dir/.wanted.tmp"
mv "$dir/.wanted.tmp" "$dir/wanted"

# serves URL: GET URL/v1/models lists NAME
serves() {
	local base=${1%/} ids
	base=${base%/v1}
	ids=$(curl -fsS --max-time 10 "$base/v1/models" 2>/dev/null | tr -d ' \n\t') || return 1
	[[ $ids == *"\"id\":\"$name\""* ]]
}

start=$SECONDS
while :; do
	left=()
	for e in "${endpoints[@]}"; do
		serves "$e" || left+=("$e")
	done
	((${#left[@]})) || break
	if ((SECONDS - start >= timeout)); then
		die 1 "not served as '$name' after ${timeout} s: ${left[*]} (see $dir/log)"
	fi
	sleep "$poll"
done
printf '%s: %s served as %s by %d endpoint(s) after %d s\n' "$prog" "$ckpt" "$name" \
	"${#endpoints[@]}" $((SECONDS - start)) >&2
