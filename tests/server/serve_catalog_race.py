#!/usr/bin/env python3
"""Catalog writers racing through `athena-runner serve` (boto3 as the client; the endpoint comes from
AWS_ENDPOINT_URL) and through a second process (`athena-runner run --local` on the same data directory).
Each scenario prints one JSON document; the C++ test (serve_catalog_test.cpp) checks it.

  serve_catalog_race.py race <data dir> <athena-runner binary> <rounds>
      threads of Glue BatchCreatePartition and UpdateTable (adding a column each, with VersionId, retried
      on ConcurrentModificationException) while ALTER TABLE ADD PARTITION / ADD COLUMNS, MSCK REPAIR TABLE
      and INSERT INTO run through the server's Athena API and through `run --local`; then lists what the
      catalog holds and what every writer was told had succeeded.
  serve_catalog_race.py answered <file> <count>
      BatchCreatePartition calls one after another; each partition whose call was answered with success is
      appended to <file> (flushed and fsynced) before the next call; stops at the first failed call.
  serve_catalog_race.py partitions
      Athena's partition semantics: a table reads its registered partitions only, each from its own location
      (Hive-style folders and a CloudTrail-style layout), DataScannedInBytes counts only the partitions read,
      and MSCK REPAIR TABLE makes an unregistered folder visible.
  serve_catalog_race.py glue-api
      GetPartition / BatchGetPartition / BatchDeletePartition / UpdatePartition / GetTableVersions and UpdateTable
      with VersionId, each response checked against botocore's output shape for the operation.
  serve_catalog_race.py verify-answered <file>
      every partition listed in <file> is in GetPartitions, and the table still loads (GetTable, SELECT).
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import threading
import time

import boto3
import botocore.config
import botocore.exceptions

ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
REGION = "us-east-1"
DATABASE = "race"
TABLE = "events"
DEADLINE_SECONDS = 240  # the whole race; every wait below is bounded by it


def client(service):
    config = botocore.config.Config(retries={"max_attempts": 1}, max_pool_connections=32)
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=REGION, config=config)


def create_table(glue, s3):
    s3.create_bucket(Bucket="lake")
    glue.create_database(DatabaseInput={"Name": DATABASE})
    glue.create_table(
        DatabaseName=DATABASE,
        TableInput={
            "Name": TABLE,
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "int"}],
                "Location": "s3://lake/events/",
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "Parameters": {"field.delim": ","},
                },
            },
            "PartitionKeys": [{"Name": "dt", "Type": "string"}],
        },
    )


def all_partitions(glue):
    values = set()
    for page in glue.get_paginator("get_partitions").paginate(DatabaseName=DATABASE, TableName=TABLE):
        for partition in page["Partitions"]:
            values.add(partition["Values"][0])
    return values


class Recorder:
    """What each writer was told had succeeded, and every failure it saw."""

    def __init__(self):
        self.lock = threading.Lock()
        self.partitions = set()
        self.columns = set()
        self.failures = []
        self.calls = 0

    def ok(self, partitions=(), columns=()):
        with self.lock:
            self.calls += 1
            self.partitions.update(partitions)
            self.columns.update(columns)

    def failed(self, what):
        with self.lock:
            self.failures.append(what)


def run_sql(athena, sql, started):
    execution_id = athena.start_query_execution(
        QueryString=sql, ResultConfiguration={"OutputLocation": "s3://lake/results/"}
    )["QueryExecutionId"]
    while time.monotonic() - started < DEADLINE_SECONDS:
        status = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]["Status"]
        if status["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return status["State"], status.get("StateChangeReason", "")
        time.sleep(0.05)
    return "TIMEOUT", sql


def race(data_dir, binary, rounds):
    started = time.monotonic()
    glue, s3 = client("glue"), client("s3")
    create_table(glue, s3)
    recorder = Recorder()

    def glue_batches(thread):
        glue = client("glue")
        for i in range(rounds):
            values = [f"glue{thread}-{i}-a", f"glue{thread}-{i}-b"]
            response = glue.batch_create_partition(
                DatabaseName=DATABASE,
                TableName=TABLE,
                PartitionInputList=[
                    {"Values": [value], "StorageDescriptor": {"Location": f"s3://lake/events/dt={value}/"}}
                    for value in values
                ],
            )
            if response.get("Errors"):
                recorder.failed(["BatchCreatePartition", values, response["Errors"]])
            else:
                recorder.ok(partitions=values)

    def glue_columns(thread):
        glue = client("glue")
        for i in range(rounds):
            column = f"glue_c{thread}_{i}"
            for _attempt in range(200):
                table = glue.get_table(DatabaseName=DATABASE, Name=TABLE)["Table"]
                storage = table["StorageDescriptor"]
                storage["Columns"].append({"Name": column, "Type": "int"})
                table_input = {k: table[k] for k in ("Name", "StorageDescriptor", "PartitionKeys", "TableType",
                                                     "Parameters") if k in table}
                try:
                    glue.update_table(DatabaseName=DATABASE, TableInput=table_input, VersionId=table["VersionId"])
                    recorder.ok(columns=[column])
                    break
                except botocore.exceptions.ClientError as error:
                    if error.response["Error"]["Code"] != "ConcurrentModificationException":
                        recorder.failed(["UpdateTable", column, str(error)])
                        break
            else:
                recorder.failed(["UpdateTable", column, "still conflicting after 200 attempts"])

    def athena_sql(thread):
        athena, s3 = client("athena"), client("s3")
        for i in range(rounds):
            added, inserted, repaired = f"sql{thread}-{i}", f"ins{thread}-{i}", f"msck{thread}-{i}"
            column = f"sql_c{thread}_{i}"
            s3.put_object(Bucket="lake", Key=f"events/dt={repaired}/part-0.csv", Body=b"7\n")
            for sql, partitions, columns in (
                (f"ALTER TABLE {DATABASE}.{TABLE} ADD PARTITION (dt = '{added}')", [added], []),
                (f"INSERT INTO {DATABASE}.{TABLE} (id, dt) VALUES ({i}, '{inserted}')", [inserted], []),
                (f"MSCK REPAIR TABLE {DATABASE}.{TABLE}", [repaired], []),
                (f"ALTER TABLE {DATABASE}.{TABLE} ADD COLUMNS ({column} int)", [], [column]),
            ):
                state, reason = run_sql(athena, sql, started)
                if state == "SUCCEEDED":
                    recorder.ok(partitions=partitions, columns=columns)
                else:
                    recorder.failed([sql, state, reason])

    def second_process():
        # `run --local` on the same data directory: its queries run at once (--concurrency) in that process.
        for i in range((rounds + 1) // 2):
            added, inserted, repaired = f"cli-{i}", f"cliins-{i}", f"climsck-{i}"
            folder = os.path.join(data_dir, "lake", "events", f"dt={repaired}")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "part-0.csv"), "w") as out:
                out.write("8\n")
            queries = os.path.join(data_dir, "..", f"race-{i}.yaml")
            with open(queries, "w") as out:
                out.write(
                    "version: 1\ndefaults:\n  database: race\n  output: s3://lake/cli-results/\n  timeout: 2m\n"
                    "queries:\n"
                    f"  add:\n    sql: ALTER TABLE events ADD PARTITION (dt = '{added}')\n"
                    f"  insert:\n    sql: INSERT INTO events (id, dt) VALUES ({i}, '{inserted}')\n"
                    "  repair:\n    sql: MSCK REPAIR TABLE events\n"
                )
            result = subprocess.run(
                [binary, "run", "-q", queries, "--all", "--local", "--data-dir", data_dir, "--no-results",
                 "--concurrency", "3"],
                capture_output=True, text=True, timeout=DEADLINE_SECONDS,
            )
            if result.returncode == 0:
                recorder.ok(partitions=[added, inserted, repaired])
            else:
                recorder.failed(["run --local", i, result.returncode, result.stdout[-2000:], result.stderr[-2000:]])

    jobs = [(glue_batches, t) for t in range(3)] + [(glue_columns, t) for t in range(2)]
    jobs += [(athena_sql, t) for t in range(2)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs) + 1) as pool:
        futures = [pool.submit(job, argument) for job, argument in jobs] + [pool.submit(second_process)]
        for future in futures:
            try:
                future.result(timeout=DEADLINE_SECONDS)
            except Exception as error:  # a thread that died is a failure of the race, not of the script
                recorder.failed(["thread", repr(error)])

    stored = all_partitions(glue)
    columns = {c["Name"] for c in glue.get_table(DatabaseName=DATABASE, Name=TABLE)["Table"]["StorageDescriptor"]["Columns"]}
    versions = glue.get_table_versions(DatabaseName=DATABASE, TableName=TABLE)["TableVersions"]
    print(json.dumps({
        "calls": recorder.calls,
        "failures": recorder.failures,
        "answered_partitions": len(recorder.partitions),
        "answered_columns": len(recorder.columns),
        "missing_partitions": sorted(recorder.partitions - stored),
        "missing_columns": sorted(recorder.columns - columns),
        "version_ids": sorted(int(v["VersionId"]) for v in versions),
        "seconds": round(time.monotonic() - started, 1),
    }))


def answered(path, count):
    glue, s3 = client("glue"), client("s3")
    create_table(glue, s3)
    with open(path, "a") as out:
        for i in range(count):
            value = f"p{i:05d}"
            try:
                response = glue.batch_create_partition(
                    DatabaseName=DATABASE, TableName=TABLE, PartitionInputList=[{"Values": [value]}]
                )
            except Exception:  # the server was killed: stop
                break
            if response.get("Errors"):
                break
            out.write(value + "\n")
            out.flush()
            os.fsync(out.fileno())
    print(json.dumps({"done": True}))


def verify_answered(path):
    glue = client("glue")
    with open(path) as lines:
        expected = {line.strip() for line in lines if line.strip()}
    stored = all_partitions(glue)
    table = glue.get_table(DatabaseName=DATABASE, Name=TABLE)["Table"]
    print(json.dumps({
        "answered": len(expected),
        "stored": len(stored),
        "missing": sorted(expected - stored),
        "table": table["Name"],
    }))


def query_rows(athena, started, sql, header=True, catalog=None):
    """One query through the server's Athena API in database logs, waited for: its rows (without the header row
    of a SELECT; DDL results have none) and DataScannedInBytes, or its state and reason when it did not succeed."""
    context = {"Database": "logs"}
    if catalog:
        context["Catalog"] = catalog
    execution_id = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext=context,
        ResultConfiguration={"OutputLocation": "s3://lake/results/"},
    )["QueryExecutionId"]
    while time.monotonic() - started < DEADLINE_SECONDS:
        execution = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
        if execution["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        time.sleep(0.05)
    if execution["Status"]["State"] != "SUCCEEDED":
        return {"state": execution["Status"]["State"], "reason": execution["Status"].get("StateChangeReason")}
    rows = athena.get_query_results(QueryExecutionId=execution_id)["ResultSet"]["Rows"]
    return {
        "rows": [[d.get("VarCharValue") for d in row["Data"]] for row in rows[1 if header else 0:]],
        "scanned": execution["Statistics"]["DataScannedInBytes"],
    }


def projection_scenario(data_dir):
    """Partition projection through Glue and Athena (boto3): a date projection over five days and an injected
    key. Listing a folder sets its access time (relatime: one older than its change time is updated), so each
    projected folder's access time is set to 2000 first and read back after each query: a folder still at 2000
    was not listed. The expected rows and bytes come from the files uploaded here."""
    glue, s3, athena = client("glue"), client("s3"), client("athena")
    started = time.monotonic()
    s3.create_bucket(Bucket="lake")
    glue.create_database(DatabaseInput={"Name": "logs"})
    def projected_table(name, key, parameters):
        """A CSV table (id int, msg string) at s3://lake/<name>/, partitioned by `key`, its folders at
        s3://lake/<name>/${key}/, with the projection `parameters` (projection.<key>.*)."""
        glue.create_table(DatabaseName="logs", TableInput={
            "Name": name,
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "int"}, {"Name": "msg", "Type": "string"}],
                "Location": f"s3://lake/{name}/",
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                              "Parameters": {"field.delim": ","}},
            },
            "PartitionKeys": [{"Name": key, "Type": "string"}],
            "Parameters": {"projection.enabled": "true", "storage.location.template": f"s3://lake/{name}/${{{key}}}/",
                           **{f"projection.{key}.{k}": v for k, v in parameters.items()}},
        })

    days = {"2024-01-01": b"1,a\n2,b\n", "2024-01-02": b"3,c\n", "2024-01-04": b"4,d\n5,e\n"}
    for day, body in days.items():
        s3.put_object(Bucket="lake", Key=f"daily/{day}/part.csv", Body=body)
    s3.put_object(Bucket="lake", Key="daily/2023-12-31/part.csv", Body=b"9,z\n")  # outside the range
    projected_table("daily", "dt", {"type": "date", "format": "yyyy-MM-dd", "range": "2024-01-01,2024-01-05"})
    devices = {"a1": b"10,x\n", "b2": b"20,y\n21,y\n"}
    for device, body in devices.items():
        s3.put_object(Bucket="lake", Key=f"devices/{device}/part.csv", Body=body)
    projected_table("devices", "device", {"type": "injected"})
    folders = {day: os.path.join(data_dir, "lake", "daily", day) for day in days}
    folders.update({device: os.path.join(data_dir, "lake", "devices", device) for device in devices})
    y2000 = 946684800

    def listed_by(sql):
        for folder in folders.values():
            os.utime(folder, ns=(y2000 * 10**9, os.stat(folder).st_mtime_ns))
        answer = query_rows(athena, started, sql)
        answer["listed"] = sorted(name for name, folder in folders.items() if os.stat(folder).st_atime != y2000)
        return answer

    result = {
        "one_day": listed_by("SELECT dt, sum(id) FROM daily WHERE dt = '2024-01-02' GROUP BY dt"),
        "two_days": listed_by("SELECT count(*) FROM daily WHERE dt IN ('2024-01-01', '2024-01-04')"),
        "all_days": listed_by("SELECT count(*) FROM daily"),
        "device": listed_by("SELECT device, count(*) FROM devices WHERE device = 'b2' GROUP BY device"),
        "no_device": query_rows(athena, started, "SELECT count(*) FROM devices"),
    }
    expected = {
        "one_day": [["2024-01-02", "3"]],
        "one_day_scanned": len(days["2024-01-02"]),
        "two_days": [[str(len(days["2024-01-01"].splitlines()) + len(days["2024-01-04"].splitlines()))]],
        "all_days": [[str(sum(len(body.splitlines()) for body in days.values()))]],
        "device": [["b2", str(len(devices["b2"].splitlines()))]],
    }
    print(json.dumps({"result": result, "expected": expected}))


