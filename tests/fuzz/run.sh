#!/usr/bin/env bash
# Runs the libFuzzer targets of a TOCSIN_FUZZ=ON build, each for SECONDS, one after the other.
#
#   tests/fuzz/run.sh BIN_DIR SECONDS [TARGET...]
#     BIN_DIR  the fuzz binaries' folder (build-fuzz/tests/fuzz)
#     TARGET   default: all seven targets
#
# Each target starts from its seed corpus (tests/fuzz/corpus/TARGET) plus, when the conformance
# data is present (TOCSIN_SHARED_DIR, default ../shared beside the checkout), seeds taken from it;
# new inputs go to a work directory (TOCSIN_FUZZ_WORK, default BIN_DIR/work), never into the
# repository. Options: -timeout (a hang), -rss_limit_mb, -malloc_limit_mb, LeakSanitizer on.
# TOCSIN_FUZZ_SEED fixes libFuzzer's random seed (scripts/dev.sh test uses 1): from a fresh work
# directory the run then tries the same inputs in the same order, so a failure repeats.
# Prints one line per target with its executions, corpus size and result; exits 1 when any
# target found a crash, hang, leak or sanitizer report (the reproducer is in the work
# directory's artifacts/TARGET/ folder and the log beside it).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if (($# < 2)); then
  echo "usage: tests/fuzz/run.sh BIN_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
bin=$(cd "$1" && pwd) || exit 2
seconds=$2
shift 2
targets=("$@")
((${#targets[@]})) || targets=(promql_parser_fuzz exposition_fuzz template_fuzz config_fuzz
                               matchers_fuzz api_v2_fuzz yaml_fuzz)
work=${TOCSIN_FUZZ_WORK:-$bin/work}
shared=${TOCSIN_SHARED_DIR:-$here/../../../shared}
mkdir -p "$work"

extra=""
if [[ -d $shared/conformance ]] && command -v python3 >/dev/null; then
  extra=$work/shared-seeds
  python3 "$here/gather_seeds.py" --shared "$shared/conformance" --out "$extra" 2>/dev/null ||
    extra=""
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
for t in "${targets[@]}"; do
  if [[ ! -x $bin/$t ]]; then
    echo "fuzz: $t: no binary in $bin" >&2
    failed=1
    continue
  fi
  corpus=$work/corpus/$t
  artifacts=$work/artifacts/$t
  log=$work/$t.log
  mkdir -p "$corpus" "$artifacts"
  seeds=("$here/corpus/$t")
  [[ -n $extra && -d $extra/$t ]] && seeds+=("$extra/$t")
  start=$(date +%s)
  seed=()
  [[ -n ${TOCSIN_FUZZ_SEED:-} ]] && seed=(-seed="$TOCSIN_FUZZ_SEED")
  "$bin/$t" "${seed[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 -malloc_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  secs=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  size=$(find "$corpus" -type f | wc -l)
  if ((rc != 0)); then
    failed=1
    echo "fuzz: $t: FAILED (exit $rc) after ${secs}s, ${execs:-?} executions; log $log"
    grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz invariant broken|artifact_prefix|Test unit written)" "$log" | head -20
  else
    echo "fuzz: $t: ok, ${secs}s, ${execs:-?} executions, corpus $size inputs"
  fi
done
exit $failed
