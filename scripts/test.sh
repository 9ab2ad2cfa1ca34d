#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh) and runs every test:
#   format check, unit tests under address+UB sanitizers, the CDK app's jest tests,
#   then the whole ctest suite (unit, integration against moto_server/awscli/boto3, end-to-end).
# Exits non-zero if anything fails; the last lines are ctest's summary.
set -uo pipefail
cd "$(dirname "$0")/.."
export AR_SANITIZE=1
scripts/setup.sh || exit 1
status=0
section() { printf '\n==> %s\n' "$*"; }

section "clang-format check"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' '*.h' 2>/dev/null | grep -v '^third_party/')
if ((${#sources[@]})) && ! clang-format --dry-run --Werror "${sources[@]}"; then
  echo "clang-format: files above are not formatted (run: clang-format -i <file>)"; status=1
fi

section "unit tests under address + undefined-behaviour sanitizers (build-asan/)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan -L unit --output-on-failure -j 2 || status=1

if [ -f infra/package.json ]; then
  section "CDK app tests (jest, infra/)"
  (cd infra && npm test --silent) || status=1
fi

section "all tests (build/)"
ctest --test-dir build --output-on-failure -j 2 || status=1
exit $status
