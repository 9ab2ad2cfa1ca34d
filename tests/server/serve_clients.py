#!/usr/bin/env python3
"""boto3/botocore as independent clients of `athena-runner serve` (the endpoint comes from AWS_ENDPOINT_URL,
the credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY). Each scenario prints one JSON document.

  serve_clients.py paginate <bucket> <count>     puts <count> keys, lists them with paginators
  serve_clients.py errors <bucket>               error shapes: NoSuchKey, NoSuchBucket, 404 on HEAD, ...
  serve_clients.py bad-credentials <bucket>      wrong secret / unknown key id, S3 and Glue
  serve_clients.py traversal <bucket>            keys that would leave the data directory
  serve_clients.py malformed <bucket>            raw malformed requests, then a good one
  serve_clients.py trailer <bucket> <key>        aws-chunked body with a trailing CRC32 (botocore's encoder)
  serve_clients.py virtual-host <bucket> <key>   GET through Host: <bucket>.localhost:<port>
  serve_clients.py presigned <bucket> <key>      GET through a presigned URL (and a tampered one)
  serve_clients.py objects <bucket>              range, copy, delete-objects, metadata, checksums
  serve_clients.py athena <bucket> <rows>        table through Glue, data through S3, SQL through Athena
  serve_clients.py faults                        S3, Glue and Athena calls with botocore's standard retries
  serve_clients.py athena-stop-concurrent <n>    stop a long query; n queries started at once
  serve_clients.py athena-workgroups             work groups (output locations) and named queries
  serve_clients.py athena-prepared               prepared statements and EXECUTE ... USING
  serve_clients.py large-object <bucket> <MiB>   one PutObject of <MiB> MiB streamed from a generator (SHA-256,
                                                 Content-MD5 and CRC32 declared), read back and hashed
  serve_clients.py http-front <bucket>           Date on every response, clock-skew answers (S3 and JSON),
                                                 Expect: 100-continue, keep-alive, '%' in header values, HEAD
"""
import base64
import concurrent.futures
import datetime
import socket
import unittest.mock
import hashlib
import http.client
import io
import json
import os
import sys
import urllib.parse
import zlib

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.httpchecksum

ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
REGION = "us-east-1"


def client(service, **kwargs):
    config = botocore.config.Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=REGION, config=config, **kwargs)


def error_of(call):
    try:
        call()
    except botocore.exceptions.ClientError as error:
        return {
            "code": error.response["Error"].get("Code"),
            "message": error.response["Error"].get("Message"),
            "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
        }
    return None


def raw(method, path, headers=None, body=b"", sign=None, host=None):
    """One HTTP request to the endpoint; sign=(service, s3_rules) signs it with botocore's signer."""
    url = urllib.parse.urlsplit(ENDPOINT)
    headers = dict(headers or {})
    if sign is not None:
        service = sign
        request = botocore.awsrequest.AWSRequest(method=method, url=f"http://{host or url.netloc}{path}",
                                                 data=body, headers=headers)
        credentials = botocore.credentials.Credentials(os.environ["AWS_ACCESS_KEY_ID"],
                                                       os.environ["AWS_SECRET_ACCESS_KEY"])
        auth_class = botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth
        auth_class(credentials, service, REGION).add_auth(request)
        headers = dict(request.headers.items())
    if host is not None:
        headers["Host"] = host
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    result = {"status": response.status, "headers": {k.lower(): v for k, v in response.getheaders()},
              "body": data.decode("utf-8", "replace")}
    connection.close()
    return result


def paginate(bucket, count):
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    keys = [f"data/part-{index:05d}.txt" for index in range(count)] + ["data/sub/a.txt", "data/sub/b.txt", "top.txt"]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: s3.put_object(Bucket=bucket, Key=key, Body=key.encode()), keys))
    paginator = s3.get_paginator("list_objects_v2")
    listed = []
    pages = 0
    for page in paginator.paginate(Bucket=bucket):
        pages += 1
        listed += [item["Key"] for item in page.get("Contents", [])]
    small_pages = [len(page.get("Contents", [])) for page in
                   paginator.paginate(Bucket=bucket, Prefix="data/", PaginationConfig={"PageSize": 400})]
    delimited = {"keys": [], "prefixes": []}
    for page in paginator.paginate(Bucket=bucket, Prefix="data/", Delimiter="/", PaginationConfig={"PageSize": 300}):
        delimited["keys"] += [item["Key"] for item in page.get("Contents", [])]
        delimited["prefixes"] += [item["Prefix"] for item in page.get("CommonPrefixes", [])]
    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    after = s3.list_objects_v2(Bucket=bucket, StartAfter="data/sub/a.txt")
    v1 = []
    for page in s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 500}):
        v1 += [item["Key"] for item in page.get("Contents", [])]
    print(json.dumps({
        "written": sorted(keys), "listed": listed, "pages": pages, "small_pages": small_pages,
        "delimited": delimited, "v1": v1,
        "top": {"keys": [item["Key"] for item in top.get("Contents", [])],
                "prefixes": [item["Prefix"] for item in top.get("CommonPrefixes", [])]},
        "after": [item["Key"] for item in after.get("Contents", [])],
    }))


def errors(bucket):
    s3 = client("s3")
    glue = client("glue")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="present.txt", Body=b"x")
    print(json.dumps({
        "no_such_key": error_of(lambda: s3.get_object(Bucket=bucket, Key="missing.txt")),
        "no_such_bucket": error_of(lambda: s3.get_object(Bucket="no-such-bucket-here", Key="a")),
        "list_no_such_bucket": error_of(lambda: s3.list_objects_v2(Bucket="no-such-bucket-here")),
        "head_missing": error_of(lambda: s3.head_object(Bucket=bucket, Key="missing.txt")),
        "bucket_not_empty": error_of(lambda: s3.delete_bucket(Bucket=bucket)),
        "already_owned": error_of(lambda: s3.create_bucket(Bucket=bucket)),
        "invalid_bucket_name": error_of(lambda: s3.create_bucket(Bucket="Bad_Name")),
        "bad_range": error_of(lambda: s3.get_object(Bucket=bucket, Key="present.txt", Range="bytes=5-9")),
        "no_such_upload": error_of(lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId="abc", PartNumber=1, Body=b"x")),
        "glue_no_database": error_of(lambda: glue.get_database(Name="nope")),
        "glue_no_table": error_of(lambda: glue.get_tables(DatabaseName="nope")),
        "glue_bad_name": error_of(lambda: glue.create_database(DatabaseInput={"Name": "../escape"})),
    }))


