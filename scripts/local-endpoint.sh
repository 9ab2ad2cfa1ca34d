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
#
# --events: completion by events, the CDK app's default, on one machine. The endpoint sends Athena's
# state-change events (serve --events-to) to the function's Lambda Invoke API (served by `invoke --package
# --invoke-port`, the same packaged bootstrap the whole time), standing in for the EventBridge rule:
#   schedule tick (daily_revenue, with weekly_top_pizzas `after` it) -> the function starts daily_revenue and
#   returns -> its events -> the function finishes the run and starts weekly_top_pizzas -> its events -> the
#   function finishes that run; each finish delivers the result (s3://example-reports/). Each invocation's
#   billed duration is printed (TIMEOUT=seconds to wait, 120).
set -euo pipefail
MODE=wait
for argument in "$@"; do
  case $argument in
    --events) MODE=events ;;
    *) echo "local-endpoint: unknown argument $argument (expected --events)" >&2; exit 2 ;;
  esac
done
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
SERVE_PID= FUNCTION_PID=
cleanup() {
  if [[ -n $FUNCTION_PID ]]; then kill -TERM "$FUNCTION_PID" 2>/dev/null || true; wait "$FUNCTION_PID" 2>/dev/null || true; fi
  if [[ -n $SERVE_PID ]]; then kill -TERM "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

printf '==> sample data lake (31 days) in %s/sample\n' "$WORK"
"$GENERATE" --out "$WORK/sample" --days 31 > /dev/null

SERVE_OPTIONS=()
if [[ $MODE == events ]]; then
  # The function's Invoke API port: free a moment ago (the function host binds it before any query starts, and
  # serve retries an event it can not deliver).
  FUNCTION_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  INVOKE_URL=http://127.0.0.1:$FUNCTION_PORT/2015-03-31/functions/athena-runner/invocations
  SERVE_OPTIONS=(--events-to "$INVOKE_URL" --events-work-group primary)
fi
printf '==> athena-runner serve --data-dir %s/endpoint %s\n' "$WORK" "${SERVE_OPTIONS[*]}"
"$BIN" serve --port 0 --data-dir "$WORK/endpoint" --quiet "${SERVE_OPTIONS[@]}" > "$WORK/serve.out" 2> "$WORK/serve.err" &
SERVE_PID=$!
ENDPOINT=
for _ in $(seq 100); do
  ENDPOINT=$(grep -o 'APIs at http://127.0.0.1:[0-9]*' "$WORK/serve.out" | head -1 | sed 's/^APIs at //' || true)
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
[[ $MODE == events ]] && aws s3 mb s3://example-reports > /dev/null   # where --events delivers the results
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

# The payload EventBridge Scheduler delivers (docs/queries-file.md): the resolved query plus the time; in events
# mode also its dependents (weekly_top_pizzas after daily_revenue, for the same slot) and where each run's result
# is delivered (`deliver:`, docs/queries-file.md): daily_revenue to a key named by the slot's date,
# weekly_top_pizzas gzip-compressed under a prefix.
python3 - "$SLOT" "$MODE" > "$WORK/event.json" <<'PY'
import json, sys, yaml
spec = yaml.safe_load(open("examples/queries.yaml"))
defaults = spec["defaults"]
def resolved(name):
    query = spec["queries"][name]
    return {"name": name, "sql": query["sql"], "parameters": query.get("parameters", []),
            "workgroup": defaults["workgroup"], "catalog": defaults["catalog"], "database": defaults["database"],
            "output": defaults["output"], "timeout": defaults["timeout"], "timezone": defaults["timezone"]}
event = {"query": resolved("daily_revenue"), "scheduled_time": sys.argv[1]}
if sys.argv[2] == "events":
    event["query"]["deliver"] = [{"to": "s3://example-reports/daily_revenue/{{ scheduled_date }}.csv"}]
    event["dependents"] = [dict(resolved("weekly_top_pizzas"), after=["daily_revenue"],
                                deliver=[{"to": "s3://example-reports/weekly_top_pizzas/", "format": "csv.gz"}])]
print(json.dumps(event))
PY

if [[ $MODE == events ]]; then
  printf '==> the function (packaged bootstrap, completion by events) with its Invoke API at %s\n' "$INVOKE_URL"
  printf '==> one schedule tick of daily_revenue at %s: a direct invocation; the rest comes from events\n' "$SLOT"
  ATHENA_RUNNER_COMPLETION_MODE=events ATHENA_RUNNER_OUTPUT=s3://example-athena-results/ \
    "$BIN" invoke --package --zip "$ZIP" --event "$WORK/event.json" --invoke-port "$FUNCTION_PORT" \
    > "$WORK/invocations.jsonl" 2> "$WORK/function.log" &
  FUNCTION_PID=$!
  # Done when the function has finished the dependent's run, or an invocation failed.
  flow_state() {
    python3 - "$WORK/invocations.jsonl" <<'PY'
import json, sys
state = "waiting"
for line in open(sys.argv[1]):
    invocation = json.loads(line)
    if not invocation["succeeded"]:
        state = "failed"
    for query in invocation.get("response", {}).get("queries", []):
        if query.get("name") == "weekly_top_pizzas" and query.get("action") == "finished" and state != "failed":
            state = "finished"
print(state)
PY
  }
  state=waiting
  for _ in $(seq $((${TIMEOUT:-120} * 5))); do
    state=$(flow_state 2>/dev/null || echo waiting)
    [[ $state != waiting ]] && break
    kill -0 "$FUNCTION_PID" 2>/dev/null || break
    sleep 0.2
  done
  kill -TERM "$FUNCTION_PID" 2>/dev/null || true
  function_status=0
  wait "$FUNCTION_PID" || function_status=$?
  FUNCTION_PID=
  printf '==> the function'"'"'s invocations (source: queued = the tick, invoke = an event from serve)\n'
  python3 - "$WORK/invocations.jsonl" <<'PY'
import json, sys
billed = 0
for line in open(sys.argv[1]):
    invocation = json.loads(line)
    billed += invocation["billed_duration_ms"]
    answer = invocation.get("response") or invocation.get("error") or {}
    queries = ", ".join("%s %s" % (q.get("name"), q.get("state")) if q.get("action") != "ignored"
                        else "%s ignored (%s)" % (q.get("query_execution_id"), q.get("note", ""))
                        for q in answer.get("queries", []))
    print("    %-6s %-18s %5d ms  %s" % (invocation["source"], answer.get("event", ""), invocation["billed_duration_ms"],
                                      queries or answer.get("errorMessage", "")))
print("    billed in all: %d ms" % billed)
PY
  [[ $state == finished ]] || {
    echo "local-endpoint: the dependent weekly_top_pizzas was not finished (function log: $WORK/function.log)" >&2
    tail -20 "$WORK/function.log" >&2; exit 1; }
  [[ $function_status == 0 ]] || { echo "local-endpoint: an invocation failed (see above)" >&2; exit 1; }

  printf '\n==> the results where the runs delivered them (daily_revenue, then weekly_top_pizzas, gzip)\n'
  aws s3 ls --recursive s3://example-reports/
  for name in daily_revenue weekly_top_pizzas; do
    id=$(grep -o '"name":"'"$name"'","query_execution_id":"[^"]*"' "$WORK/invocations.jsonl" | head -1 |
           sed 's/.*"query_execution_id":"\([^"]*\)"/\1/')
    key=$(aws s3api list-objects-v2 --bucket example-reports --prefix "$name/" --query 'Contents[0].Key' --output text)
    [[ -n $key && $key != None ]] || { echo "local-endpoint: nothing was delivered for $name" >&2; exit 1; }
    printf -- '--- %s (%s, delivered to s3://example-reports/%s)\n' "$name" "$id" "$key"
    if [[ $key == *.gz ]]; then aws s3 cp "s3://example-reports/$key" - | gunzip; else aws s3 cp "s3://example-reports/$key" -; fi
  done
  exit 0
fi

printf '==> one schedule tick of daily_revenue at %s: the packaged bootstrap under the Runtime API\n' "$SLOT"
"$BIN" invoke --package --zip "$ZIP" --event "$WORK/event.json" | tee "$WORK/response.json"

printf '\n==> the result in the local results bucket\n'
aws s3 ls --recursive s3://example-athena-results/
result_key=$(aws s3api list-objects-v2 --bucket example-athena-results --query 'Contents[?ends_with(Key, `.csv`)].Key | [0]' --output text)
aws s3 cp "s3://example-athena-results/$result_key" -
