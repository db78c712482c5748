#!/usr/bin/python3
"""Converts the ValiMail ARC test suite (MIT, ValiMail 2017; ../shared/conformance/arc beside the repository)
from YAML to the JSON files beside this script, once, so the C# tests need no YAML parser (YamlDotNet refuses some
literal blocks PyYAML accepts). Run with Debian's python3 (python3-yaml):

    /usr/bin/python3 tests/MailAppliance.Tests/Arc/Suite/convert_arc_suite.py [SUITE_DIR]

Each output file is a list of scenarios: {"description", "tests": {id: {field: text}}, "txt-records": {name: txt},
"fields": {other top-level scalars}}; every scalar becomes a string, exactly as PyYAML reads it."""
import json
import os
import sys

import yaml

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.abspath(os.path.join(here, "..", "..", "..", ".."))
suite = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "..", "shared", "conformance", "arc")


def text(value):
    return "" if value is None else str(value)


for name in ("arc-draft-validation-tests", "arc-draft-sign-tests"):
    with open(os.path.join(suite, name + ".yml"), "rb") as fp:
        docs = [d for d in yaml.safe_load_all(fp) if d]
    scenarios = []
    for d in docs:
        scenarios.append({
            "description": text(d.get("description")).strip(),
            "tests": {tid: {k: text(v) for k, v in t.items()} for tid, t in d["tests"].items()},
            "txt-records": {k.rstrip("."): text(v) for k, v in (d.get("txt-records") or {}).items()},
            "fields": {k: text(v) for k, v in d.items() if k not in ("tests", "txt-records") and not isinstance(v, (dict, list))},
        })
    with open(os.path.join(here, name + ".json"), "w") as fp:
        json.dump(scenarios, fp, indent=1, sort_keys=True)
        fp.write("\n")
    print("%s: %d scenarios, %d tests" % (name, len(scenarios), sum(len(s["tests"]) for s in scenarios)))