def bad_credentials(bucket):
    good = client("s3")
    good.create_bucket(Bucket=bucket)
    wrong_secret = dict(aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="not-the-secret")
    unknown_key = dict(aws_access_key_id="AKIDUNKNOWN", aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])
    print(json.dumps({
        "s3_wrong_secret": error_of(lambda: client("s3", **wrong_secret).list_objects_v2(Bucket=bucket)),
        "s3_put_wrong_secret": error_of(lambda: client("s3", **wrong_secret).put_object(Bucket=bucket, Key="x", Body=b"1")),
        "s3_unknown_key": error_of(lambda: client("s3", **unknown_key).list_buckets()),
        "glue_wrong_secret": error_of(lambda: client("glue", **wrong_secret).get_databases()),
        "glue_unknown_key": error_of(lambda: client("glue", **unknown_key).get_databases()),
        "unsigned": raw("GET", f"/{bucket}?list-type=2"),
        "unsigned_glue": raw("POST", "/", {"X-Amz-Target": "AWSGlue.GetDatabases",
                                           "Content-Type": "application/x-amz-json-1.1"}, b"{}"),
        "object_written": error_of(lambda: good.head_object(Bucket=bucket, Key="x")),
    }))


def traversal(bucket):
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    result = {}
    for name, key in [("dotdot", "../escape.txt"), ("deep", "a/../../escape.txt"), ("dot", "./escape.txt"),
                      ("double_slash", "a//escape.txt"), ("leading_slash", "/escape.txt")]:
        result[name] = error_of(lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"escaped"))
    # Encoded dots on the wire, signed as sent.
    result["encoded"] = raw("PUT", f"/{bucket}/%2E%2E/%2E%2E/escape.txt", {}, b"escaped", sign="s3")
    result["raw_dotdot"] = raw("PUT", f"/{bucket}/../../escape.txt", {}, b"escaped", sign="s3")
    result["copy_source"] = error_of(lambda: s3.copy_object(Bucket=bucket, Key="copy.txt",
                                                            CopySource=f"{bucket}/../../etc/passwd"))
    result["listing"] = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    result["prefix_listing"] = s3.list_objects_v2(Bucket=bucket, Prefix="../").get("KeyCount")
    print(json.dumps(result))


