#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs the main job on the embedded local default:
# generates the pizza-sales sample data lake if it is missing (examples/data, about a million rows),
# shows what would be sent to Athena for one scheduled slot of `daily_revenue`, and runs that slot on the
# local engine (DuckDB), printing the result table and the run summary. No AWS account needed.
set -euo pipefail
cd "$(dirname "$0")/.."
AR_SKIP_INFRA=1 AR_TARGETS="athena-runner generate-sample" scripts/setup.sh  # only what the demo runs
BIN=build/src/cli/athena-runner
DATA=examples/data
# The 06:00 Berlin slot of 2024-06-15: the query reports the day before (the sample covers 2024).
SLOT=2024-06-15T06:00:00+02:00

printf '\n==> sample data lake in %s (generated once; --force to regenerate)\n' "$DATA"
build/examples/generator/generate-sample --out "$DATA"

printf '\n==> athena-runner list -q examples/queries.yaml\n'
"$BIN" list -q examples/queries.yaml

printf '\n==> athena-runner render -q examples/queries.yaml daily_revenue --at %s\n' "$SLOT"
"$BIN" render -q examples/queries.yaml daily_revenue --at "$SLOT"

printf '\n==> athena-runner run -q examples/queries.yaml daily_revenue --at %s --data-dir %s --format table\n' "$SLOT" "$DATA"
# No AWS credentials or region configured here, so the runner picks the local engine (and says so).
env -u AWS_PROFILE -u AWS_REGION -u AWS_DEFAULT_REGION -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
  "$BIN" run -q examples/queries.yaml daily_revenue --at "$SLOT" --data-dir "$DATA" --format table

printf '\nDone. The result file is under %s/example-athena-results/athena-runner/ (<QueryExecutionId>.csv).\n' "$DATA"
printf 'Next: athena-runner --help, README.md (one section per feature).\n'
