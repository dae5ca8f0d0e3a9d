#!/usr/bin/env python3
"""ocsp_responder.py - an HTTP front for `openssl ocsp` bound to 127.0.0.1.

OpenSSL 3.0's `openssl ocsp -port N` listens on every interface; the tests
use loopback only.  This server accepts RFC 6960 POST (and GET) requests on
127.0.0.1:PORT and answers each by running `openssl ocsp` as the responder
in file mode (-reqin/-respout) with the arguments given after the port, so
the responses are still made by OpenSSL's own responder.

    ocsp_responder.py PORT -index index.txt -CA ca.crt -rsigner r.crt -rkey r.key
"""
import base64
import http.server
import os
import subprocess
import sys
import tempfile
import urllib.parse

MAX_REQUEST = 64 * 1024
PORT = int(sys.argv[1])
OPENSSL_ARGS = sys.argv[2:]


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, req):
        with tempfile.TemporaryDirectory() as d:
            reqf = os.path.join(d, "req.der")
            respf = os.path.join(d, "resp.der")
            with open(reqf, "wb") as f:
                f.write(req)
            r = subprocess.run(["openssl", "ocsp", *OPENSSL_ARGS, "-reqin", reqf,
                                "-respout", respf], capture_output=True, timeout=20)
            sys.stderr.write(r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace"))
            if r.returncode != 0 or not os.path.exists(respf):
                self.send_error(500)
                return
            with open(respf, "rb") as f:
                body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        if n <= 0 or n > MAX_REQUEST:
            self.send_error(400)
            return
        self.answer(self.rfile.read(n))

    def do_GET(self):
        path = urllib.parse.unquote(self.path.lstrip("/"))
        try:
            req = base64.b64decode(path, validate=True)
        except ValueError:
            self.send_error(400)
            return
        self.answer(req)

    def log_message(self, fmt, *args):
        sys.stderr.write("ocsp_responder: " + (fmt % args) + "\n")


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
