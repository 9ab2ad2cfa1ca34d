#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs the main job.
# Today: the CLI's help, then `athena-runner doctor` making a real SigV4-signed Athena call
# against a local AWS peer (moto_server on a free loopback port, stopped afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BIN=build/src/cli/athena-runner

printf '\n==> athena-runner --help\n'
"$BIN" --help

printf '\n==> athena-runner doctor, against moto_server on loopback (no AWS account needed)\n'
command -v moto_server >/dev/null || { echo "demo failed: moto_server is not on PATH (python3 -m pip install 'moto[server]')" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
log=$(mktemp)
moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null; wait $moto_pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
  sleep 0.1
done
env -i PATH="$PATH" HOME="$(mktemp -d)" \
  AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
  AWS_REGION=us-east-1 AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_EC2_METADATA_DISABLED=true \
  "$BIN" doctor --workgroup primary
