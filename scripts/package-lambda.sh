#!/usr/bin/env bash
# Builds the Lambda deployment package for provided.al2023 (x86_64): dist/athena-runner-lambda.zip.
#
#   scripts/package-lambda.sh [--bootstrap PATH --launcher PATH] [--build-dir DIR] [--output ZIP]
#
# Layout of the zip (see src/lambda/README.md):
#   bootstrap                     what Lambda runs: a static launcher (src/lambda/launcher_main.cpp) that starts
#                                 bin/athena-runner-bootstrap through the shipped loader, setting TZDIR and
#                                 AWS_CA_BUNDLE
#   bin/athena-runner-bootstrap   our executable (stripped)
#   lib/                          the glibc loader and every shared library the executable needs: this machine
#                                 builds against glibc 2.36, AL2023 has 2.34, so nothing comes from the host
#   share/zoneinfo/               IANA time zones for cctz (provided.al2023 ships no tzdata), via TZDIR
# CA certificates come from the host: AL2023's /etc/pki/tls/certs/ca-bundle.crt (via AWS_CA_BUNDLE).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bootstrap_bin=""
launcher_bin=""
build_dir="$repo/build-package"
output="$repo/dist/athena-runner-lambda.zip"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bootstrap) bootstrap_bin="$2"; shift 2 ;;
    --launcher) launcher_bin="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --output) output="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "package-lambda.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [[ "$(uname -m)" != x86_64 ]]; then
  echo "package-lambda.sh: builds an x86_64 package; this machine is $(uname -m)" >&2
  exit 1
fi

if [[ -n "$bootstrap_bin" && -z "$launcher_bin" ]] || [[ -z "$bootstrap_bin" && -n "$launcher_bin" ]]; then
  echo "package-lambda.sh: --bootstrap and --launcher go together" >&2
  exit 2
fi
if [[ -z "$bootstrap_bin" ]]; then
  # -O2: GCC 12 at -O3 reports -Wrestrict/-Warray-bounds false positives inside libstdc++ (GCC bugs 105329,
  # 105651); these stay warnings here, not errors.
  cmake -S "$repo" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
    -DCMAKE_CXX_FLAGS="-Wno-error=restrict -Wno-error=array-bounds -Wno-error=stringop-overflow" \
    -DAR_BUILD_TESTS=OFF -DAR_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build_dir" --target bootstrap bootstrap-launcher
  bootstrap_bin="$build_dir/src/lambda/bootstrap"
  launcher_bin="$build_dir/src/lambda/bootstrap-launcher"
fi
for binary in "$bootstrap_bin" "$launcher_bin"; do
  [[ -x "$binary" ]] || { echo "package-lambda.sh: no executable at $binary" >&2; exit 1; }
done

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/share"
cp "$bootstrap_bin" "$stage/bin/athena-runner-bootstrap"
strip --strip-unneeded "$stage/bin/athena-runner-bootstrap"

# The loader ldd names, and every library it resolves, copied under their sonames (symlinks followed).
loader=""
while read -r line; do
  case "$line" in
    linux-vdso.so*|*"statically linked"*) ;;
    *"=> not found"*) echo "package-lambda.sh: missing library: $line" >&2; exit 1 ;;
    *" => "*)
      soname="${line%% => *}"
      path="${line#* => }"; path="${path%% (*}"
      cp -L "$path" "$stage/lib/$soname" ;;
    /*)
      loader="${line%% (*}" ;;
  esac
done < <(ldd "$bootstrap_bin")
[[ -n "$loader" ]] || { echo "package-lambda.sh: no dynamic loader found by ldd" >&2; exit 1; }
loader_name="$(basename "$loader")"
cp -L "$loader" "$stage/lib/$loader_name"
chmod 0755 "$stage/lib/$loader_name"
strip --strip-unneeded "$stage"/lib/*.so* 2>/dev/null || true

# Time zones: the canonical tree, without the posix/ and right/ duplicates.
tar -C /usr/share/zoneinfo --exclude=./posix --exclude=./right --exclude=./posixrules --exclude=./localtime \
  -cf - . | tar -C "$stage/share" --one-top-level=zoneinfo -xf -

cp "$launcher_bin" "$stage/bootstrap"
strip --strip-all "$stage/bootstrap"
if [[ "$loader_name" != ld-linux-x86-64.so.2 ]]; then
  echo "package-lambda.sh: the launcher expects lib/ld-linux-x86-64.so.2, ldd found $loader_name" >&2
  exit 1
fi
chmod 0755 "$stage/bootstrap" "$stage/bin/athena-runner-bootstrap"

# A reproducible zip: sorted entries, fixed timestamps, Unix modes kept (bootstrap must be executable),
# symbolic links (zoneinfo aliases) stored as the files they point to.
mkdir -p "$(dirname "$output")"
python3 - "$stage" "$output" <<'PY'
import os, stat, sys, zipfile
stage, output = sys.argv[1], sys.argv[2]
entries = []
for root, dirs, files in os.walk(stage, followlinks=False):
    for name in files:
        entries.append(os.path.relpath(os.path.join(root, name), stage))
with zipfile.ZipFile(output + ".tmp", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
    for relative in sorted(entries):
        full = os.path.join(stage, relative)
        mode = stat.S_IMODE(os.stat(full).st_mode)
        info = zipfile.ZipInfo(relative, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = (stat.S_IFREG | (0o755 if mode & 0o111 else 0o644)) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(full, "rb") as data:
            archive.writestr(info, data.read(), compresslevel=9)
os.replace(output + ".tmp", output)
PY
echo "$output: $(stat -c %s "$output") bytes ($(find "$stage" -type f | wc -l) files, $(du -sb "$stage" | cut -f1) bytes unpacked)"
