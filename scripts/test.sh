#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh) and runs every test:
#   format check, clang-tidy on the changed C++ files, unit tests under address+UB sanitizers, the CDK
#   app's jest tests, then the whole ctest suite (unit, integration against moto_server/awscli/boto3,
#   end-to-end). Each phase prints how long it took.
# Exits non-zero if anything fails; the last lines are ctest's summary (its total time ends the run).
#   AR_TIDY_BASE=<rev>   clang-tidy the C++ files changed since <rev> (default: since origin/main when it is
#                        behind, else the last commit), plus uncommitted ones; AR_TIDY_BASE=all for every file
set -uo pipefail
cd "$(dirname "$0")/.."
export AR_SANITIZE=1
scripts/setup.sh || exit 1
status=0
phase_name=""; phase_start=0
phase_done() { if [ -n "$phase_name" ]; then printf '    (%s: %d s)\n' "$phase_name" $((SECONDS - phase_start)); fi; phase_name=""; }
section() { phase_done; phase_name=$*; phase_start=$SECONDS; printf '\n==> %s\n' "$*"; }

section "clang-format check"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' '*.h' 2>/dev/null | grep -v '^third_party/')
if ((${#sources[@]})) && ! clang-format --dry-run --Werror "${sources[@]}"; then
  echo "clang-format: files above are not formatted (run: clang-format -i <file>)"; status=1
fi

section "clang-tidy (.clang-tidy's checks, warnings as errors) on changed C++ sources"
tidy_base=${AR_TIDY_BASE:-}
if [ -z "$tidy_base" ]; then
  if git rev-parse -q --verify origin/main >/dev/null && [ "$(git rev-parse origin/main)" != "$(git rev-parse HEAD)" ]; then
    tidy_base=$(git merge-base origin/main HEAD)
  else
    tidy_base=$(git rev-parse -q --verify HEAD~1 || true)
  fi
fi
if [ "$tidy_base" = all ]; then
  mapfile -t tidy_files < <(git ls-files 'src/*.cpp' 'bench/*.cpp' 'examples/*.cpp')
else
  mapfile -t tidy_files < <({ [ -n "$tidy_base" ] && git diff --name-only --diff-filter=AMR "$tidy_base" -- 'src/*.cpp' 'bench/*.cpp' 'examples/*.cpp'
    git ls-files --others --exclude-standard -- 'src/*.cpp' 'bench/*.cpp' 'examples/*.cpp'; } | sort -u)
fi
if ((${#tidy_files[@]})); then
  echo "${#tidy_files[@]} file(s) since ${tidy_base:-the first commit}"
  if ! printf '%s\n' "${tidy_files[@]}" | xargs -P 2 -n 4 clang-tidy -p build --quiet --warnings-as-errors='*' 2>/dev/null; then
    echo "clang-tidy: the findings above are errors (checks in .clang-tidy)"; status=1
  fi
else
  echo "no changed C++ sources"
fi

section "unit tests under address + undefined-behaviour sanitizers (build-asan/)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan -L unit --output-on-failure -j 2 || status=1

if [ -f infra/package.json ]; then
  section "CDK app tests (jest, infra/)"
  (cd infra && npm test --silent) || status=1
fi

section "all tests (build/), $SECONDS s into test.sh; ctest's summary ends the output"
ctest --test-dir build --output-on-failure -j 2 || status=1
exit $status
