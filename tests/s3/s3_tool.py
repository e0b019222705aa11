#!/usr/bin/env python3
"""boto3 on the test S3 servers, for the tests' interop checks (servers.py writes STATE).

    s3_tool.py STATE SERVER presign KEY EXPIRES [SESSION_TOKEN]   botocore's presigned GET URL
    s3_tool.py STATE SERVER head KEY                               JSON: content type, metadata, etag
    s3_tool.py STATE SERVER put KEY FILE CONTENT_TYPE FILENAME WIDTH HEIGHT
    s3_tool.py STATE SERVER list PREFIX                            one key per line
SERVER is a name in STATE's "servers" (s3rver, moto_auth, moto_open).
"""
import json
import sys

import boto3
from botocore.config import Config


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    state_file, server, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    with open(state_file) as f:
        s = json.load(f)["servers"][server]
    token = args[2] if cmd == "presign" and len(args) > 2 else None
    c = boto3.client("s3", endpoint_url=s["endpoint"], region_name=s["region"],
                     aws_access_key_id=s["key"], aws_secret_access_key=s["secret"],
                     aws_session_token=token,
                     config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
    if cmd == "presign":
        print(c.generate_presigned_url("get_object", Params={"Bucket": s["bucket"], "Key": args[0]},
                                       ExpiresIn=int(args[1])))
    elif cmd == "head":
        r = c.head_object(Bucket=s["bucket"], Key=args[0])
        print(json.dumps({"content_type": r["ContentType"], "metadata": r["Metadata"],
                          "etag": r["ETag"], "length": r["ContentLength"]}))
    elif cmd == "put":
        key, path, content_type, filename, width, height = args
        with open(path, "rb") as f:
            c.put_object(Bucket=s["bucket"], Key=key, Body=f.read(), ContentType=content_type,
                         Metadata={"filename": filename, "width": width, "height": height})
    elif cmd == "list":
        pages = c.get_paginator("list_objects_v2").paginate(Bucket=s["bucket"], Prefix=args[0])
        for page in pages:
            for obj in page.get("Contents", []):
                print(obj["Key"])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