def malformed(bucket):
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    result = {
        "garbage_authorization": raw("GET", f"/{bucket}", {"Authorization": "AWS4-HMAC-SHA256 garbage",
                                                           "X-Amz-Date": "20240101T000000Z"}),
        "old_signature_version": raw("GET", f"/{bucket}", {"Authorization": "AWS AKID:c2lnbmF0dXJl"}),
        "glue_not_json": raw("POST", "/", {"X-Amz-Target": "AWSGlue.GetDatabases",
                                           "Content-Type": "application/x-amz-json-1.1"}, b"{not json", sign="glue"),
        "glue_wrong_type": raw("POST", "/", {"X-Amz-Target": "AWSGlue.GetDatabase",
                                             "Content-Type": "application/x-amz-json-1.1"}, b'{"Name": 5}', sign="glue"),
        "glue_unknown_operation": raw("POST", "/", {"X-Amz-Target": "AWSGlue.FlyToTheMoon",
                                                    "Content-Type": "application/x-amz-json-1.1"}, b"{}", sign="glue"),
        "delete_not_xml": raw("POST", f"/{bucket}?delete", {"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}, b"",
                              sign="s3"),
        "complete_not_xml": raw("POST", f"/{bucket}/k?uploadId=" + upload_id, {}, b"<<<", sign="s3"),
        "bad_content_md5": raw("PUT", f"/{bucket}/md5.txt", {"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="}, b"hello",
                               sign="s3"),
        "bad_checksum": raw("PUT", f"/{bucket}/crc.txt", {"x-amz-checksum-crc32": "AAAAAA=="}, b"hello", sign="s3"),
        "unsupported": raw("GET", f"/{bucket}?acl", {}, b"", sign="s3"),
    }
    s3.put_object(Bucket=bucket, Key="after.txt", Body=b"still serving")
    result["after"] = s3.get_object(Bucket=bucket, Key="after.txt")["Body"].read().decode()
    print(json.dumps(result))


def signed_headers(method, path, headers, body, service, when=None):
    """The headers botocore's signer adds for (method, path), signed as at `when` (UTC) when given."""
    url = urllib.parse.urlsplit(ENDPOINT)
    request = botocore.awsrequest.AWSRequest(method=method, url=f"http://{url.netloc}{path}", data=body,
                                             headers=dict(headers))
    credentials = botocore.credentials.Credentials(os.environ["AWS_ACCESS_KEY_ID"],
                                                   os.environ["AWS_SECRET_ACCESS_KEY"])
    # "s3-precomputed": the caller set X-Amz-Content-SHA256 itself (botocore's S3 signer would hash the body).
    auth_class = botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth
    service = "s3" if service == "s3-precomputed" else service
    if when is None:
        auth_class(credentials, service, REGION).add_auth(request)
    else:
        # botocore's signer reads the time through botocore.auth.get_current_datetime.
        with unittest.mock.patch("botocore.auth.get_current_datetime", return_value=when.replace(tzinfo=None)):
            auth_class(credentials, service, REGION).add_auth(request)
    return dict(request.headers.items())


def http_front(bucket):
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    url = urllib.parse.urlsplit(ENDPOINT)
    result = {}
    # '%XX' in signed header values: verified over the bytes sent, stored and returned as sent.
    result["percent_put"] = raw("PUT", f"/{bucket}/percent.txt",
                                {"x-amz-meta-note": "100%25 done", "Content-Disposition": "inline; filename*=UTF-8''a%20b"},
                                b"percent", sign="s3")["status"]
    head = raw("HEAD", f"/{bucket}/percent.txt", {}, b"", sign="s3")
    result["head"] = {"status": head["status"], "length": head["headers"].get("content-length"),
                      "body": head["body"], "note": head["headers"].get("x-amz-meta-note"),
                      "disposition": head["headers"].get("content-disposition"),
                      "date": head["headers"].get("date")}
    # Date on answers of every kind: success, S3 error, HEAD error, 304, JSON success and error.
    etag = s3.head_object(Bucket=bucket, Key="percent.txt")["ETag"]
    kinds = {
        "get": raw("GET", f"/{bucket}/percent.txt", {}, b"", sign="s3"),
        "no_such_key": raw("GET", f"/{bucket}/missing", {}, b"", sign="s3"),
        "head_missing": raw("HEAD", f"/{bucket}/missing", {}, b"", sign="s3"),
        "not_modified": raw("GET", f"/{bucket}/percent.txt", {"If-None-Match": etag}, b"", sign="s3"),
        "unsigned": raw("GET", f"/{bucket}", {}, b""),
        "glue": raw("POST", "/", {"X-Amz-Target": "AWSGlue.GetDatabases",
                                  "Content-Type": "application/x-amz-json-1.1"}, b"{}", sign="glue"),
        "glue_missing": raw("POST", "/", {"X-Amz-Target": "AWSGlue.GetDatabase",
                                          "Content-Type": "application/x-amz-json-1.1"}, b'{"Name": "nope"}',
                            sign="glue"),
        "reversed_range": raw("GET", f"/{bucket}/percent.txt", {"Range": "bytes=5-3"}, b"", sign="s3"),
        "unsatisfiable_range": raw("GET", f"/{bucket}/percent.txt", {"Range": "bytes=100-200"}, b"", sign="s3"),
        "garbage_range": raw("GET", f"/{bucket}/percent.txt", {"Range": "pages=1-2"}, b"", sign="s3"),
    }
    # A streamed upload whose body is not what its signed x-amz-content-sha256 says: refused, not stored.
    wrong = raw("PUT", f"/{bucket}/wrong-hash.bin", signed_headers(
        "PUT", f"/{bucket}/wrong-hash.bin", {"X-Amz-Content-SHA256": hashlib.sha256(b"other").hexdigest()}, b"",
        "s3-precomputed"), b"this body")
    result["payload_mismatch"] = {"status": wrong["status"], "body": wrong["body"],
                                  "stored": error_of(lambda: s3.head_object(Bucket=bucket, Key="wrong-hash.bin"))}
    result["dates"] = {name: {"status": r["status"], "date": r["headers"].get("date"), "body": r["body"]}
                       for name, r in kinds.items()}
    # A client clock 20 minutes behind.
    skewed = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    for name, service, headers, body in [
            ("s3_skew", "s3", {}, b""),
            ("glue_skew", "glue", {"X-Amz-Target": "AWSGlue.GetDatabases",
                                   "Content-Type": "application/x-amz-json-1.1"}, b"{}")]:
        path = f"/{bucket}" if service == "s3" else "/"
        method = "GET" if service == "s3" else "POST"
        signed = signed_headers(method, path, headers, body, service, when=skewed)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        connection.request(method, path, body=body, headers=signed)
        response = connection.getresponse()
        result[name] = {"status": response.status, "date": response.getheader("Date"),
                        "amz_date": signed.get("X-Amz-Date"), "body": response.read().decode()}
        connection.close()
    # Expect: 100-continue: the interim answer comes before the body is sent.
    body = b"x" * 100000
    signed = signed_headers("PUT", f"/{bucket}/expect.bin", {"Expect": "100-continue",
                                                             "Content-Length": str(len(body))}, body, "s3")
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        lines = [f"PUT /{bucket}/expect.bin HTTP/1.1", f"Host: {url.netloc}"] + [f"{k}: {v}" for k, v in
                                                                                 signed.items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        interim = sock.recv(4096)
        sock.sendall(body)
        final = b""
        while b"\r\n\r\n" not in final:
            chunk = sock.recv(65536)
            if not chunk:
                break
            final += chunk
    result["expect"] = {"interim": interim.decode(errors="replace"), "final": final.split(b"\r\n")[0].decode()}
    result["expect_stored"] = hashlib.sha256(s3.get_object(Bucket=bucket, Key="expect.bin")["Body"].read()).hexdigest()
    result["expect_sent"] = hashlib.sha256(body).hexdigest()
    # Keep-alive: three requests on one connection.
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    ports = []
    statuses = []
    for _ in range(3):
        connection.request("GET", f"/{bucket}/percent.txt",
                           headers=signed_headers("GET", f"/{bucket}/percent.txt", {}, b"", "s3"))
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
        ports.append(connection.sock.getsockname()[1])
    connection.close()
    result["keep_alive"] = {"statuses": statuses, "one_connection": len(set(ports)) == 1}
    print(json.dumps(result))


def large_object(bucket, mebibytes):
    """Neither side holds the object: the body is generated twice (once to hash, once to send)."""
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    block = hashlib.sha256(b"seed").digest() * 32768  # 1 MiB

    def pieces():
        for index in range(mebibytes):
            yield index.to_bytes(8, "big") + block[8:]

    sha256, md5, crc32 = hashlib.sha256(), hashlib.md5(), 0
    for piece in pieces():
        sha256.update(piece)
        md5.update(piece)
        crc32 = zlib.crc32(piece, crc32)
    size = mebibytes << 20
    path = f"/{bucket}/large.bin"
    headers = {"X-Amz-Content-SHA256": sha256.hexdigest(), "Content-Length": str(size),
               "Content-MD5": base64.b64encode(md5.digest()).decode(),
               "x-amz-checksum-crc32": base64.b64encode(crc32.to_bytes(4, "big")).decode()}
    signed = signed_headers("PUT", path, headers, b"", "s3-precomputed")
    url = urllib.parse.urlsplit(ENDPOINT)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=300)
    connection.putrequest("PUT", path, skip_accept_encoding=True)
    for name, value in signed.items():
        connection.putheader(name, value)
    connection.endheaders()
    for piece in pieces():
        connection.send(piece)
    response = connection.getresponse()
    put = {"status": response.status, "body": response.read().decode(), "etag": response.getheader("ETag")}
    connection.close()
    # Read back in pieces, hashed as it arrives.
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=300)
    get_headers = signed_headers("GET", path, {}, b"", "s3")
    connection.request("GET", path, headers=get_headers)
    response = connection.getresponse()
    got, received = hashlib.sha256(), 0
    while True:
        chunk = response.read(1 << 20)
        if not chunk:
            break
        got.update(chunk)
        received += len(chunk)
    connection.close()
    # A range near the end, as S3 serves it.
    ranged = raw("GET", path, {"Range": f"bytes={size - 10}-"}, b"", sign="s3")
    print(json.dumps({"put": put, "expected_etag": '"' + md5.hexdigest() + '"', "get_status": response.status,
                      "received": received, "size": size, "sha256": got.hexdigest(),
                      "expected_sha256": sha256.hexdigest(), "range_status": ranged["status"],
                      "range_length": ranged["headers"].get("content-length"),
                      "range_ok": ranged["headers"].get("content-range") == f"bytes {size - 10}-{size - 1}/{size}"}))


