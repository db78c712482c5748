#!/usr/bin/python3
"""A scriptable SMTP sink for the test internet (TestInternet.AddSmtpSinkAsync).

Listens on the given addresses (IPv4 and IPv6) and writes every accepted message into --dir as
NNNNNN.eml (the raw content as received after DATA, dot-unstuffed, CRLF line ends) and NNNNNN.json
(envelope: mail_from, rcpt_tos, peer, helo, tls). The .json file is written last, by rename: its presence
means the message is complete.

Replies are scripted by --behavior, a JSON file read again at each command, so a test can change it while
the sink runs. Keys: connect, ehlo, mail, rcpt, data. A value is a reply line ("451 4.3.0 try later") or
{"reply": "...", "delay": seconds}; "rcpt" may also be an object from recipient address (or "*") to such a
value. A missing key means the normal 250. A "connect" reply is sent instead of the greeting, then the
connection is closed.

Every event is appended to --dir/transcript.log, one line each: connect, EHLO, MAIL, RCPT, DATA with the reply.
Prints "READY" on stdout once listening.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP

args = None
counter = 0


def load_behavior():
    try:
        with open(args.behavior, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def scripted(key, address=None):
    """The scripted (reply, delay) for a command, or (None, 0)."""
    value = load_behavior().get(key)
    if key == "rcpt" and isinstance(value, dict) and "reply" not in value:
        value = value.get(address.lower() if address else "", value.get("*"))
    if value is None:
        return None, 0
    if isinstance(value, str):
        return value, 0
    return value.get("reply"), float(value.get("delay", 0))


def log(line):
    with open(os.path.join(args.dir, "transcript.log"), "a", encoding="utf-8") as f:
        f.write(line + "\n")


class Handler:
    async def _reply(self, key, default, address=None):
        reply, delay = scripted(key, address)
        if delay:
            await asyncio.sleep(delay)
        return reply or default

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        reply = await self._reply("ehlo", None)
        session.host_name = hostname
        log(f"EHLO {hostname} -> {reply or '250'}")
        return [reply] if reply else responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        reply = await self._reply("mail", "250 2.1.0 OK")
        if reply.startswith("250"):
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
        log(f"MAIL {address} {' '.join(mail_options)} -> {reply}")
        return reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = await self._reply("rcpt", "250 2.1.5 OK", address)
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
        log(f"RCPT {address} -> {reply}")
        return reply

    async def handle_DATA(self, server, session, envelope):
        global counter
        reply, delay = scripted("data")
        if delay:
            await asyncio.sleep(delay)
        if reply and not reply.startswith("250"):
            log(f"DATA -> {reply}")
            return reply
        counter += 1
        name = f"{counter:06d}"
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        tmp = os.path.join(args.dir, name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(args.dir, name + ".eml"))
        meta = {
            # aiosmtpd keeps the null reverse-path as "<>" (and needs it non-empty); the file says "".
            "mail_from": "" if envelope.mail_from == "<>" else envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "peer": session.peer[0] if session.peer else None,
            "helo": session.host_name,
            "tls": session.ssl is not None,
            "mail_options": envelope.mail_options,
        }
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(meta, f)
        os.rename(tmp, os.path.join(args.dir, name + ".json"))
        reply = reply or f"250 2.0.0 OK queued as {name}"
        log(f"DATA {len(data)} octets -> {reply}")
        return reply


class ScriptedSMTP(SMTP):
    async def _handle_client(self):
        peer = self.session.peer[0] if self.session and self.session.peer else "?"
        reply, delay = scripted("connect")
        log(f"connect {peer} -> {reply or '220'}")
        if delay:
            await asyncio.sleep(delay)
        if reply:
            await self.push(reply)
            self.transport.close()
            return
        await super()._handle_client()


async def main():
    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    handler = Handler()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: ScriptedSMTP(handler, hostname=args.hostname, ident="aiosmtpd test sink", tls_context=tls,
                             require_starttls=False, enable_SMTPUTF8=True, decode_data=False,
                             data_size_limit=64 * 1024 * 1024),
        host=args.listen, port=args.port, reuse_address=True)
    print("READY", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", action="append", required=True)
    parser.add_argument("--port", type=int, default=25)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--behavior", required=True)
    parser.add_argument("--hostname", default="sink.test")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
