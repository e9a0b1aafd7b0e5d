#!/usr/bin/env python3
"""The client side of bench/s3_throughput.sh: one large object, uploaded as a multipart upload
and read back through a presigned URL.

  s3_transfer.py HOST:PORT ACCESS_KEY SECRET_KEY mb BUCKET
  s3_transfer.py HOST:PORT ACCESS_KEY SECRET_KEY put BUCKET KEY SIZE_MIB PART_MIB PARALLEL PARTFILE
      CreateMultipartUpload, SIZE_MIB/PART_MIB UploadPart calls of the bytes of PARTFILE (all
      parts the same PART_MIB bytes), PARALLEL at a time, each on its own keep-alive connection,
      then CompleteMultipartUpload. Prints "SECONDS PARTS_SECONDS ETAG": SECONDS from before
      CreateMultipartUpload to CompleteMultipartUpload's answer, PARTS_SECONDS the parts alone.
      The parts go to presigned URLs (SigV4 query string, UNSIGNED-PAYLOAD), written with
      http.client straight from memory, so the client neither hashes nor copies the bytes.
  s3_transfer.py HOST:PORT ACCESS_KEY SECRET_KEY url BUCKET KEY
      Prints a presigned GetObject URL (s3v4, valid one hour).
  s3_transfer.py HOST:PORT ACCESS_KEY SECRET_KEY rm BUCKET KEY
      DeleteObject."""
import concurrent.futures
import http.client
import sys
import threading
import time
import urllib.parse

import boto3
import botocore.config


def client(hostport, key, secret):
    cfg = botocore.config.Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                 retries={"max_attempts": 1},
                                 request_checksum_calculation="when_required",
                                 response_checksum_validation="when_required")
    return boto3.client("s3", endpoint_url=f"http://{hostport}", region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret, config=cfg)


def put(s3, hostport, bucket, key, size_mib, part_mib, parallel, partfile):
    data = open(partfile, "rb").read()
    assert len(data) == part_mib << 20
    parts = size_mib // part_mib
    local = threading.local()

    def upload(n):
        url = s3.generate_presigned_url("upload_part", ExpiresIn=3600, Params={
            "Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": n})
        u = urllib.parse.urlsplit(url)
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(hostport, timeout=300)
        local.conn.request("PUT", u.path + "?" + u.query, body=data,
                           headers={"Content-Length": str(len(data))})
        r = local.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"UploadPart {n}: HTTP {r.status}: {body[:400]!r}")
        return {"PartNumber": n, "ETag": r.getheader("ETag")}

    t0 = time.perf_counter()
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    t1 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        done = list(pool.map(upload, range(1, parts + 1)))
    t2 = time.perf_counter()
    etag = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                        MultipartUpload={"Parts": done})["ETag"]
    t3 = time.perf_counter()
    print(f"{t3 - t0:.6f} {t2 - t1:.6f} {etag}")


def main() -> int:
    if len(sys.argv) < 6:
        print(__doc__, file=sys.stderr)
        return 2
    hostport, key, secret, cmd = sys.argv[1:5]
    args = sys.argv[5:]
    s3 = client(hostport, key, secret)
    if cmd == "mb":
        s3.create_bucket(Bucket=args[0])
    elif cmd == "put":
        put(s3, hostport, args[0], args[1], int(args[2]), int(args[3]), int(args[4]), args[5])
    elif cmd == "url":
        print(s3.generate_presigned_url("get_object", ExpiresIn=3600,
                                        Params={"Bucket": args[0], "Key": args[1]}))
    elif cmd == "rm":
        s3.delete_object(Bucket=args[0], Key=args[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
