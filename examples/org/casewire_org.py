#!/usr/bin/env python3
"""casewire for organisations: reference code in Python 3 (standard library
plus PyNaCl, Debian package python3-nacl).

What an organisation's own tools need, written from docs/PROTOCOL.md alone:

  verify_webhook(headers, body, secret)   Standard Webhooks v1 HMAC, with a
                                          5-minute window against replays
  open_notification(body, invite, box)    a webhook body (Standard Webhooks
                                          payload) or a feed item: opens a sealed
                                          one with the organisation's box key,
                                          checks the daemon's Ed25519 signature
                                          over the notification; returns its fields
  load_org_key(path, passphrase)          the organisation's key file
                                          (CWSK, Argon2id + XChaCha20-Poly1305)
  ack(invite, key, notification_id)       a signed "we are acting", over TLS
                                          pinned to the daemon's key

Run as a program:

  casewire_org.py receive --invite invite.json --secret-file hook.secret [--listen 127.0.0.1:8080]
                          [--key org.key [--passphrase-file F]]
      a webhook receiver: prints each notification that passes both checks as
      one JSON line, answers 204; anything else gets 401 and prints nothing.
      A sealed subscription (casewire-keys add-org --sealed) needs --key: only
      the organisation's key opens its notifications.
  casewire_org.py ack --invite invite.json --key org.key [--passphrase-file F] ID
      acknowledges notification ID and prints the daemon's signed answer

Acknowledging is a caseworker's decision ("we are acting"), not something a
receiver should do on its own: keep the key with the people who decide.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import secrets
import socket
import ssl
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.pwhash
import nacl.signing

TOLERANCE_S = 300  # as the daemon's own window for signed requests


class Refused(Exception):
    """A check failed; the message says which (never the content)."""


# -- keys and the invite ------------------------------------------------------

def key_id(kind: int, public_key: bytes) -> bytes:
    """First 8 bytes of BLAKE2b-256("casewire-key-id-v1" || kind || key); kind 1 = sign."""
    return hashlib.blake2b(b"casewire-key-id-v1" + bytes([kind]) + public_key,
                           digest_size=32).digest()[:8]


def parse_key_line(line: str, kind_name: str) -> bytes:
    """'cwk1 <sign|box> <key id hex> <base64 key>': the key, its id checked."""
    parts = line.split()
    if len(parts) != 4 or parts[0] != "cwk1" or parts[1] != kind_name:
        raise Refused(f"not a cwk1 {kind_name} key line")
    key = base64.b64decode(parts[3])
    if len(key) != 32 or key_id(1 if kind_name == "sign" else 2, key).hex() != parts[2]:
        raise Refused("key line does not match its key id")
    return key


class Invite:
    def __init__(self, path: str):
        with open(path) as f:
            o = json.load(f)
        if o.get("casewire_invite") != 1:
            raise Refused("not a version 1 casewire invite")
        self.urls = o["urls"]
        self.tls_pin = o["tls_pin"]
        self.daemon_sign = parse_key_line(o["daemon_sign_key"], "sign")
        self.daemon_key_id = key_id(1, self.daemon_sign)


def load_org_key(path: str, passphrase: bytes | None = None) -> nacl.signing.SigningKey:
    """The signing key of a CWSK organisation key file (docs/PROTOCOL.md section 1)."""
    return load_org_keys(path, passphrase)[0]


def load_org_keys(path: str, passphrase: bytes | None = None):
    """Opens a CWSK secret key file: (signing key, box secret key bytes).

    passphrase None: asked for on the terminal when the file has one (and
    refused, saying how to give it, when there is no terminal)."""
    with open(path) as f:
        b64 = [l for l in f.read().splitlines() if l and not l.startswith("#")]
    raw = base64.b64decode(b64[0])
    magic, version, role, kdf = raw[:4], raw[4], raw[5], raw[6]
    if magic != b"CWSK" or version != 1 or role != 2:
        raise Refused("not an organisation key file")
    ops = int.from_bytes(raw[7:15], "big")
    mem = int.from_bytes(raw[15:23], "big")
    salt, nonce, sealed = raw[23:39], raw[39:63], raw[63:]
    if kdf == 0:
        key = bytes(32)  # stored without a passphrase (tests, demos)
    elif kdf == 1:
        if ops > 16 or mem > (1 << 30):
            raise Refused("key file asks for too much work")
        if passphrase is None:
            if not sys.stdin.isatty():
                raise Refused(f"{path} has a passphrase: give --passphrase-file F "
                              "(or CASEWIRE_PASSPHRASE) when there is no terminal")
            import getpass
            passphrase = getpass.getpass(f"passphrase for {path}: ").encode()
        key = nacl.pwhash.argon2id.kdf(32, passphrase, salt, opslimit=ops, memlimit=mem)
    else:
        raise Refused("unknown key derivation")
    try:
        payload = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            sealed, raw[:63], nonce, key)
    except nacl.exceptions.CryptoError:
        raise Refused("wrong passphrase, or the key file is damaged")
    return nacl.signing.SigningKey(payload[:32]), bytes(payload[32:64])


# -- receiving ----------------------------------------------------------------

def verify_webhook(headers, body: bytes, secret: str, now: float = None) -> None:
    """Raises Refused unless `webhook-signature` holds a valid v1 HMAC made
    with `secret` (whsec_...) over id.timestamp.body, within the window."""
    now = time.time() if now is None else now
    msg_id, ts, sigs = (headers.get("webhook-id"), headers.get("webhook-timestamp"),
                        headers.get("webhook-signature"))
    if not msg_id or not ts or not sigs or not ts.isdigit():
        raise Refused("missing webhook headers")
    if abs(now - int(ts)) > TOLERANCE_S:
        raise Refused("timestamp outside the window (replayed or badly delayed)")
    key = base64.b64decode(secret.strip().removeprefix("whsec_"))
    signed = f"{msg_id}.{ts}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    if not any(p.startswith("v1,") and hmac.compare_digest(p[3:], expected)
               for p in sigs.split(" ")):
        raise Refused("no valid v1 signature")


def open_signed(wrapper, domain: bytes, invite: Invite) -> dict:
    """A daemon-signed wrapper's payload (bytes, or the wrapper already parsed),
    once the daemon's signature verified."""
    w = json.loads(wrapper) if isinstance(wrapper, (bytes, str)) else wrapper
    if w.get("key_id") != invite.daemon_key_id.hex():
        raise Refused("signed by another key than the invite's daemon")
    payload = w["payload"]
    try:
        nacl.signing.VerifyKey(invite.daemon_sign).verify(
            domain + b"\x00" + payload.encode(), base64.b64decode(w["signature"]))
    except nacl.exceptions.BadSignatureError:
        raise Refused("the daemon's signature does not verify")
    return json.loads(payload)


