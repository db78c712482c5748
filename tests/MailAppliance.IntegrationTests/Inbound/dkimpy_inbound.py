#!/usr/bin/python3
"""dkimpy_inbound.py: DKIM with dkimpy (Debian python3-dkim) for the inbound tests, as an outside party would.

  dkimpy_inbound.py sign MESSAGE SELECTOR DOMAIN KEY.pem
      Signs MESSAGE with dkim.sign (rsa-sha256, relaxed/relaxed) and writes the signed message to standard output.

  dkimpy_inbound.py verify MESSAGE
      Verifies the first DKIM-Signature of MESSAGE with dkim.verify, asking DNS (the resolver in /etc/resolv.conf: run
      it in a test-internet host to ask the test bind9). Prints "pass" or "fail"; exit 0 for pass."""
import logging
import sys

import dkim

logging.disable(logging.CRITICAL)


def sign(message_path, selector, domain, key_path):
    message = open(message_path, "rb").read()
    key = open(key_path, "rb").read()
    signature = dkim.sign(message, selector.encode(), domain.encode(), key,
                          canonicalize=(b"relaxed", b"relaxed"),
                          include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    sys.stdout.buffer.write(signature + message)
    return 0


def verify(message_path):
    ok = dkim.verify(open(message_path, "rb").read())
    print("pass" if ok else "fail")
    return 0 if ok else 1


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    sys.exit(sign(*arguments) if command == "sign" else verify(*arguments))
