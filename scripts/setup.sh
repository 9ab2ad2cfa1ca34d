#!/usr/bin/env bash
# Installs every dependency athena-runner needs on Debian 12 and builds it.
# Safe to run again: each step is skipped when already done.
#   scripts/setup.sh                  optimised build (no debug info) of every target in build/
#   AR_SANITIZE=1 scripts/setup.sh    also the unit tests under address+UB sanitizers in build-asan/
#   AR_TARGETS="athena-runner generate-sample" scripts/setup.sh   only those targets
#   AR_PROFILE=demo                   only the Debian packages and the configuration the demo needs (scripts/demo.sh)
#   AR_SKIP_INFRA=1                   skip the CDK app's npm packages
# Each phase prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
phase_name=""; phase_start=0
phase_done() { if [ -n "$phase_name" ]; then printf '    (%s: %d s)\n' "$phase_name" $((SECONDS - phase_start)); fi; phase_name=""; }
step() { phase_done; phase_name=$*; phase_start=$SECONDS; printf '\n==> %s\n' "$*"; }
fail() { printf '\nsetup failed: %s\n' "$*" >&2; exit 1; }
# The compiler cache is shared by every clone of the project on this machine: paths are hashed relative to
# the clone, and the working directory is not hashed (a fresh clone, CI's included, rebuilds from the cache).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

# What building athena-runner and the sample generator needs (AR_PROFILE=demo installs only these) ...
APT_PACKAGES=(build-essential cmake ninja-build ccache pkg-config
  libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libsimdjson-dev libpugixml-dev
  libcpp-httplib-dev libboost1.81-dev libcli11-dev libyaml-cpp-dev libcctz-dev libedit-dev libre2-dev)
# ... and what the tests, benchmarks, Lambda package and style checks add.
if [ "${AR_PROFILE:-all}" != demo ]; then
  APT_PACKAGES+=(git zip unzip libgtest-dev libgmock-dev libbenchmark-dev clang clang-format clang-tidy python3)
fi

missing=()
# Node.js and npm: the machine's own if present (it may not come from Debian), else Debian's.
command -v node >/dev/null && command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  step "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q || fail "apt-get update failed (is a Debian mirror reachable?)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || fail "apt-get install failed for: ${missing[*]}"
fi

if [ "${AR_PROFILE:-all}" != demo ]; then  # the demo runs no test peer
  for tool in moto_server aws; do
    command -v "$tool" >/dev/null || echo "warning: '$tool' is not on PATH: the integration tests that need it will fail (python3 -m pip install 'moto[server]' awscli)" >&2
  done
  python3 -c 'import boto3, botocore' 2>/dev/null || echo "warning: python3 cannot import boto3/botocore: cross-check tests will fail" >&2
fi

