"""The Python/boto3 alternative for bench/lambda_cold_start: what the original sample deploys — a handler
that starts the event's Athena query with boto3 and polls until it ends — under a minimal Runtime API loop
(stdlib urllib, as AWS's Python runtime interface client does over HTTP). Same event, same Runtime API
emulator, same Athena endpoint, same poll schedule (0.2 s, x1.5, at most 5 s) as the C++ function.

The real python3.x Lambda runtime adds its own start-up (awslambdaric) on top: this baseline is, if anything,
faster than what Lambda would run.
"""
import json
import os
import time
import urllib.request

import boto3

ATHENA = boto3.client("athena")  # created at init, as the sample does
API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
TERMINAL = {"SUCCEEDED", "FAILED", "CANCELLED"}


def handler(event):
    query = event["query"]
    request = {
        "QueryString": query["sql"],
        "QueryExecutionContext": {"Database": query.get("database", os.environ.get("ATHENA_RUNNER_DATABASE", "default")),
                                  "Catalog": query.get("catalog", "AwsDataCatalog")},
        "WorkGroup": query.get("workgroup", os.environ.get("ATHENA_RUNNER_WORKGROUP", "primary")),
        "ClientRequestToken": (query["name"] + event.get("scheduled_time", "")).ljust(32, "0")[:128],
    }
    output = query.get("output", os.environ.get("ATHENA_RUNNER_OUTPUT"))
    if output:
        request["ResultConfiguration"] = {"OutputLocation": output}
    if query.get("parameters"):
        request["ExecutionParameters"] = query["parameters"]
    query_execution_id = ATHENA.start_query_execution(**request)["QueryExecutionId"]
    delay = 0.2
    while True:
        time.sleep(delay)
        execution = ATHENA.get_query_execution(QueryExecutionId=query_execution_id)["QueryExecution"]
        if execution["Status"]["State"] in TERMINAL:
            break
        delay = min(delay * 1.5, 5.0)
    statistics = execution.get("Statistics", {})
    scanned = statistics.get("DataScannedInBytes", 0)
    return {"queries": [{
        "name": query["name"],
        "query_execution_id": query_execution_id,
        "state": execution["Status"]["State"],
        "reason": execution["Status"].get("StateChangeReason", ""),
        "output_location": execution.get("ResultConfiguration", {}).get("OutputLocation", ""),
        "data_scanned_bytes": scanned,
        "estimated_cost_usd": 0.0 if scanned == 0 else max(scanned, 10 << 20) / (1 << 40) * 5,
    }]}


def main():
    while True:
        with urllib.request.urlopen(API + "next") as response:
            request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
            event = json.loads(response.read())
        try:
            body, path, headers = json.dumps(handler(event)).encode(), "/response", {}
        except Exception as error:  # the handler's failures become error responses
            body = json.dumps({"errorMessage": str(error), "errorType": type(error).__name__, "stackTrace": []}).encode()
            path, headers = "/error", {"Lambda-Runtime-Function-Error-Type": type(error).__name__}
        urllib.request.urlopen(urllib.request.Request(API + request_id + path, data=body, headers=headers, method="POST"))


if __name__ == "__main__":
    main()
