#!/usr/bin/env python3
"""Times botocore's JSON parser on one GetQueryResults page: results_parse_botocore.py <page.json> <iterations>.
Prints seconds per parse and the number of rows parsed (interpreter start-up and file reading excluded)."""
import sys
import time

import botocore.parsers
import botocore.session


def main(path, iterations):
    with open(path, "rb") as page:
        body = page.read()
    shape = botocore.session.get_session().get_service_model("athena").operation_model("GetQueryResults").output_shape
    parser = botocore.parsers.create_parser("json")
    response = {"body": body, "headers": {}, "status_code": 200}
    parsed = parser.parse(response, shape)  # warm-up
    start = time.perf_counter()
    for _ in range(iterations):
        parsed = parser.parse(response, shape)
    elapsed = time.perf_counter() - start
    print(f"{elapsed / iterations:.9f} {len(parsed['ResultSet']['Rows'])}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
