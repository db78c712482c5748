#!/usr/bin/python3
"""dkimpy_sign.py MESSAGE SELECTOR DOMAIN KEYFILE rsa|ed25519 [simple|relaxed]

Signs MESSAGE with dkimpy (Debian python3-dkim), an independent signer, and writes the signed message (the new
DKIM-Signature field, then MESSAGE unchanged) to standard output. KEYFILE: a PEM private key for rsa, the
base64 32-octet seed for ed25519 (dkimpy's formats). Canonicalization: the given one for header and body."""
import sys

import dkim


def main():
    message_path, selector, domain, key_path, algorithm = sys.argv[1:6]
    canonicalization = (sys.argv[6] if len(sys.argv) > 6 else "relaxed").encode()
    message = open(message_path, "rb").read()
    key = open(key_path, "rb").read()
    signature = dkim.sign(
        message, selector.encode(), domain.encode(), key,
        canonicalize=(canonicalization, canonicalization),
        signature_algorithm=b"ed25519-sha256" if algorithm == "ed25519" else b"rsa-sha256",
        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    sys.stdout.buffer.write(signature.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
