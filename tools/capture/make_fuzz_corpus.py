#!/usr/bin/env python3
"""Write the protocol fuzzers' seed corpora from the botocore captures.

Usage: python3 tools/capture/make_fuzz_corpus.py
Reads tests/data/protocol/captures/*.json and writes fuzz/corpus/protocol_{query,json,rest}/
<capture>.txt in the input format of fuzz/protocol_fuzz_util.h:
    scope service \\n  line 2  \\n  Name: value headers \\n  \\n  body
"""
import base64
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def main():
    src = os.path.join(ROOT, "tests", "data", "protocol", "captures")
    n = 0
    for fname in sorted(os.listdir(src)):
        with open(os.path.join(src, fname), encoding="utf-8") as f:
            c = json.load(f)
        wire = c["wire"]
        headers = dict(c["headers"])
        if wire == "query":
            kind, line2 = "query", c["query"]
        elif wire.startswith("json"):
            kind = "json"
            line2 = headers.pop("X-Amz-Target")
        else:
            kind = "rest"
            line2 = "%s %s%s" % (c["method"], c["path"], "?" + c["query"] if c["query"] else "")
        headers.pop("Authorization", None)
        body = c["body"].encode() if "body" in c else base64.b64decode(c["body_base64"])
        text = (c["scope_service"] + "\n" + line2 + "\n" +
                "".join("%s: %s\n" % kv for kv in headers.items()) + "\n").encode() + body
        out = os.path.join(ROOT, "fuzz", "corpus", "protocol_" + kind)
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, fname[:-5] + ".txt"), "wb") as f:
            f.write(text)
        n += 1
    print("%d seeds" % n)


if __name__ == "__main__":
    main()
