#!/usr/bin/env python3
"""A hostile daemon for casewire's end-to-end tests: it holds the real
daemon's TLS certificate and key (so the client's pin matches - the operator
or whoever seized the server has them) but not its signing key. It answers
GET /v1/log/tree-head with the head in --head-file, as given (a test puts a
head there the daemon never signed), "no invite update" to
/v1/invite-updates, and not_found to everything else. Prints
"listening on PORT" once ready.
"""
import argparse
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tls-cert", required=True)
    ap.add_argument("--tls-key", required=True)
    ap.add_argument("--head-file", required=True)
    args = ap.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def answer(self, status, body):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/v1/log/tree-head":
                with open(args.head_file) as f:
                    self.answer(200, f.read())
            else:
                self.answer(404, '{"error":"not_found","message":"not found"}')

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
