#!/usr/bin/python3
"""pyspf_check.py CASES.json

Evaluates SPF with pyspf (Debian python3-spf), asking real DNS: run it inside a test-internet host, whose
/etc/resolv.conf points at the test bind9. CASES.json is a list of [ip, mailfrom, helo]; prints a JSON list of
[result, explanation] in the same order (pyspf's "unknown"/"error" mapped to permerror/temperror)."""
import json
import sys

import spf

RESULTS = {"unknown": "permerror", "error": "temperror"}


def main():
    cases = json.load(open(sys.argv[1]))
    out = []
    for ip, mailfrom, helo in cases:
        q = spf.query(i=ip, s=mailfrom, h=helo, strict=True)
        result, _code, explanation = q.check()
        out.append([RESULTS.get(result, result), explanation])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