def partitions_scenario():
    glue, s3, athena = client("glue"), client("s3"), client("athena")
    started = time.monotonic()
    s3.create_bucket(Bucket="lake")
    s3.create_bucket(Bucket="trail")
    glue.create_database(DatabaseInput={"Name": "logs"})
    glue.create_table(
        DatabaseName="logs",
        TableInput={
            "Name": "events",
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "int"}, {"Name": "msg", "Type": "string"}],
                "Location": "s3://lake/events/",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "Parameters": {"field.delim": ","},
                },
            },
            "PartitionKeys": [{"Name": "dt", "Type": "string"}],
        },
    )
    # (bucket, key, body, registered partition value or None)
    trail = "AWSLogs/123456789012/CloudTrail/us-east-1/2024/01/04/"
    files = [
        ("lake", "events/dt=2024-01-01/a.csv", b"1,a\n2,b\n", "2024-01-01"),
        ("lake", "events/dt=2024-01-02/a.csv", b"3,c\n", "2024-01-02"),
        ("lake", "events/dt=2024-01-03/a.csv", b"4,d\n5,e\n6,f\n", None),  # not registered
        ("trail", trail + "x.csv", b"7,g\n", "2024-01-04"),
    ]
    for bucket, key, body, _ in files:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    glue.batch_create_partition(
        DatabaseName="logs",
        TableName="events",
        PartitionInputList=[
            {"Values": ["2024-01-01"], "StorageDescriptor": {"Location": "s3://lake/events/dt=2024-01-01/"}},
            {"Values": ["2024-01-02"]},  # no Location: <table location>/dt=2024-01-02/
            {"Values": ["2024-01-04"], "StorageDescriptor": {"Location": "s3://trail/" + trail}},
        ],
    )

    def query(sql, header=True, catalog=None):
        return query_rows(athena, started, sql, header, catalog)

    registered = [f for f in files if f[3]]
    expected = {
        "all": [[str(sum(len(f[2].splitlines()) for f in registered)),
                 str(sum(int(line.split(b",")[0]) for f in registered for line in f[2].splitlines()))]],
        "by_day": [[f[3], str(len(f[2].splitlines()))] for f in sorted(registered, key=lambda f: f[3])],
        "day4_scanned": len(files[3][2]),
        "day1_scanned": len(files[0][2]),
    }
    result = {
        "all": query("SELECT count(*), sum(id) FROM events"),
        "by_day": query("SELECT dt, count(*) FROM events GROUP BY dt ORDER BY dt"),
        "day4": query("SELECT sum(id) FROM events WHERE dt = '2024-01-04'"),
        "day1": query("SELECT count(*) FROM events WHERE dt = '2024-01-01'"),
        "catalog_quoted": query('SELECT count(*) FROM "awsdatacatalog"."logs"."events"'),
        "catalog_mixed_case": query("SELECT count(*) FROM AwsDataCatalog.logs.events"),
        "catalog_context": query("SELECT count(*) FROM events", catalog="AwsDataCatalog"),
        "other_catalog": query('SELECT count(*) FROM "other"."logs"."events"'),
        "other_context": query("SELECT count(*) FROM events", catalog="other"),
    }
    repaired = query("MSCK REPAIR TABLE events", header=False)
    result["after_repair"] = query("SELECT count(*) FROM events")
    result["repaired"] = repaired
    expected["after_repair"] = [[str(sum(len(f[2].splitlines()) for f in files))]]
    print(json.dumps({"result": result, "expected": expected}))


