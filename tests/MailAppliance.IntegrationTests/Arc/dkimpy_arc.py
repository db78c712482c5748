#!/usr/bin/python3
"""dkimpy_arc.py: ARC with dkimpy (Debian python3-dkim, the library behind arcsign/arcverify), for interop tests.

  dkimpy_arc.py verify MESSAGE [ZONE.json]
      Validates the ARC chain of MESSAGE with dkim.arc_verify. Keys come from ZONE.json ({"sel._domainkey.dom":
      "TXT value"}) through the dnsfunc= seam, or, without it, from DNS (the resolver in /etc/resolv.conf: run it in
      a test-internet host to ask the test bind9). Prints "cv" then dkimpy's comment on one line; exit 0 for pass.

  dkimpy_arc.py sign MESSAGE SELECTOR DOMAIN KEY.pem SRV_ID [ALGORITHM]
      Adds an ARC set with dkim.arc_sign (the chain status comes from the arc= result in MESSAGE's
      Authentication-Results for SRV_ID, as dkimpy reads it) and writes the sealed message to standard output."""
import json
import logging
import sys

import dkim

logging.disable(logging.CRITICAL)


def verify(message_path, zone_path=None):
    message = open(message_path, "rb").read()
    kwargs = {}
    if zone_path:
        zone = {k.rstrip("."): v for k, v in json.load(open(zone_path)).items()}

        def dnsfunc(name, timeout=5):
            name = name.decode() if isinstance(name, bytes) else name
            value = zone.get(name.rstrip("."))
            return value.encode() if value is not None else None

        kwargs["dnsfunc"] = dnsfunc
    cv, results, comment = dkim.arc_verify(message, **kwargs)
    cv = (cv or b"").decode()
    print(cv, comment)
    return 0 if cv == "pass" else 1


def sign(message_path, selector, domain, key_path, srv_id, algorithm="rsa-sha256"):
    message = open(message_path, "rb").read()
    key = open(key_path, "rb").read()
    headers = dkim.arc_sign(message, selector.encode(), domain.encode(), key, srv_id.encode(),
                            signature_algorithm=algorithm.encode(),
                            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    if not headers:
        print("dkimpy added no ARC set", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(b"".join(headers) + message)
    return 0


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    sys.exit(verify(*arguments) if command == "verify" else sign(*arguments))
