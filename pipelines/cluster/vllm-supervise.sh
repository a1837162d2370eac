#!/usr/bin/env bash
#
# vllm-supervise.sh - one GPU node's inference server, (re)started on the model the loop asks for
#
# usage: vllm-supervise.sh      (one per GPU node; vllm-servers.sbatch runs it)
#
# Environment (all optional):
#   STP_CLUSTER_DIR  the shared directory (default runs/cluster): wanted is
#                    read from it; endpoints/HOST and log/vllm-HOST.log are
#                    written to it
#   STP_VLLM         the server command (default "vllm serve"), run as
#                      $STP_VLLM MODEL --served-model-name NAME --host 0.0.0.0
#                        --port PORT $STP_VLLM_ARGS
#   STP_VLLM_ARGS    more of its flags: "--tensor-parallel-size 8 --seed 1
#                    --max-model-len 4096", say
#   STP_VLLM_PORT    the port (default 8000)
#   STP_VLLM_HOST    the name the head node reaches this node by (default:
#                    hostname -f)
#   STP_POLL         seconds between looks at wanted (default 2)
#
# $STP_CLUSTER_DIR/wanted holds one line, MODEL<TAB>NAME (vllm-reload.sh
# writes it). Whenever it changes, the server running (if any) is stopped
# (its process group: TERM, then KILL after 60 s) and started on MODEL under
# the served name NAME. A server that exits on its own is started again after
# 30 s. TERM or INT (scancel) stops the server, then this script.
set -euo pipefail

prog="vllm-supervise.sh"
dir=${STP_CLUSTER_DIR:-runs/cluster}
port=${STP_VLLM_PORT:-8000}
host=${STP_VLLM_HOST:-$(hostname -f)}
poll=${STP_POLL:-2}
read -r -a vllm <<<"${STP_VLLM:-vllm serve}"
read -r -a extra <<<"${STP_VLLM_ARGS:-}"
mkdir -p "$dir/endpoints" "$dir/log"
log=$dir/log/vllm-$host.log
say() { printf '%s: %s: %s\n' "$prog" "$(date '+%F %T')" "$*" >>"$log"; }

pid="" current="" died=0
stop() {
	[[ -n $pid ]] || return 0
	kill -TERM -- "-$pid" 2>/dev/null || true
	for _ in $(seq 60); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 1
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=""
}
trap 'stop; say "stopped"; exit 0' TERM INT

printf 'http://%s:%s\n' "$host" "$port" >"$dir/endpoints/.$host.tmp"
mv "$dir/endpoints/.$host.tmp" "$dir/endpoints/$host"
say "supervising port $port"
while :; do
	want=$(cat "$dir/wanted" 2>/dev/null || true)
	if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null || true
		say "the server exited on its own; starting it again in 30 s"
		pid="" died=$SECONDS
	fi
	# a new model: at once; the same after a crash: 30 s later
	if [[ -n $want ]] && { [[ $want != "$current" ]] ||
		{ [[ -z $pid ]] && ((SECONDS - died >= 30)); }; }; then
		stop
		model=${want%%$'\t'*} name=${want#*$'\t'}
		say "serving '$model' as '$name'"
		# a session of its own, so that stop() reaches its workers too
		setsid "${vllm[@]}" "$model" --served-model-name "$name" --host 0.0.0.0 \
			--port "$port" "${extra[@]}" >>"$log" 2>&1 </dev/null &
		pid=$! current=$want
	fi
	sleep "$poll" &
	wait $! || true
done