def shape_problems(glue, operation, response):
    """Members of the response that botocore's output shape for `operation` does not have (recursively)."""
    model = glue.meta.service_model.operation_model(operation).output_shape
    problems = []

    def check(shape, value, path):
        if shape.type_name == "structure":
            if not isinstance(value, dict):
                problems.append(f"{path}: not an object")
                return
            for key, member in value.items():
                if key == "ResponseMetadata" and path == operation:
                    continue
                if key not in shape.members:
                    problems.append(f"{path}.{key}: not in the model")
                else:
                    check(shape.members[key], member, f"{path}.{key}")
        elif shape.type_name == "list":
            if not isinstance(value, list):
                problems.append(f"{path}: not a list")
                return
            for index, item in enumerate(value):
                check(shape.member, item, f"{path}[{index}]")

    check(model, response, operation)
    return problems


def glue_api():
    glue, s3 = client("glue"), client("s3")
    create_table(glue, s3)
    out, problems = {}, []

    def call(operation, **kwargs):
        method = getattr(glue, "_".join(
            part.lower() for part in __import__("re").findall("[A-Z][a-z]*", operation)))
        response = method(**kwargs)
        problems.extend(shape_problems(glue, operation, response))
        return response

    def error(operation, **kwargs):
        try:
            call(operation, **kwargs)
        except botocore.exceptions.ClientError as failure:
            return failure.response["Error"]["Code"]
        return None

    key = {"DatabaseName": DATABASE, "TableName": TABLE}
    call("BatchCreatePartition", **key, PartitionInputList=[{"Values": [day]} for day in ("d1", "d2", "d3")])
    got = call("BatchGetPartition", **key, PartitionsToGet=[{"Values": ["d1"]}, {"Values": ["d9"]}, {"Values": ["d3"]}])
    out["batch_get"] = sorted(p["Values"][0] for p in got["Partitions"])
    call("UpdatePartition", **key, PartitionValueList=["d2"],
         PartitionInput={"Values": ["d2"], "Parameters": {"checked": "yes"}})
    out["updated"] = call("GetPartition", **key, PartitionValues=["d2"])["Partition"].get("Parameters")
    out["update_missing"] = error("UpdatePartition", **key, PartitionValueList=["d9"], PartitionInput={"Values": ["d9"]})
    deleted = call("BatchDeletePartition", **key, PartitionsToDelete=[{"Values": ["d1"]}, {"Values": ["d9"]}])
    out["delete_errors"] = [[e["PartitionValues"], e["ErrorDetail"]["ErrorCode"]] for e in deleted.get("Errors", [])]
    out["left"] = sorted(p["Values"][0] for p in call("GetPartitions", **key)["Partitions"])
    out["get_deleted"] = error("GetPartition", **key, PartitionValues=["d1"])
    table = call("GetTable", DatabaseName=DATABASE, Name=TABLE)["Table"]
    table_input = {k: table[k] for k in ("Name", "StorageDescriptor", "PartitionKeys")}
    table_input["Parameters"] = {"step": "1"}
    call("UpdateTable", DatabaseName=DATABASE, TableInput=table_input, VersionId=table["VersionId"])
    table_input["Parameters"] = {"step": "stale"}
    out["stale_update"] = error("UpdateTable", DatabaseName=DATABASE, TableInput=table_input,
                                VersionId=table["VersionId"])
    versions = call("GetTableVersions", DatabaseName=DATABASE, TableName=TABLE)["TableVersions"]
    out["versions"] = [[v["VersionId"], v["Table"].get("Parameters", {}).get("step")] for v in versions]
    out["shape_problems"] = problems
    print(json.dumps(out))


if __name__ == "__main__":
    scenario = sys.argv[1]
    if scenario == "race":
        race(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif scenario == "answered":
        answered(sys.argv[2], int(sys.argv[3]))
    elif scenario == "glue-api":
        glue_api()
    elif scenario == "projection":
        projection_scenario(sys.argv[2])
    elif scenario == "partitions":
        partitions_scenario()
    elif scenario == "verify-answered":
        verify_answered(sys.argv[2])
    else:
        sys.exit(f"unknown scenario {scenario}")
