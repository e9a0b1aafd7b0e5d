#!/usr/bin/env python3
"""Emit C++ tables (src/protocol/model.h) from botocore's service-2.json models.

Usage: gen_models.py --botocore-data DIR --out DIR svc [svc ...]

Runs at build time; its output lives in the build folder only. One .cc per service plus
models_index.cc listing them all. Documentation strings are dropped.
"""
import argparse
import json
import os
import sys

TYPES = {
    "structure": "kStructure", "list": "kList", "map": "kMap", "string": "kString",
    "integer": "kInteger", "long": "kLong", "float": "kFloat", "double": "kDouble",
    "boolean": "kBoolean", "timestamp": "kTimestamp", "blob": "kBlob",
}
LOCATIONS = {None: "kBody", "uri": "kUri", "querystring": "kQueryString", "header": "kHeader",
             "headers": "kHeaders", "statusCode": "kStatusCode"}
PROTOCOLS = {"query": "kQuery", "json": "kJson", "rest-json": "kRestJson", "rest-xml": "kRestXml"}
# Services whose credential scope is pinned to us-east-1 (botocore endpoints.json, partitionEndpoint).
GLOBAL_REGION = {"iam": "us-east-1", "organizations": "us-east-1", "shield": "us-east-1",
                 "support": "us-east-1"}