SEALED_DOMAIN = b"casewire-sealed-notification-v1\x00"


def open_sealed(sealed: dict, box_secret: bytes) -> dict:
    """{"sealed": "cwnote1 <key id> <base64>"}: the daemon-signed notification
    inside, opened with the organisation's box key (docs/PROTOCOL.md 4b)."""
    parts = sealed.get("sealed", "").split(" ")
    if len(parts) != 3 or parts[0] != "cwnote1":
        raise Refused("not a sealed notification")
    try:
        plain = nacl.public.SealedBox(nacl.public.PrivateKey(box_secret)).decrypt(
            base64.b64decode(parts[2]))
    except nacl.exceptions.CryptoError:
        raise Refused("sealed to another key, or damaged")
    if not plain.startswith(SEALED_DOMAIN):
        raise Refused("not a sealed notification")
    return json.loads(plain[len(SEALED_DOMAIN):])


def open_notification(body, invite: Invite, box_secret: bytes = None) -> dict:
    """A webhook body ({"type", "timestamp", "data"}, Standard Webhooks) or a
    feed item (the signed wrapper, or a sealed one)."""
    msg = json.loads(body) if isinstance(body, (bytes, str)) else body
    if "type" in msg and "data" in msg:
        if msg["type"] not in ("casewire.notification", "casewire.notification.sealed"):
            raise Refused(f"not a notification this program reads: {msg['type']}")
        msg = msg["data"]
    if "sealed" in msg:
        if box_secret is None:
            raise Refused("a sealed notification: give the organisation's key (--key)")
        msg = open_sealed(msg, box_secret)
    n = open_signed(msg, b"casewire-notification-v1", invite)
    if n.get("v") != 1:
        raise Refused("unknown notification version")
    n.pop("pad", None)  # fixed-size padding: nothing in it
    return n


# -- acting -------------------------------------------------------------------

def spki_of(cert_der: bytes) -> bytes:
    """The SubjectPublicKeyInfo inside an X.509 certificate (DER), as bytes."""
    def tlv(buf, i):
        tag, n = buf[i], buf[i + 1]
        i += 2
        if n & 0x80:
            count = n & 0x7F
            n = int.from_bytes(buf[i:i + count], "big")
            i += count
        return tag, i, i + n  # tag, content start, end

    _, start, _ = tlv(cert_der, 0)            # Certificate
    _, i, _ = tlv(cert_der, start)            # tbsCertificate
    fields = []
    while len(fields) < 7:
        tag, s, e = tlv(cert_der, i)
        if not fields and tag == 0xA0:        # [0] version: not one of the seven
            i = e
            continue
        fields.append((i, e))
        i = e
    begin, end = fields[5]                    # serial, sig alg, issuer, validity, subject, SPKI
    return cert_der[begin:end]