def trailer(bucket, key):
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    data = bytes(range(256)) * 5000  # 1.28 MB: two chunks of botocore's 1 MiB
    url = urllib.parse.urlsplit(ENDPOINT)
    results = {}
    for name, tamper in [("good", False), ("tampered", True)]:
        target_key = key if not tamper else key + ".tampered"
        request = {"method": "PUT", "url": f"{ENDPOINT}/{bucket}/{target_key}", "headers": {}, "body": io.BytesIO(data),
                   "context": {"checksum": {"request_algorithm": {"algorithm": "crc32", "in": "trailer",
                                                                   "name": "x-amz-checksum-crc32"}}}}
        # botocore's own encoder: Content-Encoding aws-chunked, X-Amz-Trailer, X-Amz-Decoded-Content-Length.
        botocore.httpchecksum.apply_request_checksum(request)
        body = request["body"].read()
        if tamper:
            body = body.replace(b"x-amz-checksum-crc32:", b"x-amz-checksum-crc32:A", 1)
            body = body[:body.rindex(b"\r\n\r\n") - 1] + body[body.rindex(b"\r\n\r\n"):]
        aws_request = botocore.awsrequest.AWSRequest(method="PUT", url=request["url"], data=body,
                                                     headers=request["headers"])
        aws_request.context = request["context"]
        credentials = botocore.credentials.Credentials(os.environ["AWS_ACCESS_KEY_ID"],
                                                       os.environ["AWS_SECRET_ACCESS_KEY"])
        botocore.auth.S3SigV4Auth(credentials, "s3", REGION).add_auth(aws_request)
        headers = dict(aws_request.headers.items())
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        # As botocore sends it: HTTP chunked transfer (no Content-Length) around the aws-chunked body.
        pieces = [body[offset:offset + 65536] for offset in range(0, len(body), 65536)]
        connection.request("PUT", f"/{bucket}/{target_key}", body=iter(pieces), headers=headers, encode_chunked=True)
        response = connection.getresponse()
        results[name] = {"status": response.status, "body": response.read().decode(),
                         "content_sha256": headers.get("X-Amz-Content-SHA256")}
    stored = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    results["stored_sha256"] = hashlib.sha256(stored["Body"].read()).hexdigest()
    results["sent_sha256"] = hashlib.sha256(data).hexdigest()
    results["stored_crc32"] = stored.get("ChecksumCRC32")
    results["content_encoding"] = stored.get("ContentEncoding")
    print(json.dumps(results))


def virtual_host(bucket, key):
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=b"virtual")
    port = urllib.parse.urlsplit(ENDPOINT).port
    host = f"{bucket}.localhost:{port}"
    print(json.dumps({
        "get": raw("GET", "/" + urllib.parse.quote(key), {}, b"", sign="s3", host=host),
        "list": raw("GET", "/?list-type=2", {}, b"", sign="s3", host=host),
    }))


def presigned(bucket, key):
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=b"presigned body")
    def path_of(url):
        parts = urllib.parse.urlsplit(url)
        return parts.path + "?" + parts.query

    v4 = boto3.client("s3", endpoint_url=ENDPOINT, region_name=REGION,
                      config=botocore.config.Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    path = path_of(v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300))
    tampered = path.replace("X-Amz-Expires=300", "X-Amz-Expires=301")
    download = path_of(v4.generate_presigned_url("get_object", Params={
        "Bucket": bucket, "Key": key, "ResponseContentType": "text/csv",
        "ResponseContentDisposition": 'attachment; filename="report.csv"'}, ExpiresIn=300))
    # boto3's default for S3 presigning in us-east-1 is still SigV2, which this endpoint does not accept.
    sigv2 = path_of(s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300))
    print(json.dumps({"good": raw("GET", path), "tampered": raw("GET", tampered), "sigv2": raw("GET", sigv2),
                      "download": raw("GET", download)}))


