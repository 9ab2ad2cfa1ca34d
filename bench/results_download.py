#!/usr/bin/env python3
"""A large query result from `athena-runner serve`, read four ways in one run (bench/README.md):

  ours, stream    the result CSV streamed from S3 into the CSV printer (what query, run and results do)
  ours, paging    every GetQueryResults page with our client, then the same printer
  boto3, paging   boto3's get_query_results paginator, rows written with csv.writer
  boto3, S3 CSV   boto3 get_object of the result CSV, parsed with csv.reader as it arrives (what PyAthena's
                  and awswrangler's CSV readers do)

Each reader runs in its own process, so its peak RSS (ru_maxrss from wait4) is its own; every reader writes the
rows to /dev/null. The time is measured inside each reader (interpreter and process start-up excluded).
Prints rows/s, MB/s of the result CSV, peak RSS, and the ratios of our stream to the others.

  bench/results_download.py --binary build/src/cli/athena-runner --reader build/bench/results_download \
      [--rows 1000000] [--no-paging]
"""
import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def environment(endpoint):
    env = dict(os.environ)
    env.update({"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true"})
    return env


def boto3_client(service):
    import boto3
    import botocore.config
    return boto3.client(service, config=botocore.config.Config(s3={"addressing_style": "path"}))


def boto3_reader(mode, query_execution_id):
    """Runs in a child process: one boto3 reader, one JSON line on stdout."""
    athena = boto3_client("athena")
    started = time.perf_counter()
    rows = 0
    with open(os.devnull, "w", newline="") as devnull:
        writer = csv.writer(devnull, quoting=csv.QUOTE_ALL)
        if mode == "boto3-paging":
            first = True
            for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_execution_id):
                page_rows = page["ResultSet"]["Rows"]
                if first:
                    page_rows = page_rows[1:]  # a SELECT's header row
                    first = False
                for row in page_rows:
                    writer.writerow([datum.get("VarCharValue") for datum in row["Data"]])
                    rows += 1
        else:
            import io
            execution = athena.get_query_execution(QueryExecutionId=query_execution_id)["QueryExecution"]
            location = execution["ResultConfiguration"]["OutputLocation"]
            bucket, key = location[len("s3://"):].split("/", 1)
            body = boto3_client("s3").get_object(Bucket=bucket, Key=key)["Body"]
            reader = csv.reader(io.TextIOWrapper(body, encoding="utf-8", newline=""))
            next(reader)  # header
            for row in reader:
                writer.writerow(row)
                rows += 1
    print(json.dumps({"mode": mode, "rows": rows, "seconds": time.perf_counter() - started}))


def run_reader(argv, env):
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    out, err = process.stdout.read().decode(), process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)} failed: {err}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_kb"] = usage.ru_maxrss
    return result


def write_table(data_dir, rows):
    """bench.t: id bigint, name string, amount double, day date, note string (CSV with a header)."""
    folder = os.path.join(data_dir, "lake", "bench", "t")
    os.makedirs(folder)
    with open(os.path.join(folder, "part-0.csv"), "w", newline="") as out:
        out.write("id,name,amount,day,note\n")
        for i in range(rows):
            out.write(f"{i},customer {i % 9973},{(i * 37) % 100000 / 100:.2f},2024-{1 + i % 12:02d}-{1 + i % 28:02d},"
                      f"order note {i % 101}\n")
    os.makedirs(os.path.join(data_dir, ".glue", "bench"))
    columns = [("id", "bigint"), ("name", "string"), ("amount", "double"), ("day", "date"), ("note", "string")]
    table = {"Table": {"Name": "t", "DatabaseName": "bench", "Parameters": {"skip.header.line.count": "1"},
                       "StorageDescriptor": {"Columns": [{"Name": n, "Type": t} for n, t in columns],
                                             "Location": "s3://lake/bench/t/",
                                             "SerdeInfo": {"SerializationLibrary":
                                                           "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                                                           "Parameters": {"field.delim": ","}}}}}
    with open(os.path.join(data_dir, ".glue", "bench", "t.json"), "w") as out:
        json.dump(table, out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default="build/src/cli/athena-runner")
    parser.add_argument("--reader", default="build/bench/results_download")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-paging", action="store_true",
                        help="only the two CSV readers (serve answers each GetQueryResults page in time proportional "
                             "to the whole result, so paging a million rows takes tens of minutes)")
    parser.add_argument("--boto3-reader", choices=["boto3-paging", "boto3-csv"], help=argparse.SUPPRESS)
    parser.add_argument("--id", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.boto3_reader:
        boto3_reader(args.boto3_reader, args.id)
        return

    with tempfile.TemporaryDirectory(prefix="results-download-") as data_dir:
        write_table(data_dir, args.rows)
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}"
        env = environment(endpoint)
        serve = subprocess.Popen([args.binary, "serve", "--port", str(port), "--data-dir", data_dir],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if not wait_for_port(port):
                sys.exit("athena-runner serve did not start")
            os.environ.update(env)
            athena = boto3_client("athena")
            query_id = athena.start_query_execution(
                QueryString="SELECT * FROM t", QueryExecutionContext={"Database": "bench"},
                ResultConfiguration={"OutputLocation": "s3://results/"})["QueryExecutionId"]
            while True:
                state = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
                if state["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                    break
                time.sleep(0.2)
            if state["State"] != "SUCCEEDED":
                sys.exit(f"the query {state['State']}: {state.get('StateChangeReason')}")
            csv_bytes = os.path.getsize(os.path.join(data_dir, "results", query_id + ".csv"))
            me = [sys.executable, os.path.abspath(__file__)]
            readers = [("ours, stream", [args.reader, "stream", query_id]),
                       ("ours, GetQueryResults paging", [args.reader, "paging", query_id]),
                       ("boto3, GetQueryResults paging", me + ["--boto3-reader", "boto3-paging", "--id", query_id]),
                       ("boto3, result CSV from S3", me + ["--boto3-reader", "boto3-csv", "--id", query_id])]
            if args.no_paging:
                readers = [readers[0], readers[3]]
            results = []
            for name, argv in readers:
                result = run_reader(argv, env)
                if result["rows"] != args.rows:
                    sys.exit(f"{name} read {result['rows']} rows, not {args.rows}")
                results.append((name, result))
        finally:
            serve.terminate()
            serve.wait(timeout=10)

    print(f"{args.rows:,} rows, result CSV {csv_bytes / 1e6:.1f} MB, from athena-runner serve on loopback")
    print(f"{'reader':32} {'seconds':>8} {'rows/s':>12} {'MB/s':>8} {'peak RSS MB':>12}")
    for name, result in results:
        seconds = result["seconds"]
        print(f"{name:32} {seconds:8.2f} {args.rows / seconds:12,.0f} {csv_bytes / 1e6 / seconds:8.1f} "
              f"{result['peak_rss_kb'] / 1024:12.1f}")
    stream = results[0][1]["seconds"]
    for name, result in results[1:]:
        print(f"ours, stream is {result['seconds'] / stream:.1f}x faster than {name}")


if __name__ == "__main__":
    main()
