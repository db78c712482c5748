#!/usr/bin/env python3
"""Sends one message with Python's smtplib, as a script or a small application would.

Used by the relay's integration tests (tests/MailAppliance.IntegrationTests/Relay). Prints one JSON object:
{"code": 250, "reply": "2.0.0 OK queued as ...", "refused": {}} on success, or
{"error": "...", "code": N, "reply": "..."} and exit status 1 when the server refused something.

Certificate verification is off: the relay under test serves a self-signed certificate.
"""

import argparse
import json
import smtplib
import ssl
import sys


def insecure_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class RecordingMixin:
    """Keeps the reply to DATA, which sendmail() does not return (it holds the queue id)."""

    data_reply = None

    def data(self, msg):
        code, reply = super().data(msg)
        self.data_reply = (code, reply.decode("utf-8", "replace"))
        return code, reply


class RecordingSMTP(RecordingMixin, smtplib.SMTP):
    pass


class RecordingSMTP_SSL(RecordingMixin, smtplib.SMTP_SSL):
    pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["starttls", "ssl", "plain"], required=True)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--sender", required=True)
    parser.add_argument("--to", action="append", required=True)
    parser.add_argument("--subject", default="smtplib test")
    parser.add_argument("--body", required=True)
    args = parser.parse_args()

    message = (
        f"From: <{args.sender}>\r\n"
        f"To: {', '.join('<' + r + '>' for r in args.to)}\r\n"
        f"Subject: {args.subject}\r\n"
        "\r\n"
        f"{args.body}\r\n"
    )

    try:
        if args.mode == "ssl":
            client = RecordingSMTP_SSL(args.host, args.port, context=insecure_context(), timeout=30)
        else:
            client = RecordingSMTP(args.host, args.port, timeout=30)
        with client:
            client.ehlo("smtplib.client.test")
            if args.mode == "starttls":
                client.starttls(context=insecure_context())
                client.ehlo("smtplib.client.test")
            if args.user is not None:
                client.login(args.user, args.password or "")
            refused = client.sendmail(args.sender, args.to, message.encode("utf-8"))
            code, reply = client.data_reply
            print(json.dumps({"code": code, "reply": reply, "refused": {k: v[0] for k, v in refused.items()}}))
            return 0
    except smtplib.SMTPResponseException as e:
        reply = e.smtp_error.decode("utf-8", "replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
        print(json.dumps({"error": type(e).__name__, "code": e.smtp_code, "reply": reply}))
        return 1
    except smtplib.SMTPRecipientsRefused as e:
        print(json.dumps({"error": type(e).__name__, "refused": {k: v[0] for k, v in e.recipients.items()}}))
        return 1


if __name__ == "__main__":
    sys.exit(main())