# DuckDB 1.5.6, pinned, from npm (never committed): the shared library from the Node bindings package, and the
# C header from DuckDB 1.4.4's source package, because no npm package of 1.5.x ships duckdb.h. Every function
# and type the project uses is declared identically in 1.5.6's header (src/engine/local/README.md, "DuckDB
# version", lists them). third_party/duckdb/VERSION records the pins; a different pin fetches again.
DUCKDB_DIR=$ROOT/third_party/duckdb
DUCKDB_BINDINGS=@duckdb/node-bindings-linux-x64@1.5.6-r.1
DUCKDB_HEADER_SOURCE=duckdb@1.4.4
DUCKDB_PINS="$DUCKDB_BINDINGS $DUCKDB_HEADER_SOURCE"
if [ ! -f "$DUCKDB_DIR/lib/libduckdb.so" ] || [ ! -f "$DUCKDB_DIR/include/duckdb.h" ] ||
  [ "$(cat "$DUCKDB_DIR/VERSION" 2>/dev/null)" != "$DUCKDB_PINS" ]; then
  step "fetching DuckDB 1.5.6 from npm ($DUCKDB_BINDINGS; duckdb.h from $DUCKDB_HEADER_SOURCE)"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$DUCKDB_BINDINGS" "$DUCKDB_HEADER_SOURCE" >/dev/null) || fail "npm pack of DuckDB failed (is the npm registry reachable?)"
  mkdir -p "$tmp/b" "$tmp/s"
  tar xzf "$tmp"/duckdb-node-bindings-linux-x64-*.tgz -C "$tmp/b" package/libduckdb.so
  tar xzf "$tmp/duckdb-${DUCKDB_HEADER_SOURCE#duckdb@}.tgz" -C "$tmp/s" package/src/duckdb/src/include/duckdb.h
  rm -rf "$DUCKDB_DIR.partial"
  mkdir -p "$DUCKDB_DIR.partial/lib" "$DUCKDB_DIR.partial/include"
  mv "$tmp/b/package/libduckdb.so" "$DUCKDB_DIR.partial/lib/"
  mv "$tmp/s/package/src/duckdb/src/include/duckdb.h" "$DUCKDB_DIR.partial/include/"
  # npm stamps every file 1985-10-26: give them today's time, so that a build sees the new library and header.
  touch "$DUCKDB_DIR.partial/lib/libduckdb.so" "$DUCKDB_DIR.partial/include/duckdb.h"
  printf '%s\n' "$DUCKDB_PINS" > "$DUCKDB_DIR.partial/VERSION"
  rm -rf "$DUCKDB_DIR" && mv "$DUCKDB_DIR.partial" "$DUCKDB_DIR"
fi

if [ -f infra/package.json ] && [ "${AR_SKIP_INFRA:-0}" != 1 ]; then
  if [ ! -d infra/node_modules ] || [ infra/package-lock.json -nt infra/node_modules/.package-lock.json ]; then
    step "installing the CDK app's npm packages"
    (cd infra && npm ci --no-audit --no-fund) || fail "npm ci in infra/ failed"
  fi
fi

# The AWS SDK for JavaScript v3, pinned in tests/server/js/package-lock.json: the server's tests drive the
# endpoint with it (tests/server/serve_js_test.cpp).
if [ "${AR_PROFILE:-all}" != demo ] && { [ ! -d tests/server/js/node_modules ] ||
  [ tests/server/js/package-lock.json -nt tests/server/js/node_modules/.package-lock.json ]; }; then
  step "installing the AWS SDK for JavaScript for the server's tests"
  (cd tests/server/js && npm ci --no-audit --no-fund) || fail "npm ci in tests/server/js failed (is the npm registry reachable?)"
fi

build() { # dir, "targets" (empty: all), extra cmake args...
  local dir=$1 targets=$2; shift 2
  step "building in $dir${targets:+ ($targets)}"
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null || fail "cmake configure of $dir failed"
  # shellcheck disable=SC2086 # targets is a list
  cmake --build "$dir" -j "${AR_JOBS:-2}" ${targets:+--target $targets} || fail "build in $dir failed (see the compiler output above)"
}
# Optimised, without debug info: nothing in the tests or the demo reads it, and it roughly doubles compile
# and link time. Configure your own directory with -DCMAKE_BUILD_TYPE=RelWithDebInfo to debug.
# The demo profile configures without the tests and benchmarks (GoogleTest and Google Benchmark are not even
# installed) and builds only AR_TARGETS, with the same flags as the full build: its objects are a subset of the
# full build's, so a later scripts/test.sh in the same tree (or any clone, through ccache) compiles them no more.
if [ "${AR_PROFILE:-all}" = demo ]; then
  build build "${AR_TARGETS:-}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O2 -DAR_BUILD_TESTS=OFF \
    -DAR_BUILD_BENCH=OFF
else
  build build "${AR_TARGETS:-}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O2 -DAR_BUILD_TESTS=ON \
    -DAR_BUILD_BENCH=ON
fi
if [ "${AR_SANITIZE:-0}" = 1 ]; then
  # Only the unit tests run under the sanitizers; -O1 with line tables is enough for their reports.
  build build-asan ar_unit_tests -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DAR_SANITIZE=ON -DAR_BUILD_BENCH=OFF
fi
phase_done
printf '\n==> set-up done (%d s)\n' "$SECONDS"