def objects(bucket):
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    body = bytes(range(256)) * 4
    put = s3.put_object(Bucket=bucket, Key="dir/obj.bin", Body=body, ContentType="application/x-test",
                        Metadata={"Owner": "team-a"}, ChecksumAlgorithm="SHA256")
    ranged = s3.get_object(Bucket=bucket, Key="dir/obj.bin", Range="bytes=10-19")
    suffix = s3.get_object(Bucket=bucket, Key="dir/obj.bin", Range="bytes=-5")
    head = s3.head_object(Bucket=bucket, Key="dir/obj.bin")
    copy = s3.copy_object(Bucket=bucket, Key="copy/obj.bin", CopySource={"Bucket": bucket, "Key": "dir/obj.bin"})
    copied = s3.get_object(Bucket=bucket, Key="copy/obj.bin")
    s3.put_object(Bucket=bucket, Key="folder/", Body=b"")
    for name in ["del/a", "del/b", "del/c"]:
        s3.put_object(Bucket=bucket, Key=name, Body=b"1")
    deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "del/a"}, {"Key": "del/b"},
                                                                   {"Key": "del/never-existed"},
                                                                   {"Key": "../bad"}]})
    listing = s3.list_objects_v2(Bucket=bucket)
    odd_key = "odd key+with spaces&ü?.txt"
    s3.put_object(Bucket=bucket, Key=odd_key, Body=b"odd")
    odd = s3.get_object(Bucket=bucket, Key=odd_key)["Body"].read().decode()
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp/parts.bin")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="mp/parts.bin", UploadId=upload, PartNumber=1, Body=b"a" * (5 * 1024 * 1024))
    s3.upload_part(Bucket=bucket, Key="mp/parts.bin", UploadId=upload, PartNumber=2, Body=b"tail")
    parts = s3.list_parts(Bucket=bucket, Key="mp/parts.bin", UploadId=upload)["Parts"]
    part_pages = [len(p.get("Parts", [])) for p in s3.get_paginator("list_parts").paginate(
        Bucket=bucket, Key="mp/parts.bin", UploadId=upload, PaginationConfig={"PageSize": 1})]
    uploads = [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    s3.abort_multipart_upload(Bucket=bucket, Key="mp/parts.bin", UploadId=upload)
    uploads_after = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    etag = head["ETag"]
    import datetime
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    conditions = {
        "if_none_match": error_of(lambda: s3.get_object(Bucket=bucket, Key="dir/obj.bin", IfNoneMatch=etag)),
        "if_match_wrong": error_of(lambda: s3.get_object(Bucket=bucket, Key="dir/obj.bin", IfMatch='"wrong"')),
        "if_match": s3.get_object(Bucket=bucket, Key="dir/obj.bin", IfMatch=etag)["ContentLength"],
        "if_modified_since_future": error_of(lambda: s3.head_object(Bucket=bucket, Key="dir/obj.bin",
                                                                    IfModifiedSince=future)),
        "if_modified_since_past": s3.head_object(Bucket=bucket, Key="dir/obj.bin",
                                                 IfModifiedSince=past)["ContentLength"],
        "if_unmodified_since_past": error_of(lambda: s3.get_object(Bucket=bucket, Key="dir/obj.bin",
                                                                   IfUnmodifiedSince=past)),
    }
    print(json.dumps({
        "put_etag": put["ETag"], "md5": hashlib.md5(body).hexdigest(),
        "put_sha256": put.get("ChecksumSHA256"),
        "range": list(ranged["Body"].read()), "content_range": ranged["ContentRange"],
        "suffix": list(suffix["Body"].read()),
        "head": {"type": head["ContentType"], "length": head["ContentLength"], "metadata": head["Metadata"]},
        "copy_etag": copy["CopyObjectResult"]["ETag"], "copied_type": copied["ContentType"],
        "copied_metadata": copied["Metadata"], "copied_length": copied["ContentLength"],
        "deleted": sorted(d["Key"] for d in deleted.get("Deleted", [])),
        "delete_errors": [e["Key"] for e in deleted.get("Errors", [])],
        "listing": [item["Key"] for item in listing.get("Contents", [])],
        "odd": odd, "buckets": buckets,
        "parts": [[p["PartNumber"], p["Size"]] for p in parts], "part_pages": part_pages,
        "uploads": uploads, "uploads_after": uploads_after, "conditions": conditions,
    }))


def stored_metadata(bucket, data_dir):
    """Metadata through the real server and where it lands on disk: the object's extended attribute (read here
    with os.getxattr), a sidecar for what does not fit, old-format sidecars read as before. Expected values
    come from the inputs and from hashlib/zlib."""
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    root = os.path.join(data_dir, bucket)

    def sidecar(key):
        digest = hashlib.sha256(key.encode()).hexdigest()
        return os.path.join(data_dir, ".s3meta", bucket, digest[:2], digest + ".json")

    def attribute(key):
        try:
            return json.loads(os.getxattr(os.path.join(root, key), "user.athena-runner.s3"))
        except OSError:
            return None

    def described(key, **extra):
        head = s3.head_object(Bucket=bucket, Key=key, **extra)
        return {"etag": head["ETag"], "type": head["ContentType"], "metadata": head["Metadata"],
                "disposition": head.get("ContentDisposition"), "cache": head.get("CacheControl"),
                "crc32": head.get("ChecksumCRC32"), "length": head["ContentLength"]}

    body = b"stored metadata\n" * 64
    s3.put_object(Bucket=bucket, Key="m/obj", Body=body, ContentType="text/x-stored", Metadata={"owner": "team-a"},
                  ContentDisposition="attachment; filename=obj.txt", CacheControl="max-age=60",
                  ChecksumAlgorithm="CRC32")
    result = {
        "md5": '"%s"' % hashlib.md5(body).hexdigest(),
        "crc32": base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode(),
        "obj": described("m/obj", ChecksumMode="ENABLED"),
        "obj_attribute": attribute("m/obj"), "obj_sidecar": os.path.exists(sidecar("m/obj")),
    }
    s3.copy_object(Bucket=bucket, Key="m/copy", CopySource={"Bucket": bucket, "Key": "m/obj"})
    s3.copy_object(Bucket=bucket, Key="m/replaced", CopySource={"Bucket": bucket, "Key": "m/obj"},
                   MetadataDirective="REPLACE", ContentType="text/x-replaced", Metadata={"owner": "team-b"})
    result["copy"] = described("m/copy")
    result["replaced"] = described("m/replaced")
    part1, part2 = b"1" * (5 * 1024 * 1024), b"2" * 1000
    upload = s3.create_multipart_upload(Bucket=bucket, Key="m/parts", ContentType="application/x-parts",
                                        Metadata={"kind": "parts"})["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key="m/parts", UploadId=upload, PartNumber=number, Body=part)["ETag"]
             for number, part in [(1, part1), (2, part2)]]
    s3.complete_multipart_upload(Bucket=bucket, Key="m/parts", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": etags[0]}, {"PartNumber": 2, "ETag": etags[1]}]})
    result["parts"] = described("m/parts")
    result["parts_expected"] = '"%s-2"' % hashlib.md5(hashlib.md5(part1).digest() + hashlib.md5(part2).digest()).hexdigest()
    result["parts_attribute"] = attribute("m/parts") is not None
    s3.put_object(Bucket=bucket, Key="m/folder/", Body=b"")
    result["folder"] = described("m/folder/")["etag"]
    # More metadata than one ext4 attribute block holds: a sidecar (on tmpfs it may stay in the attribute).
    large = "l" * 1900
    disposition = "attachment; filename=" + "f" * 2500
    s3.put_object(Bucket=bucket, Key="m/large", Body=b"large", Metadata={"large": large}, ContentDisposition=disposition)
    head = s3.head_object(Bucket=bucket, Key="m/large")
    result["large_round_trip"] = head["Metadata"] == {"large": large} and head["ContentDisposition"] == disposition
    result["large_in"] = sorted(name for name, present in [("attribute", attribute("m/large") is not None),
                                                           ("sidecar", os.path.exists(sidecar("m/large")))] if present)
    # Written by the previous version: an object with an old-format sidecar ("key" included) and no attribute.
    legacy = os.path.join(root, "legacy", "old.csv")
    os.makedirs(os.path.dirname(legacy))
    with open(legacy, "wb") as out:
        out.write(b"a,b\n1,2\n")
    info = os.stat(legacy)
    os.makedirs(os.path.dirname(sidecar("legacy/old.csv")), exist_ok=True)
    with open(sidecar("legacy/old.csv"), "w") as out:
        json.dump({"key": "legacy/old.csv", "size": info.st_size, "mtime_ns": info.st_mtime_ns,
                   "etag": '"0123456789abcdef0123456789abcdef-3"', "content_type": "text/csv", "headers": {},
                   "user_metadata": {"from": "old"}, "checksum_algorithm": "", "checksum_value": "",
                   "folder_marker": False}, out)
    result["legacy"] = described("legacy/old.csv")
    # Put by hand, no metadata: its MD5.
    with open(os.path.join(root, "hand.txt"), "wb") as out:
        out.write(b"by hand")
    result["hand"] = described("hand.txt")
    result["hand_md5"] = '"%s"' % hashlib.md5(b"by hand").hexdigest()
    listing = s3.list_objects_v2(Bucket=bucket)["Contents"]
    result["listing"] = {item["Key"]: item["ETag"] for item in listing}
    print(json.dumps(result))


def wait_for(athena, query_execution_id):
    import time
    for _ in range(600):
        execution = athena.get_query_execution(QueryExecutionId=query_execution_id)["QueryExecution"]
        if execution["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return execution
        time.sleep(0.05)
    raise RuntimeError("query did not finish")


def athena_scenario(bucket, rows):
    s3, glue, athena = client("s3"), client("glue"), client("athena")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="sales/part-0.csv",
                  Body="".join(f"{i},{i % 7}.5\n" for i in range(1, rows + 1)).encode())
    glue.create_database(DatabaseInput={"Name": "shop"})
    glue.create_table(DatabaseName="shop", TableInput={
        "Name": "sales", "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "int"}, {"Name": "price", "Type": "double"}],
            "Location": f"s3://{bucket}/sales/",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                          "Parameters": {"field.delim": ","}}}})
    context = {"Database": "shop"}
    started = athena.start_query_execution(QueryString="SELECT id, price FROM sales ORDER BY id",
                                           QueryExecutionContext=context)
    execution = wait_for(athena, started["QueryExecutionId"])
    pages = list(athena.get_paginator("get_query_results").paginate(QueryExecutionId=started["QueryExecutionId"]))
    all_rows = [[d.get("VarCharValue") for d in row["Data"]] for page in pages for row in page["ResultSet"]["Rows"]]
    columns = [(c["Name"], c["Type"]) for c in pages[0]["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
    aggregate = athena.start_query_execution(QueryString="SELECT count(*) AS n, sum(id) AS total FROM sales",
                                             QueryExecutionContext=context)
    wait_for(athena, aggregate["QueryExecutionId"])
    aggregate_rows = athena.get_query_results(QueryExecutionId=aggregate["QueryExecutionId"])["ResultSet"]["Rows"]
    token = "t" * 40
    first = athena.start_query_execution(QueryString="SELECT 1", ClientRequestToken=token)["QueryExecutionId"]
    second = athena.start_query_execution(QueryString="SELECT 1", ClientRequestToken=token)["QueryExecutionId"]
    output = execution["ResultConfiguration"]["OutputLocation"]
    output_bucket, output_key = output[len("s3://"):].split("/", 1)
    csv_head = s3.get_object(Bucket=output_bucket, Key=output_key)["Body"].read().decode().splitlines()[:2]
    statistics = athena.get_query_runtime_statistics(QueryExecutionId=started["QueryExecutionId"])
    statistics = statistics["QueryRuntimeStatistics"]
    csv_size = s3.head_object(Bucket=output_bucket, Key=output_key)["ContentLength"]
    # Pages of 7 rows over values with line breaks, quotes, commas and NULLs: the rows come back whole, in order.
    notes = athena.start_query_execution(
        QueryString="SELECT id, CASE WHEN id % 5 = 0 THEN NULL ELSE 'line ' || CAST(id AS varchar) || chr(10) || "
                    "'\"q\",x' END AS note FROM sales WHERE id <= 50 ORDER BY id", QueryExecutionContext=context)
    wait_for(athena, notes["QueryExecutionId"])
    note_pages = list(athena.get_paginator("get_query_results").paginate(
        QueryExecutionId=notes["QueryExecutionId"], PaginationConfig={"PageSize": 7}))
    note_rows = [[d.get("VarCharValue") for d in row["Data"]] for page in note_pages
                 for row in page["ResultSet"]["Rows"]]
    expected_notes = [["id", "note"]] + [[str(i), None if i % 5 == 0 else 'line %d\n"q",x' % i] for i in range(1, 51)]
    foreign_token = athena.get_query_results(QueryExecutionId=notes["QueryExecutionId"], MaxResults=7)["NextToken"]
    failing = athena.start_query_execution(QueryString="SELECT FROM WHERE", QueryExecutionContext=context)
    failed = wait_for(athena, failing["QueryExecutionId"])
    print(json.dumps({
        "state": execution["Status"]["State"], "pages": len(pages), "rows": all_rows[:3], "row_count": len(all_rows),
        "last": all_rows[-1], "columns": columns,
        "aggregate": [[d.get("VarCharValue") for d in row["Data"]] for row in aggregate_rows],
        "same_token_same_id": first == second,
        "token_reused": error_of(lambda: athena.start_query_execution(QueryString="SELECT 2",
                                                                      ClientRequestToken=token)),
        "unknown_id": error_of(lambda: athena.get_query_execution(QueryExecutionId="no-such-id")),
        "unknown_work_group": error_of(lambda: athena.start_query_execution(QueryString="SELECT 1",
                                                                            WorkGroup="nope")),
        "csv_head": csv_head,
        "note_pages": len(note_pages), "notes_as_expected": note_rows == expected_notes,
        "foreign_token": error_of(lambda: athena.get_query_results(QueryExecutionId=started["QueryExecutionId"],
                                                                   NextToken=foreign_token)),
        "runtime_rows": statistics["Rows"], "runtime_stage": statistics["OutputStage"], "csv_size": csv_size,
        "scanned": execution["Statistics"]["DataScannedInBytes"],
        "runtime_unknown": error_of(lambda: athena.get_query_runtime_statistics(QueryExecutionId="no-such-id")),
        "failed_state": failed["Status"]["State"],
        "failed_reason": failed["Status"].get("StateChangeReason", ""),
        "results_of_failed": error_of(lambda: athena.get_query_results(QueryExecutionId=failing["QueryExecutionId"])),
        "catalogs": [c["CatalogName"] for c in athena.list_data_catalogs()["DataCatalogsSummary"]],
        "databases": [d["Name"] for d in athena.list_databases(CatalogName="AwsDataCatalog")["DatabaseList"]],
        "table_metadata": athena.get_table_metadata(CatalogName="AwsDataCatalog", DatabaseName="shop",
                                                    TableName="sales")["TableMetadata"]["Columns"],
        "listed_tables": [t["Name"] for page in athena.get_paginator("list_table_metadata").paginate(
            CatalogName="AwsDataCatalog", DatabaseName="shop") for t in page["TableMetadataList"]],
        "missing_table": error_of(lambda: athena.get_table_metadata(CatalogName="AwsDataCatalog",
                                                                    DatabaseName="shop", TableName="nope")),
        "executions": sorted(i for page in athena.get_paginator("list_query_executions").paginate()
                             for i in page["QueryExecutionIds"]),
        "started": sorted({started["QueryExecutionId"], aggregate["QueryExecutionId"], first,
                           failing["QueryExecutionId"], notes["QueryExecutionId"]}),
    }))


def faults():
    import time
    config = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 3})
    result = {}
    for service, call in [("s3", lambda c: c.list_buckets()), ("glue", lambda c: c.get_databases()),
                          ("athena", lambda c: c.list_work_groups())]:
        api = boto3.client(service, endpoint_url=ENDPOINT, region_name=REGION, config=config)
        started = time.monotonic()
        try:
            call(api)
            result[service] = {"code": None, "attempts": 1}
        except botocore.exceptions.ClientError as error:
            result[service] = {"code": error.response["Error"]["Code"],
                               "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
                               "attempts": error.response["ResponseMetadata"].get("RetryAttempts", 0) + 1}
        result[service]["seconds"] = time.monotonic() - started
    print(json.dumps(result))


