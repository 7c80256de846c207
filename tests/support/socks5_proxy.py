#!/usr/bin/env python3
"""A minimal RFC 1928 SOCKS5 proxy for casewire's tests (CONNECT, no auth).

It resolves names ITSELF, from --map NAME=IP entries only, and logs every
CONNECT request (address type, host, port) as a JSON line to --log. A test can
therefore give the client a name that nothing else on the machine can resolve:
if the alert arrives, the client cannot have looked the name up itself or
connected directly. Also offers --tarpit: accept and then never answer.
"""
import argparse
import json
import socket
import struct
import sys
import threading


def pipe(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("short read")
        buf += chunk
    return buf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", required=True)
    ap.add_argument("--map", action="append", default=[])
    args = ap.parse_args()
    names = dict(m.split("=", 1) for m in args.map)
    lock = threading.Lock()

    def log(rec):
        with lock, open(args.log, "a") as f:
            f.write(json.dumps(rec) + "\n")

    def handle(c):
        try:
            ver, n = recv_exact(c, 2)
            recv_exact(c, n)
            c.sendall(b"\x05\x00")
            ver, cmd, _, atyp = recv_exact(c, 4)
            if atyp == 3:
                host = recv_exact(c, recv_exact(c, 1)[0]).decode()
            elif atyp == 1:
                host = socket.inet_ntoa(recv_exact(c, 4))
            else:
                host = socket.inet_ntop(socket.AF_INET6, recv_exact(c, 16))
            port = struct.unpack(">H", recv_exact(c, 2))[0]
            log({"atyp": atyp, "host": host, "port": port})
            ip = names.get(host, host if atyp != 3 else None)
            if cmd != 1 or ip is None:
                c.sendall(b"\x05\x04\x00\x01" + b"\x00" * 6)  # host unreachable
                return
            up = socket.create_connection((ip, port), timeout=10)
            c.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("0.0.0.0") + b"\x00\x00")
            threading.Thread(target=pipe, args=(up, c), daemon=True).start()
            pipe(c, up)
        except (OSError, ConnectionError, ValueError):
            pass
        finally:
            c.close()

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(64)
    print(f"listening on {srv.getsockname()[1]}", flush=True)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
