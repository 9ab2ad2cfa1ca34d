#!/usr/bin/env bash
# The whole system on one machine, as production runs it: `athena-runner serve` stands in for S3, Glue
# and Athena; the pizza-sales sample data lake is loaded through the S3 API (aws s3 sync) and its tables
# through Glue (aws glue create-table); then one schedule tick of `daily_revenue` runs the way
# EventBridge Scheduler triggers it: the packaged Lambda bootstrap (dist/athena-runner-lambda.zip) under
# the loopback Runtime API, pointed at the endpoint with AWS_ENDPOINT_URL. The result CSV lands in the
# local results bucket and is printed. Everything lives in a temporary folder, removed at the end
# (KEEP=1 keeps it); the endpoint is always stopped.
#
#   scripts/local-endpoint.sh     (BUILD=build dir, ZIP=package, SLOT=scheduled time, WORK_DIR=folder to keep)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$BUILD/src/cli/athena-runner
GENERATE=$BUILD/examples/generator/generate-sample
ZIP=${ZIP:-dist/athena-runner-lambda.zip}
# 06:00 Berlin on 2024-01-15: daily_revenue reports 2024-01-14.
SLOT=${SLOT:-2024-01-15T05:00:00Z}
for needed in "$BIN" "$GENERATE" "$ZIP"; do
  [[ -e $needed ]] || { echo "local-endpoint: $needed is missing (build it, or set BUILD/ZIP)" >&2; exit 2; }
done

if [[ -n ${WORK_DIR:-} ]]; then
  WORK=$WORK_DIR KEEP=1  # the caller's folder: left in place
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/athena-runner-endpoint.XXXXXX")
fi
SERVE_PID=
cleanup() {
  if [[ -n $SERVE_PID ]]; then kill -TERM "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

printf '==> sample data lake (31 days) in %s/sample\n' "$WORK"
"$GENERATE" --out "$WORK/sample" --days 31 > /dev/null

printf '==> athena-runner serve --data-dir %s/endpoint\n' "$WORK"
"$BIN" serve --port 0 --data-dir "$WORK/endpoint" --quiet > "$WORK/serve.out" 2> "$WORK/serve.err" &
SERVE_PID=$!
ENDPOINT=
for _ in $(seq 100); do
  ENDPOINT=$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/serve.out" | head -1 || true)
  [[ -n $ENDPOINT ]] && break
  sleep 0.1
done
[[ -n $ENDPOINT ]] || { echo "local-endpoint: the endpoint did not start:" >&2; cat "$WORK/serve.err" >&2; exit 1; }
echo "    $ENDPOINT"

: > "$WORK/empty"
export AWS_ENDPOINT_URL=$ENDPOINT AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
  AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=$WORK/empty AWS_SHARED_CREDENTIALS_FILE=$WORK/empty \
  AWS_EC2_METADATA_DISABLED=true AWS_PAGER=
unset AWS_PROFILE AWS_SESSION_TOKEN

printf '==> aws s3 sync the data lake into s3://example-data-lake\n'
aws s3 mb s3://example-data-lake > /dev/null
aws s3 mb s3://example-athena-results > /dev/null
aws s3 sync --only-show-errors "$WORK/sample/example-data-lake" s3://example-data-lake
aws s3 ls --recursive --summarize s3://example-data-lake | tail -2

printf '==> aws glue create-database / create-table (the generator'"'"'s get-table JSON)\n'
aws glue create-database --database-input Name=pizza
for table_file in "$WORK"/sample/.glue/pizza/*.json; do
  table_input=$(python3 -c '
import json, sys
table = json.load(open(sys.argv[1]))["Table"]
for key in ("DatabaseName", "CreateTime", "UpdateTime", "CatalogId", "IsRegisteredWithLakeFormation",
            "VersionId", "CreatedBy", "LastAccessTime"):
    table.pop(key, None)
print(json.dumps(table))' "$table_file")
  aws glue create-table --database-name pizza --table-input "$table_input"
done
aws glue get-tables --database-name pizza --query 'TableList[].Name' --output text

# As in Athena, a new partitioned table reads only registered partitions: MSCK REPAIR TABLE registers its
# k=v/ folders.
for table in $(aws glue get-tables --database-name pizza --query 'TableList[?length(PartitionKeys) > `0`].Name' \
                 --output text); do
  printf '==> MSCK REPAIR TABLE pizza.%s (registers its partitions)\n' "$table"
  repair=$(aws athena start-query-execution --query-string "MSCK REPAIR TABLE pizza.$table" \
             --result-configuration OutputLocation=s3://example-athena-results/ddl/ --query QueryExecutionId --output text)
  state=QUEUED
  for _ in $(seq 300); do
    state=$(aws athena get-query-execution --query-execution-id "$repair" --query QueryExecution.Status.State \
              --output text)
    [[ $state == SUCCEEDED || $state == FAILED || $state == CANCELLED ]] && break
    sleep 0.2
  done
  [[ $state == SUCCEEDED ]] || { echo "local-endpoint: MSCK REPAIR TABLE pizza.$table ended $state" >&2; exit 1; }
done

printf '==> one schedule tick of daily_revenue at %s: the packaged bootstrap under the Runtime API\n' "$SLOT"
# The payload EventBridge Scheduler delivers (docs/queries-file.md): the resolved query plus the time.
python3 - "$SLOT" > "$WORK/event.json" <<'PY'
import json, sys, yaml
spec = yaml.safe_load(open("examples/queries.yaml"))
defaults, query = spec["defaults"], spec["queries"]["daily_revenue"]
resolved = {"name": "daily_revenue", "sql": query["sql"], "parameters": query.get("parameters", []),
            "workgroup": defaults["workgroup"], "catalog": defaults["catalog"], "database": defaults["database"],
            "output": defaults["output"], "timeout": defaults["timeout"], "timezone": defaults["timezone"]}
print(json.dumps({"query": resolved, "scheduled_time": sys.argv[1]}))
PY
"$BIN" invoke --package --zip "$ZIP" --event "$WORK/event.json" | tee "$WORK/response.json"

printf '\n==> the result in the local results bucket\n'
aws s3 ls --recursive s3://example-athena-results/
result_key=$(aws s3api list-objects-v2 --bucket example-athena-results --query 'Contents[?ends_with(Key, `.csv`)].Key | [0]' --output text)
aws s3 cp "s3://example-athena-results/$result_key" -
