#!/bin/sh
# Side-by-side: tocsin vs Debian's Prometheus + Alertmanager on the same targets, rules and
# routing (see compare.py for what is measured, docs/performance.md for the figures).
#
#   bench/compare/compare.sh [--build-dir DIR] [compare.py args: --sizes idle,small,medium
#                            --duration 180 --idle-duration 60 --repeats 3 --ingest yes|no
#                            --json FILE --keep]
#
# DIR (default build-release) must be a Release build with TOCSIN_BUILD_BENCH=ON; it is
# configured there if missing and the two targets (tocsin, bench_exporter) are built. Installs
# prometheus and prometheus-alertmanager with apt-get when they are missing (root only).
# Wall time: sizes × repeats × 2 × (duration + ~5 s), plus ~45 s per ingest repeat; the
# defaults take about 50 minutes. Loopback only; every wait is bounded (compare.py).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-release
if [ "${1:-}" = "--build-dir" ]; then build=$2; shift 2; fi

if ! command -v prometheus >/dev/null || ! command -v prometheus-alertmanager >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "compare.sh: prometheus and prometheus-alertmanager are missing; as root:" >&2
    echo "  apt-get install -y prometheus prometheus-alertmanager" >&2
    exit 2
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    prometheus prometheus-alertmanager >&2
  # The packages start system services; the comparison starts its own processes.
  for s in prometheus prometheus-alertmanager; do
    if command -v systemctl >/dev/null; then systemctl stop "$s" 2>/dev/null || true; fi
  done
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTOCSIN_BUILD_BENCH=ON \
    -DTOCSIN_BUILD_TESTS=OFF >&2
fi
if ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt"; then
  echo "compare.sh: $build is not a Release build" >&2
  exit 2
fi
if ! grep -q '^TOCSIN_BUILD_BENCH:BOOL=ON$' "$build/CMakeCache.txt"; then
  cmake -S "$root" -B "$build" -DTOCSIN_BUILD_BENCH=ON >&2
fi
wrap=""
[ -x /work/bin/buildslot ] && wrap=/work/bin/buildslot
$wrap cmake --build "$build" -j1 --target tocsin bench_exporter >&2

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(git -C "$root" rev-parse --short HEAD 2>/dev/null || true)" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(prometheus --version 2>&1 | head -1); $(prometheus-alertmanager --version 2>&1 | head -1)"
exec timeout 14400 python3 "$root/bench/compare/compare.py" --tocsin "$build/tocsin" \
  --exporter "$build/bench/bench_exporter" "$@"