def athena_stop_concurrent(count):
    import time
    athena = client("athena")
    long_query = athena.start_query_execution(QueryString="WITH d(x) AS (VALUES 0, 1, 2, 3, 4, 5, 6, 7, 8, 9) SELECT count(*) FROM d a, d b, d c, d e, d f, d g, d h, d i, d j, d k, d l")["QueryExecutionId"]
    states = []
    for _ in range(200):
        state = athena.get_query_execution(QueryExecutionId=long_query)["QueryExecution"]["Status"]["State"]
        states.append(state)
        if state == "RUNNING":
            break
        time.sleep(0.05)
    stop_started = time.monotonic()
    athena.stop_query_execution(QueryExecutionId=long_query)
    stopped = wait_for(athena, long_query)
    stop_seconds = time.monotonic() - stop_started

    def run(index):
        own = client("athena")
        query_id = own.start_query_execution(QueryString=f"SELECT {index} * 1000 + 7 AS value")["QueryExecutionId"]
        execution = wait_for(own, query_id)
        rows = own.get_query_results(QueryExecutionId=query_id)["ResultSet"]["Rows"]
        return {"index": index, "state": execution["Status"]["State"], "value": rows[1]["Data"][0]["VarCharValue"],
                "id": query_id}

    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        results = list(pool.map(run, range(count)))
    batch = athena.batch_get_query_execution(QueryExecutionIds=[r["id"] for r in results] + ["not-an-id"])
    print(json.dumps({
        "saw_running": "RUNNING" in states, "stopped_state": stopped["Status"]["State"], "stop_seconds": stop_seconds,
        "concurrent": results,
        "batch_states": sorted(e["Status"]["State"] for e in batch["QueryExecutions"]),
        "batch_unprocessed": [u.get("QueryExecutionId") for u in batch["UnprocessedQueryExecutionIds"]],
    }))


