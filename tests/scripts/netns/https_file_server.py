#!/usr/bin/python3
"""Serves one file at /.well-known/mta-sts.txt over HTTPS on port 443 (IPv4 and IPv6), for MTA-STS tests.

usage: https_file_server.py CERT KEY FILE [PORT]
"""
import http.server
import socket
import ssl
import sys

cert, key, path = sys.argv[1:4]
port = int(sys.argv[4]) if len(sys.argv) > 4 else 443


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/.well-known/mta-sts.txt":
            self.send_error(404)
            return
        with open(path, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class DualStackServer(http.server.HTTPServer):
    address_family = socket.AF_INET6

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


server = DualStackServer(("::", port), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print("listening", flush=True)
server.serve_forever()
