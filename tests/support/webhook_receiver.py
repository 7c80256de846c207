#!/usr/bin/env python3
"""A real webhook receiver for casewire's end-to-end tests.

Listens on loopback, verifies the Standard Webhooks v1 HMAC signature with
Python's own hmac module (an implementation independent of casewired's), and
appends one JSON line per request to --log: the path, every header as sent,
the body and the verdict. The status it answers is read from --status-file on
each request (default 200), so a test can make it fail, answer 410, or ask the
sender to slow down, while it runs. With --tls-cert/--tls-key it serves HTTPS
(a test CA's certificate), so a test can check the sender verifies it.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", required=True)
    ap.add_argument("--secret-file", default="", help="whsec_ secret, re-read on every request")
    ap.add_argument("--status-file", default="")
    ap.add_argument("--tls-cert", default="")
    ap.add_argument("--tls-key", default="")
    args = ap.parse_args()

    def current_key():
        # Re-read per request, so a test can give the receiver a rotated
        # secret without restarting it.
        text = ""
        if args.secret_file and os.path.exists(args.secret_file):
            with open(args.secret_file) as f:
                text = f.read().strip()
        return base64.b64decode(text[len("whsec_"):]) if text.startswith("whsec_") else b""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            wid = self.headers.get("webhook-id", "")
            ts = self.headers.get("webhook-timestamp", "")
            sig = self.headers.get("webhook-signature", "")
            signed = f"{wid}.{ts}.".encode() + body
            expected = base64.b64encode(hmac.new(current_key(), signed, hashlib.sha256).digest()).decode()
            hmac_ok = any(
                part.startswith("v1,") and hmac.compare_digest(part[3:], expected) for part in sig.split(" ")
            )
            status, delay_ms = 200, 0
            if args.status_file and os.path.exists(args.status_file):
                with open(args.status_file) as f:
                    parts = f.read().split()  # "STATUS [DELAY_MS]"
                    status = int(parts[0]) if parts else 200
                    delay_ms = int(parts[1]) if len(parts) > 1 else 0
            record = {
                "path": self.path,
                "method": self.command,
                "headers": [[k, v] for k, v in self.headers.items()],
                "id": wid,
                "timestamp": ts,
                "signature": sig,
                "content_type": self.headers.get("content-type", ""),
                "user_agent": self.headers.get("user-agent", ""),
                "body": body.decode("utf-8", "replace"),
                "hmac_ok": hmac_ok,
                "answered": status,
            }
            with open(args.log, "a") as f:
                f.write(json.dumps(record) + "\n")
            if delay_ms:
                time.sleep(delay_ms / 1000)
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print(f"listening on {srv.server_address[1]}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
