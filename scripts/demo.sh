#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs the main job on the embedded local default:
# generates the pizza-sales sample data lake if it is missing (examples/data, about a million rows),
# shows what would be sent to Athena for one scheduled slot of `daily_revenue`, and runs that slot on the
# local engine (DuckDB), printing the result table and the run summary. No AWS account needed.
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what the demo runs: its Debian packages, DuckDB, and the two targets (no tests, no CDK app).
AR_PROFILE=demo AR_SKIP_INFRA=1 AR_TARGETS="athena-runner generate-sample" scripts/setup.sh
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

SQL="SELECT pizza_id, sum(quantity) AS sold FROM order_details GROUP BY 1 ORDER BY 2 DESC LIMIT 5"
printf '\n==> athena-runner query -d pizza --data-dir %s "%s"\n' "$DATA" "$SQL"
env -u AWS_PROFILE -u AWS_REGION -u AWS_DEFAULT_REGION -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
  "$BIN" query -d pizza --data-dir "$DATA" "$SQL"

printf '\nDone. The result file is under %s/example-athena-results/athena-runner/ (<QueryExecutionId>.csv).\n' "$DATA"
printf 'Next: athena-runner --help, athena-runner query --help, README.md (one section per feature).\n'
