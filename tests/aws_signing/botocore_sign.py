#!/usr/bin/env python3
"""Signs requests with botocore's own SigV4 signers, as a reference for our C++ signer.

stdin: a JSON list of cases, each:
  {"method", "scheme", "host", "raw_path" (decoded; encoded here with urllib's quote),
   "query": [[name, value], ...] (decoded), "headers": [[name, value], ...], "body" (text, sent as UTF-8),
   "access_key", "secret_key", "token", "region", "service", "s3": bool, "unsigned_payload": bool,
   "time": [year, month, day, hour, minute, second] (UTC)}
stdout: a JSON list of {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"}
(null when botocore did not set the header).
With --bench N: signs every case N times, prints {"seconds_per_signature": ...} (time.perf_counter,
excluding interpreter start-up and JSON parsing).
"""
import datetime
import json
import sys
import time
import types
from urllib.parse import quote

import botocore.auth
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HEADERS_OF_INTEREST = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256")


def make_request(case):
    path = quote(case["raw_path"], safe="/~")
    request = AWSRequest(
        method=case["method"],
        url=f'{case["scheme"]}://{case["host"]}{path}',
        data=case["body"].encode("utf-8"),
        params=[(name, value) for name, value in case["query"]],
    )
    for name, value in case["headers"]:
        request.headers[name] = value  # email.message semantics: a repeated name is appended, not replaced
    if case["unsigned_payload"]:
        if case["s3"]:
            request.context["client_config"] = types.SimpleNamespace(s3={"payload_signing_enabled": False})
        else:
            request.context["payload_signing_enabled"] = False
    return request


def make_signer(case):
    credentials = Credentials(case["access_key"], case["secret_key"], case["token"] or None)
    signer_class = S3SigV4Auth if case["s3"] else SigV4Auth
    return signer_class(credentials, case["service"], case["region"])


def sign(case):
    fixed = datetime.datetime(*case["time"])
    botocore.auth.get_current_datetime = lambda *args, **kwargs: fixed
    request = make_request(case)
    make_signer(case).add_auth(request)
    return {name.lower(): request.headers.get(name) for name in HEADERS_OF_INTEREST}


def bench(cases, iterations):
    prepared = []
    for case in cases:
        botocore.auth.get_current_datetime = lambda *args, **kwargs: datetime.datetime(*case["time"])
        prepared.append((case, make_signer(case)))
    start = time.perf_counter()
    for _ in range(iterations):
        for case, signer in prepared:
            signer.add_auth(make_request(case))
    elapsed = time.perf_counter() - start
    return {"seconds_per_signature": elapsed / (iterations * len(cases)), "signatures": iterations * len(cases)}


def main():
    cases = json.load(sys.stdin)
    if len(sys.argv) == 3 and sys.argv[1] == "--bench":
        json.dump(bench(cases, int(sys.argv[2])), sys.stdout)
    else:
        json.dump([sign(case) for case in cases], sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
