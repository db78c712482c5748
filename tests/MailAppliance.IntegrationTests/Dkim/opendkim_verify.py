#!/usr/bin/python3
"""opendkim_verify.py MESSAGE ZONE.json

Verifies MESSAGE with opendkim-testmsg (Debian opendkim-tools). libopendkim asks DNS for the keys through the C
library's resolver, which reads /etc/resolv.conf, so the check runs in private namespaces (unshare: user, mount,
network): a loopback-only network where this script answers DNS on 127.0.0.1:53 from ZONE.json, and a private
/etc/resolv.conf naming it. Nothing outside the namespaces is touched.

opendkim-testmsg prints nothing and exits 0 when every signature verifies. This script prints its exit status
and output, and exits with its status."""
import json, os, socket, struct, subprocess, sys, tempfile, threading

INSIDE = "--inside"


def encode_name(name):
    return b"".join(bytes([len(label)]) + label.encode() for label in name.rstrip(".").split(".")) + b"\0"


def answer(query, zone):
    """A DNS response (RFC 1035 §4.1) to a query: TXT from the zone, else NXDOMAIN."""
    qid, flags = struct.unpack(">HH", query[:4])
    position, labels = 12, []
    while query[position]:
        length = query[position]
        labels.append(query[position + 1:position + 1 + length].decode("ascii", "replace"))
        position += length + 1
    qtype, = struct.unpack(">H", query[position + 1:position + 3])
    question = query[12:position + 5]
    name = ".".join(labels).lower()
    value = zone.get(name)
    rd = flags & 0x0100
    if value is None:
        return struct.pack(">HHHHHH", qid, 0x8180 | rd | 3, 1, 0, 0, 0) + question
    answers = b""
    count = 0
    if qtype in (16, 255):
        data = value.encode()
        strings = b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, len(data), 255))
        answers = b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, len(strings)) + strings
        count = 1
    return struct.pack(">HHHHHH", qid, 0x8180 | rd, 1, count, 0, 0) + question + answers


def serve(zone):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 53))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("127.0.0.1", 53))
    tcp.listen(8)

    def udp_loop():
        while True:
            query, peer = udp.recvfrom(4096)
            response = answer(query, zone)
            if len(response) > 512:
                # Too long for UDP: answer with the question only and TC set; the resolver retries over TCP
                # (RFC 1035 §4.2.1).
                qid, flags = struct.unpack(">HH", response[:4])
                question_end = query.index(b"\0", 12) + 5
                response = struct.pack(">HHHHHH", qid, flags | 0x0200, 1, 0, 0, 0) + query[12:question_end]
            udp.sendto(response, peer)

    def tcp_loop():
        while True:
            connection, _ = tcp.accept()
            with connection:
                length, = struct.unpack(">H", connection.recv(2))
                query = b""
                while len(query) < length:
                    query += connection.recv(length - len(query))
                response = answer(query, zone)
                connection.sendall(struct.pack(">H", len(response)) + response)

    threading.Thread(target=udp_loop, daemon=True).start()
    threading.Thread(target=tcp_loop, daemon=True).start()


def inside(message, zone_path):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    resolv = tempfile.NamedTemporaryFile("w", suffix=".resolv.conf", delete=False)
    resolv.write("nameserver 127.0.0.1\noptions timeout:2 attempts:1\n")
    resolv.close()
    subprocess.run(["mount", "--bind", resolv.name, "/etc/resolv.conf"], check=True)
    zone = {k.rstrip(".").lower(): v for k, v in json.load(open(zone_path)).items()}
    serve(zone)
    with open(message, "rb") as stdin:
        result = subprocess.run(["opendkim-testmsg"], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    os.unlink(resolv.name)
    output = result.stdout.decode(errors="replace").strip()
    print("rc=%d %s" % (result.returncode, output))
    return result.returncode


def main():
    if len(sys.argv) == 4 and sys.argv[1] == INSIDE:
        return inside(sys.argv[2], sys.argv[3])
    message, zone = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    # --map-root-user works for root and, where user namespaces are allowed, for anyone.
    command = ["unshare", "--map-root-user", "--mount", "--net", "--", sys.executable, os.path.abspath(__file__), INSIDE, message, zone]
    return subprocess.run(command).returncode


if __name__ == "__main__":
    sys.exit(main())