def athena_workgroups():
    athena = client("athena")
    athena.create_work_group(Name="analysts", Description="team", Configuration={
        "ResultConfiguration": {"OutputLocation": "s3://wg-results/out/"}, "EnforceWorkGroupConfiguration": True})
    athena.create_work_group(Name="no-output")
    enforced = athena.start_query_execution(QueryString="SELECT 1", WorkGroup="analysts",
                                            ResultConfiguration={"OutputLocation": "s3://elsewhere/"})
    execution = wait_for(athena, enforced["QueryExecutionId"])
    token = "n" * 40
    first = athena.create_named_query(Name="one", Database="default", QueryString="SELECT 1",
                                      ClientRequestToken=token)["NamedQueryId"]
    again = athena.create_named_query(Name="one", Database="default", QueryString="SELECT 1",
                                      ClientRequestToken=token)["NamedQueryId"]
    second = athena.create_named_query(Name="two", Database="default", QueryString="SELECT 2",
                                       Description="second")["NamedQueryId"]
    other = athena.create_named_query(Name="three", Database="default", QueryString="SELECT 3",
                                      WorkGroup="analysts")["NamedQueryId"]
    listed = sorted(i for page in athena.get_paginator("list_named_queries").paginate(PaginationConfig={"PageSize": 1})
                    for i in page["NamedQueryIds"])
    batch = athena.batch_get_named_query(NamedQueryIds=[first, second, "0000-missing"])
    got = athena.get_named_query(NamedQueryId=second)["NamedQuery"]
    athena.delete_named_query(NamedQueryId=second)
    print(json.dumps({
        "work_groups": [w["Name"] for w in athena.list_work_groups()["WorkGroups"]],
        "analysts": athena.get_work_group(WorkGroup="analysts")["WorkGroup"]["Configuration"]["ResultConfiguration"],
        "enforced_output": execution["ResultConfiguration"]["OutputLocation"],
        "enforced_state": execution["Status"]["State"],
        "enforced_work_group": execution["WorkGroup"],
        "no_output": error_of(lambda: athena.start_query_execution(QueryString="SELECT 1", WorkGroup="no-output")),
        "duplicate": error_of(lambda: athena.create_work_group(Name="analysts")),
        "delete_primary": error_of(lambda: athena.delete_work_group(WorkGroup="primary")),
        "missing_work_group": error_of(lambda: athena.get_work_group(WorkGroup="nope")),
        "token_same_id": first == again,
        "listed": listed, "expected_listed": sorted([first, second]), "other_work_group": other,
        "batch_names": sorted(q["Name"] for q in batch["NamedQueries"]),
        "batch_unprocessed": [u["NamedQueryId"] for u in batch["UnprocessedNamedQueryIds"]],
        "got": {"Name": got["Name"], "Description": got.get("Description"), "QueryString": got["QueryString"]},
        "after_delete": error_of(lambda: athena.get_named_query(NamedQueryId=second)),
    }))


