#!/usr/bin/env bash
# Builds the container image (Dockerfile) and checks it: the container becomes healthy (its
# HEALTHCHECK runs `rampart health`), answers a signed boto3 call with the root credentials it
# made, and runs as the rampart user. Run by scripts/test.sh where a container runtime answers.
set -euo pipefail
cd "$(dirname "$0")/.."
tag=rampart:image-test
name=rampart-image-test-$$
docker build -q -t "$tag" . >/dev/null
cleanup() { docker rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
docker run -d --name "$name" -p 127.0.0.1::4566 "$tag" >/dev/null
for _ in $(seq 1 60); do
  status=$(docker inspect -f '{{.State.Health.Status}}' "$name")
  [ "$status" = healthy ] && break
  sleep 1
done
test "$status" = healthy || { docker logs "$name"; echo "image-test: not healthy ($status)"; exit 1; }
test "$(docker exec "$name" id -un)" = rampart
port=$(docker port "$name" 4566/tcp | head -1 | sed 's/.*://')
docker exec "$name" cat /var/lib/rampart/root-credentials >/tmp/rampart-image-test.creds
AWS_SHARED_CREDENTIALS_FILE=/tmp/rampart-image-test.creds /usr/bin/python3 - "$port" <<'PY'
import sys, boto3
sts = boto3.client("sts", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1")
print("image-test: signed call answered as", sts.get_caller_identity()["Arn"])
PY
rm -f /tmp/rampart-image-test.creds
echo "image-test: passed"
