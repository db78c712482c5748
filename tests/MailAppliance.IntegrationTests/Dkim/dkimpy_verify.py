#!/usr/bin/python3
"""dkimpy_verify.py MESSAGE ZONE.json

Verifies every DKIM-Signature of MESSAGE with dkimpy (Debian python3-dkim, the library behind dkimverify),
answering its key queries from ZONE.json ({"sel._domainkey.dom": "TXT value"}) through dkim.verify's dnsfunc=
seam instead of DNS. Prints one word per signature, top down: pass, fail or permerror (with dkimpy's reason
on standard error); "none" when there is no signature. Exit status 0 only if every signature passes."""
import json, logging, sys

import dkim

logging.disable(logging.CRITICAL)


def main():
    message = open(sys.argv[1], "rb").read()
    zone = {k.rstrip("."): v for k, v in json.load(open(sys.argv[2])).items()}

    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        value = zone.get(name.rstrip("."))
        return value.encode() if value is not None else None

    count = len([h for h in dkim.DKIM(message).headers if h[0].lower() == b"dkim-signature"])
    if count == 0:
        print("none")
        return 1
    words = []
    for index in range(count):
        verifier = dkim.DKIM(message, logger=logging.getLogger("quiet"), minkey=1024)
        try:
            words.append("pass" if verifier.verify(idx=index, dnsfunc=dnsfunc) else "fail")
        except dkim.DKIMException as e:
            words.append("permerror")
            print("signature %d: %s" % (index, e), file=sys.stderr)
    print(" ".join(words))
    return 0 if all(w == "pass" for w in words) else 1


if __name__ == "__main__":
    sys.exit(main())