def athena_prepared():
    athena = client("athena")

    def run(sql, **kwargs):
        query_id = athena.start_query_execution(QueryString=sql, **kwargs)["QueryExecutionId"]
        execution = wait_for(athena, query_id)
        if execution["Status"]["State"] != "SUCCEEDED":
            return {"state": execution["Status"]["State"], "reason": execution["Status"].get("StateChangeReason")}
        rows = athena.get_query_results(QueryExecutionId=query_id)["ResultSet"]["Rows"]
        return {"state": "SUCCEEDED", "rows": [[d.get("VarCharValue") for d in row["Data"]] for row in rows]}

    athena.create_prepared_statement(StatementName="next_value", WorkGroup="primary",
                                     QueryStatement="SELECT ? + 1 AS next, ? AS label", Description="adds one")
    result = {
        "using": run("EXECUTE next_value USING 41, 'a,b'"),
        "parameters": run("execute next_value", ExecutionParameters=["9", "'p'"]),
        "injection": run("EXECUTE next_value USING 1) OR (1=1, 'x'"),
        "missing": error_of(lambda: athena.start_query_execution(QueryString="EXECUTE nope USING 1")),
        "duplicate": error_of(lambda: athena.create_prepared_statement(
            StatementName="next_value", WorkGroup="primary", QueryStatement="SELECT 1")),
    }
    athena.update_prepared_statement(StatementName="next_value", WorkGroup="primary",
                                     QueryStatement="SELECT ? * 2 AS doubled, ? AS label")
    result["updated"] = run("EXECUTE next_value USING 21, 'd'")
    result["got"] = athena.get_prepared_statement(StatementName="next_value", WorkGroup="primary")[
        "PreparedStatement"]["QueryStatement"]
    result["listed"] = [p["StatementName"] for p in athena.list_prepared_statements(WorkGroup="primary")[
        "PreparedStatements"]]
    athena.delete_prepared_statement(StatementName="next_value", WorkGroup="primary")
    result["after_delete"] = error_of(lambda: athena.get_prepared_statement(StatementName="next_value",
                                                                            WorkGroup="primary"))
    print(json.dumps(result))


def answered_puts(bucket, threads):
    """Puts distinct 1 KiB objects from several threads until the server goes away; prints one line per put
    the server answered with 200 ("key etag", flushed at once), so what was acknowledged is known even when the
    server is killed midway."""
    import hashlib
    import threading
    lock = threading.Lock()

    def writer(number):
        s3 = client("s3")
        for index in range(100000):
            key = "answered/%d/%06d" % (number, index)
            body = hashlib.sha256(key.encode()).hexdigest().encode() * 16
            try:
                etag = s3.put_object(Bucket=bucket, Key=key, Body=body)["ETag"]
            except Exception:  # the server was killed: stop
                return
            with lock:
                print(key, etag, flush=True)

    workers = [threading.Thread(target=writer, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    {"paginate": lambda: paginate(arguments[0], int(arguments[1])),
     "errors": lambda: errors(arguments[0]),
     "bad-credentials": lambda: bad_credentials(arguments[0]),
     "traversal": lambda: traversal(arguments[0]),
     "malformed": lambda: malformed(arguments[0]),
     "trailer": lambda: trailer(arguments[0], arguments[1]),
     "virtual-host": lambda: virtual_host(arguments[0], arguments[1]),
     "presigned": lambda: presigned(arguments[0], arguments[1]),
     "objects": lambda: objects(arguments[0]),
     "stored-metadata": lambda: stored_metadata(arguments[0], arguments[1]),
     "athena": lambda: athena_scenario(arguments[0], int(arguments[1])),
     "faults": faults,
     "athena-stop-concurrent": lambda: athena_stop_concurrent(int(arguments[0])),
     "athena-workgroups": athena_workgroups,
     "athena-prepared": athena_prepared,
     "http-front": lambda: http_front(arguments[0]),
     "large-object": lambda: large_object(arguments[0], int(arguments[1])),
     "answered-puts": lambda: answered_puts(arguments[0], int(arguments[1]))}[command]()
