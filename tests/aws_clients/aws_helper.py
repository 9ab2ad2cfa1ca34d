#!/usr/bin/env python3
"""Independent AWS client for the clients' tests: boto3/botocore set up and check state, and botocore's own
validator checks our request JSON against the service model.

  aws_helper.py call <service> <operation> '<json params>'   -> the response as JSON (bodies as sha256/length)
  aws_helper.py batch                                        -> stdin: [{"service","operation","params"}, ...];
                                                                stdout: the responses, in order
  aws_helper.py put-many <bucket> <prefix> <count>           -> creates <prefix>00000 ... with small bodies
  aws_helper.py validate <service> <operation>               -> reads request JSON on stdin; prints problems,
                                                                exits 1 when botocore rejects it
  aws_helper.py complete-xml '<json parts>'                  -> botocore's CompleteMultipartUpload body
  aws_helper.py query-body <service> <operation> '<json>'    -> botocore's query-protocol parameters for the
                                                                params: a JSON list of [name, value], in order
"""
import base64
import concurrent.futures
import datetime
import hashlib
import json
import sys

import boto3
import botocore.session
import botocore.validate
import botocore.serialize


def to_jsonable(value):
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if hasattr(value, "read"):
        data = value.read()
        return {"sha256": hashlib.sha256(data).hexdigest(), "length": len(data), "text": data.decode("utf-8", "replace")[:4096]}
    return value


def decode_params(params):
    # {"__bytes_hex__": "..."} and {"__repeat__": [text, count]} let C++ send binary bodies as JSON.
    if isinstance(params, dict):
        if "__bytes_hex__" in params:
            return bytes.fromhex(params["__bytes_hex__"])
        return {k: decode_params(v) for k, v in params.items()}
    if isinstance(params, list):
        return [decode_params(v) for v in params]
    return params


CLIENTS = {}


def call(service, operation, params):
    client = CLIENTS.setdefault(service, boto3.client(service))
    method = getattr(client, botocore.xform_name(operation))
    return to_jsonable(method(**decode_params(params)))


def main(argv):
    command = argv[1]
    if command == "call":
        print(json.dumps(call(argv[2], argv[3], json.loads(argv[4]))))
    elif command == "batch":
        print(json.dumps([call(item["service"], item["operation"], item.get("params", {}))
                          for item in json.loads(sys.stdin.read())]))
    elif command == "put-many":
        client = boto3.client("s3")
        bucket, prefix, count = argv[2], argv[3], int(argv[4])
        def put(index):
            client.put_object(Bucket=bucket, Key=f"{prefix}{index:05d}", Body=str(index).encode())
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(put, range(count)))
    elif command == "validate":
        model = botocore.session.get_session().get_service_model(argv[2])
        shape = model.operation_model(argv[3]).input_shape
        report = botocore.validate.ParamValidator().validate(json.loads(sys.stdin.read()), shape)
        if report.has_errors():
            print(report.generate_report())
            return 1
        print("ok")
    elif command == "complete-xml":
        model = botocore.session.get_session().get_service_model("s3")
        serializer = botocore.serialize.create_serializer("rest-xml")
        request = serializer.serialize_to_request(
            {"Bucket": "b", "Key": "k", "UploadId": "u", "MultipartUpload": {"Parts": json.loads(argv[2])}},
            model.operation_model("CompleteMultipartUpload"))
        body = request["body"]
        sys.stdout.write(body.decode() if isinstance(body, bytes) else body)
    elif command == "query-body":
        model = botocore.session.get_session().get_service_model(argv[2])
        request = botocore.serialize.create_serializer("query").serialize_to_request(
            json.loads(argv[4]), model.operation_model(argv[3]))
        print(json.dumps(list(request["body"].items())))
    else:
        print(f"unknown command {command}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
