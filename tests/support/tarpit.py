#!/usr/bin/env python3
"""Accepts TCP connections and never answers: a network that hangs."""
import socket
import sys
import time

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(64)
print(f"listening on {srv.getsockname()[1]}", flush=True)
held = []
while True:
    c, _ = srv.accept()
    held.append(c)
    print("accepted", flush=True)  # tests wait for this rather than sleep
