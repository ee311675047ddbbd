#!/usr/bin/env bash
# The two entry points of a fresh Debian 12 machine (run as root):
#   bash scripts/dev.sh run    install missing packages, build build/tocsin, run it on the embedded config
#   bash scripts/dev.sh test   install missing packages, build with ASan+UBSan, run the whole test suite
# Both are idempotent: installed packages are skipped, builds are incremental (ccache when present).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

build_pkgs=(cmake g++ make pkg-config ccache libboost1.81-all-dev prometheus-cpp-dev
  libcurl4-openssl-dev libyaml-cpp-dev libspdlog-dev libre2-dev nlohmann-json3-dev libexpected-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsnappy-dev libssl-dev libcrypt-dev)
# Reference peers and real servers for the differential and integration tests.
test_pkgs=(prometheus prometheus-alertmanager python3 python3-aiosmtpd curl openssl)
# The libFuzzer targets (tests/fuzz): clang with its sanitizer and libFuzzer runtimes.
fuzz_pkgs=(clang libclang-rt-14-dev)

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "dev.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

jobs=${TOCSIN_JOBS:-$(nproc)}

case "${1:-}" in
  run)
    shift
    install_missing "${build_pkgs[@]}"
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTOCSIN_BUILD_BENCH=OFF >/dev/null
    cmake --build build --target tocsin -j "$jobs"
    exec build/tocsin run "$@"
    ;;
  test)
    shift
    install_missing "${build_pkgs[@]}" "${test_pkgs[@]}" "${fuzz_pkgs[@]}"
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTOCSIN_SANITIZE=ON -DTOCSIN_BUILD_BENCH=OFF >/dev/null
    cmake --build build-asan -j "$jobs"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 900 "$@"
    # Then every fuzz target for TOCSIN_FUZZ_SECONDS (60) on its seed corpus (docs/fuzzing.md);
    # a crash, hang, leak or sanitizer report fails the run. TOCSIN_FUZZ_SECONDS=0 skips it.
    # The seed is fixed (TOCSIN_FUZZ_SEED, 1) so that the run is repeatable: what it finds is
    # found again by the same command, never by chance on one run only.
    fuzz_seconds=${TOCSIN_FUZZ_SECONDS:-60}
    if ((fuzz_seconds > 0)); then
      CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DTOCSIN_FUZZ=ON >/dev/null
      cmake --build build-fuzz --target tocsin_fuzzers -j "$jobs"
      fuzz_rc=0
      rm -rf build-fuzz/tests/fuzz/work
      env -u ASAN_OPTIONS -u UBSAN_OPTIONS TOCSIN_FUZZ_SEED="${TOCSIN_FUZZ_SEED:-1}" \
        tests/fuzz/run.sh build-fuzz/tests/fuzz "$fuzz_seconds" | tee build-fuzz/fuzz-summary.txt ||
        fuzz_rc=1
      ok=$(grep -c ': ok,' build-fuzz/fuzz-summary.txt || true)
      bad=$(grep -c ': FAILED' build-fuzz/fuzz-summary.txt || true)
      echo "fuzz: $ok passed, $bad failed"
      exit $fuzz_rc
    fi
    ;;
  *)
    echo "usage: bash scripts/dev.sh run|test" >&2
    exit 2
    ;;
esac