def cstr(s):
    if s is None:
        return '""'
    out = []
    for ch in s:
        o = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch == "?":
            out.append("\\?")  # avoid trigraphs
        elif 32 <= o < 127:
            out.append(ch)
        else:
            for b in ch.encode("utf-8"):
                out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def latest_model(data_dir, svc):
    versions = sorted(os.listdir(os.path.join(data_dir, svc)))
    for v in reversed(versions):
        path = os.path.join(data_dir, svc, v, "service-2.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                return json.load(f)
    raise SystemExit("no model for " + svc)


# Regions opened after Debian 12's botocore (1.29) was released; newer SDKs sign for them.
LATER_REGIONS = ["ap-east-2", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6",
                 "ap-southeast-7", "ca-west-1", "il-central-1", "mx-central-1"]


def known_regions(data_dir):
    """Every region of every partition in botocore's endpoints.json, plus LATER_REGIONS; sorted."""
    with open(os.path.join(data_dir, "endpoints.json"), encoding="utf-8") as f:
        endpoints = json.load(f)
    names = set(LATER_REGIONS)
    for partition in endpoints["partitions"]:
        names.update(partition.get("regions", {}).keys())
    return sorted(names)


def num(v):
    if v is None:
        return "0"
    return repr(float(v))


def gen_service(svc, model):
    meta = model["metadata"]
    shape_names = sorted(model["shapes"])
    index = {n: i for i, n in enumerate(shape_names)}
    members, enums, shapes = [], [], []
    for name in shape_names:
        s = model["shapes"][name]
        t = s["type"]
        if t not in TYPES:
            raise SystemExit(f"{svc}: unknown type {t} for {name}")
        flags = []
        if s.get("flattened"): flags.append("kShapeFlattened")
        if s.get("exception"): flags.append("kShapeException")
        if s.get("sensitive"): flags.append("kShapeSensitive")
        if s.get("streaming"): flags.append("kShapeStreaming")
        if s.get("union"): flags.append("kShapeUnion")
        if s.get("event"): flags.append("kShapeEvent")
        if "min" in s: flags.append("kShapeHasMin")
        if "max" in s: flags.append("kShapeHasMax")
        err = s.get("error", {})
        fault_sender = True
        if s.get("exception"):
            if err.get("senderFault") is False or s.get("fault"):
                fault_sender = False
            if fault_sender:
                flags.append("kShapeSenderFault")
        first = len(members)
        count = 0
        required = set(s.get("required", []))

        def add_member(mname, ref, req=False):
            mflags = []
            if req: mflags.append("kMemberRequired")
            if ref.get("flattened"): mflags.append("kMemberFlattened")
            if ref.get("xmlAttribute"): mflags.append("kMemberXmlAttribute")
            if ref.get("idempotencyToken"): mflags.append("kMemberIdempotencyToken")
            if ref.get("jsonvalue"): mflags.append("kMemberJsonValue")
            if ref.get("hostLabel"): mflags.append("kMemberHostLabel")
            if ref.get("streaming"): mflags.append("kMemberStreaming")
            ns = ref.get("xmlNamespace", {})
            ns = ns.get("uri", "") if isinstance(ns, dict) else ""
            members.append("{%s,%d,Location::%s,%s,%s,%s}" % (
                cstr(mname), index[ref["shape"]], LOCATIONS[ref.get("location")],
                "|".join(mflags) or "0", cstr(ref.get("locationName", "")), cstr(ns)))

        if t == "structure":
            for mname, ref in s.get("members", {}).items():
                add_member(mname, ref, mname in required)
                count += 1
        elif t == "list":
            add_member("member", s["member"])
            count = 1
        elif t == "map":
            add_member("key", s["key"])
            add_member("value", s["value"])
            count = 2
        efirst = len(enums)
        for e in s.get("enum", []):
            enums.append(cstr(e))
        code = err.get("code", name) if s.get("exception") else ""
        shapes.append("{%s,ShapeType::%s,%s,%d,%d,%s,%s,%s,%d,%d,%s,%s,%d,%s,%s}" % (
            cstr(name), TYPES[t], "|".join(flags) or "0", first, count, num(s.get("min")),
            num(s.get("max")), cstr(s.get("pattern", "")), efirst, len(s.get("enum", [])),
            cstr(s.get("payload", "")), cstr(code), int(err.get("httpStatusCode", 0)),
            cstr(s.get("timestampFormat", "")), cstr(s.get("locationName", ""))))

    ops, error_refs = [], []
    for oname in sorted(model["operations"]):
        o = model["operations"][oname]
        http = o.get("http", {})
        inp = o.get("input", {})
        out = o.get("output", {})
        efirst = len(error_refs)
        for e in o.get("errors", []):
            error_refs.append(str(index[e["shape"]]))
        oflags = []
        if o.get("authtype") == "none" or o.get("auth") == ["smithy.api#noAuth"]:
            oflags.append("kOpUnsigned")
        ops.append("{%s,%s,%s,%s,%s,%s,%s,%d,%d,%d,%s}" % (
            cstr(oname), cstr(http.get("method", "POST")), cstr(http.get("requestUri", "/")),
            str(index[inp["shape"]]) if inp else "kNoShape",
            str(index[out["shape"]]) if out else "kNoShape",
            cstr(out.get("resultWrapper", "")), cstr(inp.get("locationName", "")),
            efirst, len(o.get("errors", [])), int(http.get("responseCode", 200)),
            "|".join(oflags) or "0"))

    ident = svc.replace("-", "_")
    xmlns = meta.get("xmlNamespace", "")
    if isinstance(xmlns, dict):
        xmlns = xmlns.get("uri", "")
    if not xmlns and meta["protocol"] == "query":
        xmlns = "https://%s.amazonaws.com/doc/%s/" % (meta["endpointPrefix"], meta["apiVersion"])
    lines = [
        "// Generated by tools/gen/gen_models.py from botocore's %s model. Do not edit." % svc,
        '#include "protocol/model.h"',
        "namespace rampart::model {",
        "namespace {",
        "constexpr Member kMembers[] = {%s};" % (",\n".join(members) or "{}"),
        "constexpr std::string_view kEnums[] = {%s};" % (",".join(enums) or '""'),
        "constexpr Shape kShapes[] = {%s};" % ",\n".join(shapes),
        "constexpr Operation kOps[] = {%s};" % ",\n".join(ops),
        "constexpr uint32_t kErrorRefs[] = {%s};" % (",".join(error_refs) or "0"),
        "}  // namespace",
        "extern const Service k_%s_service;" % ident,
        "const Service k_%s_service{%s,%s,%s,%s,%s,%s,%s,%s,Protocol::%s,"
        "kOps,kShapes,std::span<const Member>(kMembers, %d),std::span<const std::string_view>(kEnums, %d),"
        "std::span<const uint32_t>(kErrorRefs, %d)};" % (
            ident, cstr(svc), cstr(meta["apiVersion"]), cstr(meta["endpointPrefix"]),
            cstr(meta.get("signingName", meta["endpointPrefix"])), cstr(meta.get("targetPrefix", "")),
            cstr(meta.get("jsonVersion", "")), cstr(xmlns), cstr(GLOBAL_REGION.get(svc, "")),
            PROTOCOLS[meta["protocol"]], len(members), len(enums), len(error_refs)),
        "}  // namespace rampart::model",
    ]
    return ident, "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--botocore-data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("services", nargs="+")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    idents = []
    for svc in sorted(args.services):
        ident, text = gen_service(svc, latest_model(args.botocore_data, svc))
        idents.append(ident)
        path = os.path.join(args.out, "model_%s.cc" % ident)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    index = ['// Generated by tools/gen/gen_models.py. Do not edit.',
             '#include "protocol/model.h"', "namespace rampart::model {"]
    for i in idents:
        index.append("extern const Service k_%s_service;" % i)
    index.append("namespace { constexpr const Service* kAll[] = {%s}; }" %
                 ",".join("&k_%s_service" % i for i in idents))
    index.append("std::span<const Service* const> AllServices() { return kAll; }")
    regions = known_regions(args.botocore_data)
    index.append("namespace { constexpr std::string_view kRegions[] = {%s}; }" %
                 ",".join(cstr(r) for r in regions))
    index.append("std::span<const std::string_view> KnownRegions() { return kRegions; }")
    index.append("}  // namespace rampart::model")
    text = "\n".join(index) + "\n"
    path = os.path.join(args.out, "models_index.cc")
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
    if old != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
