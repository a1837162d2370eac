# model-common.sh - sourced by bench/model-*: builds the C driver, finds torch
# shellcheck shell=bash
here=$(cd "$(dirname "$0")/.." && pwd)
drv="$here/build/bench/model_bench"

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i+1)}'; }

build_driver() {
	make -C "$here" -s build/opt/libstp.a build/opt/libmm.a >&2 || exit 1
	mkdir -p "$here/build/bench"
	# shellcheck disable=SC2046
	cc -std=c11 -D_GNU_SOURCE -O2 -g -I"$here/lib" $(pkg-config --cflags openblas) \
		-o "$drv" "$here/bench/model_bench.c" "$here/build/opt/libstp.a" "$here/build/opt/libmm.a" \
		$(pkg-config --libs jansson yaml-0.1 libxxhash zlib openblas) -lpthread -lm || exit 1
}

# Debian's python3-torch lives under /usr/bin/python3 (a pyenv python3 on PATH may not see it)
find_torch() {
	for py in /usr/bin/python3 python3; do
		if "$py" -c 'import torch' 2>/dev/null; then
			echo "$py"
			return 0
		fi
	done
	echo "bench: PyTorch not found (apt-get install python3-torch, or tools/deps --bench)" >&2
	return 1
}
