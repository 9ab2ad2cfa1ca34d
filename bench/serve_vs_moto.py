#!/usr/bin/env python3
"""`athena-runner serve` against moto_server, same machine, same run, same boto3 clients.

Measures, for each endpoint: PutObject and GetObject of small objects and Athena GetQueryExecution with
several concurrent clients (operations per second), and `SELECT 1` start-to-SUCCEEDED latency through the
Athena API (median of N). Prints a table and the ratios (serve / moto). The client (boto3) is the same
for both, so its own cost is in both numbers: the ratios understate the servers' difference.
moto's Athena never runs SQL (its executions succeed at once), so its latency is a floor, not a peer.

  bench/serve_vs_moto.py --binary build/src/cli/athena-runner [--threads 8] [--seconds 3] [--queries 20]
"""
import argparse
import concurrent.futures
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import boto3
import botocore.config


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


def client(service, endpoint, key, secret):
    config = botocore.config.Config(retries={"max_attempts": 0}, max_pool_connections=64,
                                    s3={"addressing_style": "path"})
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, config=config)


def throughput(make_call, threads, seconds):
    """Operations per second with `threads` clients calling for `seconds`."""
    stop = threading.Event()
    counts = [0] * threads

    def worker(index):
        call = make_call(index)
        while not stop.is_set():
            call()
            counts[index] += 1

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(worker, index) for index in range(threads)]
        time.sleep(seconds)
        stop.set()
        for future in futures:
            future.result()
    return sum(counts) / seconds


def measure(endpoint, key, secret, threads, seconds, queries):
    s3 = client("s3", endpoint, key, secret)
    s3.create_bucket(Bucket="bench-bucket")
    body = os.urandom(1024)
    for index in range(threads):
        s3.put_object(Bucket="bench-bucket", Key=f"small/{index}", Body=body)
    results = {}
    results["PutObject 1 KiB (ops/s)"] = throughput(
        lambda index: (lambda c=client("s3", endpoint, key, secret): c.put_object(
            Bucket="bench-bucket", Key=f"small/{index}", Body=body)), threads, seconds)
    results["GetObject 1 KiB (ops/s)"] = throughput(
        lambda index: (lambda c=client("s3", endpoint, key, secret): c.get_object(
            Bucket="bench-bucket", Key=f"small/{index}")["Body"].read()), threads, seconds)
    athena = client("athena", endpoint, key, secret)
    output = {"OutputLocation": "s3://bench-bucket/results/"}
    query_id = athena.start_query_execution(QueryString="SELECT 1", ResultConfiguration=output)["QueryExecutionId"]
    results["GetQueryExecution (ops/s)"] = throughput(
        lambda index: (lambda c=client("athena", endpoint, key, secret): c.get_query_execution(
            QueryExecutionId=query_id)), threads, seconds)
    latencies = []
    for _ in range(queries):
        started = time.perf_counter()
        query_id = athena.start_query_execution(QueryString="SELECT 1", ResultConfiguration=output)["QueryExecutionId"]
        while athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"] not in (
                "SUCCEEDED", "FAILED", "CANCELLED"):
            time.sleep(0.005)
        latencies.append((time.perf_counter() - started) * 1000)
    results["SELECT 1 to SUCCEEDED (ms median, lower=better)"] = statistics.median(latencies)
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="build/src/cli/athena-runner")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        serve_port, moto_port = free_port(), free_port()
        serve = subprocess.Popen([args.binary, "serve", "--port", str(serve_port), "--data-dir", work + "/data",
                                  "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(moto_port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if not wait_for_port(serve_port) or not wait_for_port(moto_port):
                sys.exit("an endpoint did not start")
            rows = {
                "athena-runner serve": measure(f"http://127.0.0.1:{serve_port}", "test", "test", args.threads,
                                               args.seconds, args.queries),
                "moto_server": measure(f"http://127.0.0.1:{moto_port}", "AKIDEXAMPLE", "secret", args.threads,
                                       args.seconds, args.queries),
            }
        finally:
            for process in (serve, moto):
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
    print(f"{args.threads} concurrent boto3 clients, {args.seconds:g} s per throughput figure\n")
    print(f"{'measure':44} {'serve':>10} {'moto':>10} {'serve/moto':>11}")
    for name in rows["athena-runner serve"]:
        ours, theirs = rows["athena-runner serve"][name], rows["moto_server"][name]
        print(f"{name:44} {ours:10.1f} {theirs:10.1f} {ours / theirs:10.2f}x")


if __name__ == "__main__":
    main()