def pinned_request(invite: Invite, method: str, target: str, body: bytes, headers: dict):
    """One HTTPS request to the first daemon URL that answers, refusing any
    server whose key is not the invite's pin (no CA is trusted)."""
    last = None
    for url in invite.urls:
        u = urllib.parse.urlsplit(url)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # the pin below is the check
        try:
            with socket.create_connection((u.hostname, u.port or 443), timeout=15) as raw:
                with ctx.wrap_socket(raw, server_hostname=u.hostname) as s:
                    pin = "sha256/" + base64.b64encode(
                        hashlib.sha256(spki_of(s.getpeercert(binary_form=True))).digest()).decode()
                    if not hmac.compare_digest(pin, invite.tls_pin):
                        raise Refused("the daemon's TLS key does not match the invite's pin")
                    head = [f"{method} {target} HTTP/1.1", f"Host: {u.netloc}",
                            f"Content-Length: {len(body)}", "Connection: close"]
                    head += [f"{k}: {v}" for k, v in headers.items()]
                    s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
                    data = b""
                    while chunk := s.recv(65536):
                        data += chunk
            status = int(data.split(b" ", 2)[1])
            head, _, rest = data.partition(b"\r\n\r\n")
            if b"transfer-encoding: chunked" in head.lower():
                out = b""
                while True:
                    size_line, _, rest = rest.partition(b"\r\n")
                    size = int(size_line, 16)
                    if size == 0:
                        break
                    out, rest = out + rest[:size], rest[size + 2:]
                rest = out
            return status, rest
        except OSError as e:
            last = e
    raise Refused(f"no daemon URL answered ({last})")


def sign_request(method: str, target: str, body: bytes, key: nacl.signing.SigningKey,
                 invite: Invite) -> str:
    """The Authorization header of a signed request (docs/PROTOCOL.md section 6)."""
    ts = str(int(time.time()))
    nonce = secrets.token_hex(16)
    body_hash = hashlib.blake2b(body, digest_size=32).hexdigest()
    message = (b"casewire-request-v2\x00" + invite.daemon_key_id +
               f"{method}\n{target}\n{ts}\n{nonce}\n{body_hash}".encode())
    sig = base64.b64encode(key.sign(message).signature).decode()
    kid = key_id(1, bytes(key.verify_key)).hex()
    return f"CW2 key={kid},ts={ts},nonce={nonce},sig={sig}"


def ack(invite: Invite, key: nacl.signing.SigningKey, notification_id: int) -> dict:
    target = f"/v1/notifications/{int(notification_id)}/ack"
    status, body = pinned_request(invite, "POST", target, b"",
                                  {"Authorization": sign_request("POST", target, b"", key, invite)})
    if status != 200:
        err = json.loads(body) if body.startswith(b"{") else {}
        raise Refused(f"the daemon refused: {err.get('error', status)}")
    return open_signed(body, b"casewire-status-v1", invite)


# -- the two programs ---------------------------------------------------------

def receive(args):
    invite = Invite(args.invite)
    host, port = args.listen.rsplit(":", 1)
    box_secret = None
    if args.key:
        box_secret = load_org_keys(args.key, read_passphrase(args))[1]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with open(args.secret_file) as f:  # re-read: the secret can be rotated
                secret = f.read()
            try:
                verify_webhook(self.headers, body, secret)
                notification = open_notification(body, invite, box_secret)
            except (Refused, ValueError, KeyError) as e:
                print(f"refused: {e}", file=sys.stderr, flush=True)
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            print(json.dumps(notification, sort_keys=True), flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass  # request lines would log nothing useful here

    server = ThreadingHTTPServer((host, int(port)), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


def read_passphrase(args) -> bytes | None:
    """The passphrase given, or None: load_org_keys then asks if it needs one."""
    if args.passphrase_file:
        with open(args.passphrase_file, "rb") as f:
            return f.read().rstrip(b"\n")
    if "CASEWIRE_PASSPHRASE" in os.environ:
        return os.environ.pop("CASEWIRE_PASSPHRASE").encode()
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("receive", help="verify and print webhook notifications")
    r.add_argument("--invite", required=True)
    r.add_argument("--secret-file", required=True, help="file holding the whsec_ secret")
    r.add_argument("--listen", default="127.0.0.1:8080")
    r.add_argument("--key", default="", help="the organisation's key file (sealed subscriptions)")
    r.add_argument("--passphrase-file", default="")
    a = sub.add_parser("ack", help="say you are acting on a notification's case")
    a.add_argument("--invite", required=True)
    a.add_argument("--key", required=True, help="the organisation's key file")
    a.add_argument("--passphrase-file", default="")
    a.add_argument("id", type=int)
    args = ap.parse_args()
    try:
        if args.cmd == "receive":
            receive(args)
        else:
            answer = ack(Invite(args.invite), load_org_key(args.key, read_passphrase(args)),
                         args.id)
            print(json.dumps(answer, sort_keys=True))
    except Refused as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
