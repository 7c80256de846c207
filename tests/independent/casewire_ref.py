#!/usr/bin/env python3
"""An independent implementation of casewire's wire formats, from docs/PROTOCOL.md.

Written from the document, not from the C++ code, with Debian's python3-nacl
(libsodium through PyNaCl) and the standard library, so that the C++ client
and daemon are checked against a second reading of the specification: if this
file and the C++ disagree, the document is ambiguous or one of them is wrong.

    casewire_ref.py vectors FILE
        Rebuild tests/vectors/envelope_v1.json from its inputs, byte for byte:
        key ids, the sealed envelope (with the vector's ephemeral key), its
        hash, the receipt's signed bytes and signature.
    casewire_ref.py keygen PREFIX
        A new contact signing key: PREFIX.seed (hex) and PREFIX.pub (cwk1 line).
    casewire_ref.py send --invite F --seed F --alert F [--created-at T]
        Seal the alert JSON file to the invite's daemon, POST it over TLS 1.3
        to the invite's first URL (checking the certificate pin), verify the
        receipt, send the same envelope again and require the byte-identical
        receipt with 200. Prints {"first":status,"repeat":status,"receipt":...}.
    casewire_ref.py open --daemon-key F --sender-pub F ENVELOPE
        Open an envelope the C++ client sealed: decrypt the daemon's key file
        (kdf 0 only: test keys), open the sealed box, check padding, inner
        header and signature. Prints {"alert_id":...,"created_at":...,"alert":...}.

Exit status 0 on success; 1 with a message on stderr on any mismatch.
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import ssl
import struct
import sys
import time
from urllib.parse import urlsplit

import nacl.bindings as sodium
import nacl.exceptions
import nacl.signing

# ---- PROTOCOL.md section 1: keys --------------------------------------------

KIND_SIGN, KIND_BOX = 1, 2


def key_id(kind, public_key):
    """First 8 bytes of BLAKE2b-256("casewire-key-id-v1" || kind || public key)."""
    h = hashlib.blake2b(b"casewire-key-id-v1" + bytes([kind]) + public_key, digest_size=32)
    return h.digest()[:8]


def parse_key_line(line, want):
    """`cwk1 <sign|box> <key id hex> <base64 key>`; the id must match the key."""
    parts = line.split()
    if len(parts) != 4 or parts[0] != "cwk1" or parts[1] != want:
        raise ValueError(f"not a cwk1 {want} line")
    key = base64.b64decode(parts[3])
    kind = KIND_SIGN if want == "sign" else KIND_BOX
    if len(key) != 32 or key_id(kind, key).hex() != parts[2]:
        raise ValueError("key id does not match the key")
    return key


def key_line(kind_name, public_key):
    kind = KIND_SIGN if kind_name == "sign" else KIND_BOX
    return f"cwk1 {kind_name} {key_id(kind, public_key).hex()} {base64.b64encode(public_key).decode()}"


def open_secret_key_file(text):
    """The CWSK file, kdf 0 only (an all-zero AEAD key). Returns the payload."""
    lines = [l for l in text.splitlines() if l and not l.startswith("#")]
    raw = base64.b64decode(lines[0])
    header_len = 4 + 1 + 1 + 1 + 8 + 8 + 16 + 24
    magic, version, role, kdf = raw[:4], raw[4], raw[5], raw[6]
    if magic != b"CWSK" or version != 1:
        raise ValueError("not a version 1 casewire key file")
    if kdf != 0:
        raise ValueError("only unencrypted (kdf 0) test keys are supported here")
    nonce = raw[header_len - 24:header_len]
    payload = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
        raw[header_len:], raw[:header_len], nonce, bytes(32))
    return role, payload


# ---- section 2: the canonical alert -------------------------------------------

ORDER = ["kind", "case_ref", "status", "people", "arrest_place", "held_place", "arrested_at",
         "expected_transfer", "urgency", "consent", "names", "contact_details", "notes"]
PEOPLE_ORDER = ["count", "children", "elderly", "sick"]
PLACE_ORDER = ["code", "detail"]


def canonical_alert(alert):
    """Compact JSON, keys in the table's order, empty free text omitted."""
    out = {}
    for k in ORDER:
        if k not in alert:
            continue
        v = alert[k]
        if k == "people":
            v = {p: v.get(p, 0) for p in PEOPLE_ORDER}
        elif k in ("arrest_place", "held_place"):
            v = {p: v[p] for p in PLACE_ORDER if v.get(p)}
        elif k in ("names", "contact_details", "notes") and not v:
            continue
        out[k] = v
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ---- section 3: envelope v1 ----------------------------------------------------

MAGIC, VERSION, BUCKET = b"CWEN", 1, 8192
DOMAIN_ALERT = b"casewire-alert-v1\x00"
WIRE_SIZE = 4 + 1 + 8 + 48 + BUCKET


def inner_message(box_pk, sender_id, alert_id, created_at, alert_bytes):
    return (DOMAIN_ALERT + bytes([VERSION]) + key_id(KIND_BOX, box_pk) + box_pk + sender_id +
            alert_id + struct.pack(">Q", created_at) + struct.pack(">H", 1) +
            struct.pack(">I", len(alert_bytes)) + alert_bytes)


def pad(data, size):
    """ISO/IEC 7816-4: 0x80, then zeros, to exactly `size` bytes."""
    if len(data) + 1 > size:
        raise ValueError("too large for the bucket")
    return data + b"\x80" + bytes(size - len(data) - 1)


def unpad(data):
    i = len(data) - 1
    while i >= 0 and data[i] == 0:
        i -= 1
    if i < 0 or data[i] != 0x80:
        raise ValueError("bad padding")
    return data[:i]


def seal(box_pk, plaintext, ephemeral_sk=None):
    """crypto_box_seal; with `ephemeral_sk` given, its deterministic equivalent
    (epk || crypto_box(m, blake2b-192(epk || pk), pk, esk)), for the vectors."""
    if ephemeral_sk is None:
        return sodium.crypto_box_seal(plaintext, box_pk)
    epk = sodium.crypto_scalarmult_base(ephemeral_sk)
    nonce = hashlib.blake2b(epk + box_pk, digest_size=24).digest()
    return epk + sodium.crypto_box(plaintext, nonce, box_pk, ephemeral_sk)


def seal_envelope(signing_key, box_pk, alert_id, created_at, alert_bytes, ephemeral_sk=None):
    sender_id = key_id(KIND_SIGN, bytes(signing_key.verify_key))
    m = inner_message(box_pk, sender_id, alert_id, created_at, alert_bytes)
    sig = signing_key.sign(m).signature
    sealed = seal(box_pk, pad(m + sig, BUCKET), ephemeral_sk)
    wire = MAGIC + bytes([VERSION]) + key_id(KIND_BOX, box_pk) + sealed
    assert len(wire) == WIRE_SIZE
    return wire


def open_envelope(wire, box_pk, box_sk, sender_pk):
    if len(wire) != WIRE_SIZE or wire[:4] != MAGIC or wire[4] != VERSION:
        raise ValueError("not a version 1 envelope of the right size")
    if wire[5:13] != key_id(KIND_BOX, box_pk):
        raise ValueError("addressed to another daemon")
    m_sig = unpad(sodium.crypto_box_seal_open(wire[13:], box_pk, box_sk))
    m, sig = m_sig[:-64], m_sig[-64:]
    if m[:18] != DOMAIN_ALERT or m[18] != VERSION:
        raise ValueError("bad domain or version")
    if m[19:27] != wire[5:13] or m[27:59] != box_pk:
        raise ValueError("inner header differs from the outer one")
    if m[59:67] != key_id(KIND_SIGN, sender_pk):
        raise ValueError("sent by another key")
    nacl.signing.VerifyKey(sender_pk).verify(m, sig)
    (created_at,) = struct.unpack(">Q", m[83:91])
    (schema,) = struct.unpack(">H", m[91:93])
    (length,) = struct.unpack(">I", m[93:97])
    if schema != 1 or 97 + length != len(m):
        raise ValueError("bad schema version or alert length")
    return m[67:83], created_at, m[97:]


# ---- section 4: receipts -------------------------------------------------------

DOMAIN_RECEIPT = b"casewire-receipt-v1\x00"
DOMAIN_RECEIPT_V2 = b"casewire-receipt-v2\x00"
DOMAIN_RECEIPT_V3 = b"casewire-receipt-v3\x00"
DOMAIN_TREE_HEAD = b"casewire-tree-head-v1\x00"


def receipt_signed_bytes(alert_id, envelope_hash, received_at, sequence, log_index=None,
                         log_leaf=None, include_by=None):
    if include_by is not None:
        # v3: the leaf and the time it will be in the log by; no place yet.
        return (DOMAIN_RECEIPT_V3 + alert_id + envelope_hash
                + struct.pack(">QQ", received_at, sequence) + log_leaf
                + struct.pack(">Q", include_by))
    if log_index is None:
        return DOMAIN_RECEIPT + alert_id + envelope_hash + struct.pack(">QQ", received_at, sequence)
    return (DOMAIN_RECEIPT_V2 + alert_id + envelope_hash + struct.pack(">QQ", received_at, sequence)
            + struct.pack(">Q", log_index) + log_leaf)


# ---- section 5b: the case log (RFC 9162 section 2.1.3.2) -----------------------


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf, index, size, path, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_tree_head(head, daemon_sign_pk):
    if head["daemon_key_id"] != key_id(KIND_SIGN, daemon_sign_pk).hex():
        raise ValueError("tree head from another daemon key")
    signed = (DOMAIN_TREE_HEAD + bytes.fromhex(head["daemon_key_id"])
              + struct.pack(">Q", head["size"]) + bytes.fromhex(head["root"])
              + struct.pack(">Q", head["timestamp"]))
    nacl.signing.VerifyKey(daemon_sign_pk).verify(signed, base64.b64decode(head["signature"]))


def verify_receipt(receipt, daemon_sign_pk, alert_id, wire):
    if bytes.fromhex(receipt["alert_id"]) != alert_id:
        raise ValueError("receipt for another alert")
    if bytes.fromhex(receipt["envelope_hash"]) != hashlib.blake2b(wire, digest_size=32).digest():
        raise ValueError("receipt for another envelope")
    if receipt["daemon_key_id"] != key_id(KIND_SIGN, daemon_sign_pk).hex():
        raise ValueError("receipt from another daemon key")
    leaf = bytes.fromhex(receipt["log_leaf"]) if "log_leaf" in receipt else None
    signed = receipt_signed_bytes(alert_id, bytes.fromhex(receipt["envelope_hash"]),
                                  receipt["received_at"], receipt["sequence"],
                                  receipt.get("log_index"), leaf, receipt.get("log_include_by"))
    nacl.signing.VerifyKey(daemon_sign_pk).verify(signed, base64.b64decode(receipt["signature"]))
    # PROTOCOL section 4: a promise is at most two windows (7200 s) after the
    # receipt's time, and after it, whatever the signature says.
    if "log_include_by" in receipt and not (
            receipt["received_at"] < receipt["log_include_by"] <= receipt["received_at"] + 7200):
        raise ValueError("the receipt promises its log entry outside the protocol's window")
    if leaf is not None and "log_index" in receipt:
        head = receipt["log"]["tree_head"]
        verify_tree_head(head, daemon_sign_pk)
        path = [bytes.fromhex(h) for h in receipt["log"]["inclusion"]]
        if not verify_inclusion(leaf, receipt["log_index"], head["size"], path,
                                bytes.fromhex(head["root"])):
            raise ValueError("the receipt's leaf is not in the tree head it came with")


# ---- section 5: invites and the TLS pin ----------------------------------------


def spki_of(cert_der):
    """The SubjectPublicKeyInfo of an X.509 certificate, as DER."""

    def tlv(data, start):
        tag, length, i = data[start], data[start + 1], start + 2
        if length & 0x80:
            n = length & 0x7F
            length, i = int.from_bytes(data[i:i + n], "big"), i + n
        return tag, data[start:i + length], data[i:i + length], i + length

    _, _, cert, _ = tlv(cert_der, 0)
    _, _, tbs, _ = tlv(cert, 0)
    fields, pos = [], 0
    while pos < len(tbs):
        tag, whole, _, pos = tlv(tbs, pos)
        fields.append((tag, whole))
    if fields[0][0] == 0xA0:  # explicit version
        fields = fields[1:]
    # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
    return fields[5][1]


def post(url, pin, body):
    parts = urlsplit(url)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the pin below replaces CA verification
    conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443, context=ctx, timeout=20)
    conn.connect()
    cert = conn.sock.getpeercert(binary_form=True)
    got = "sha256/" + base64.b64encode(hashlib.sha256(spki_of(cert)).digest()).decode()
    if got != pin:
        raise ValueError("the daemon's certificate does not match the invite's pin")
    conn.request("POST", "/v1/alerts", body=body, headers={"Content-Type": "application/octet-stream"})
    res = conn.getresponse()
    data = res.read()
    conn.close()
    return res.status, data


# ---- commands ------------------------------------------------------------------


def cmd_vectors(args):
    v = json.load(open(args.file))
    contact = nacl.signing.SigningKey(bytes.fromhex(v["contact_seed"]))
    box_sk = bytes.fromhex(v["daemon_box_secret"])
    box_pk = sodium.crypto_scalarmult_base(box_sk)
    daemon = nacl.signing.SigningKey(bytes.fromhex(v["daemon_sign_seed"]))
    checks = {
        "contact_key_id": key_id(KIND_SIGN, bytes(contact.verify_key)).hex() == v["contact_key_id"],
        "daemon_box_key_id": key_id(KIND_BOX, box_pk).hex() == v["daemon_box_key_id"],
    }
    alert = json.loads(v["alert"])
    checks["canonical_alert"] = canonical_alert(alert) == v["alert"].encode()
    wire = seal_envelope(contact, box_pk, bytes.fromhex(v["alert_id"]), v["created_at"],
                         v["alert"].encode(), bytes.fromhex(v["ephemeral_secret"]))
    checks["wire"] = wire.hex() == v["wire"]
    checks["envelope_hash"] = hashlib.blake2b(wire, digest_size=32).hexdigest() == v["envelope_hash"]
    signed = receipt_signed_bytes(bytes.fromhex(v["alert_id"]), bytes.fromhex(v["envelope_hash"]),
                                  v["receipt_received_at"], v["receipt_sequence"])
    checks["receipt_signed_bytes"] = signed.hex() == v["receipt_signed_bytes"]
    checks["receipt_signature"] = daemon.sign(signed).signature.hex() == v["receipt_signature"]
    receipt = json.loads(v["receipt_json"])
    verify_receipt(receipt, bytes(daemon.verify_key), bytes.fromhex(v["alert_id"]), wire)
    checks["receipt_json_verifies"] = True
    opened = open_envelope(wire, box_pk, box_sk, bytes(contact.verify_key))
    checks["opens"] = opened[2] == v["alert"].encode()
    print(json.dumps(checks))
    return 0 if all(checks.values()) else 1


def cmd_keygen(args):
    seed = os.urandom(32)
    key = nacl.signing.SigningKey(seed)
    with open(args.prefix + ".seed", "w") as f:
        f.write(seed.hex() + "\n")
    os.chmod(args.prefix + ".seed", 0o600)
    with open(args.prefix + ".pub", "w") as f:
        f.write("# a contact key made by tests/independent/casewire_ref.py\n")
        f.write(key_line("sign", bytes(key.verify_key)) + "\n")
    print(key_id(KIND_SIGN, bytes(key.verify_key)).hex())
    return 0


def cmd_send(args):
    invite = json.load(open(args.invite))
    box_pk = parse_key_line(invite["daemon_box_key"], "box")
    sign_pk = parse_key_line(invite["daemon_sign_key"], "sign")
    key = nacl.signing.SigningKey(bytes.fromhex(open(args.seed).read().strip()))
    alert_bytes = canonical_alert(json.load(open(args.alert, encoding="utf-8")))
    alert_id = os.urandom(16)
    created_at = args.created_at or int(time.time())
    wire = seal_envelope(key, box_pk, alert_id, created_at, alert_bytes)
    first_status, first = post(invite["urls"][0], invite["tls_pin"], wire)
    if first_status != 201:
        print(json.dumps({"first": first_status, "answer": first.decode(errors="replace")}))
        return 1
    receipt = json.loads(first)
    verify_receipt(receipt, sign_pk, alert_id, wire)
    if "log_leaf" not in receipt:
        raise ValueError("a new alert's receipt names no place in the log")
    repeat_status, repeat = post(invite["urls"][0], invite["tls_pin"], wire)
    # The receipt is byte for byte the first; the log evidence beside it is
    # the newest head (the log may have grown in between).
    def without_log(answer):
        return {k: v for k, v in json.loads(answer).items() if k != "log"}

    if repeat_status != 200 or without_log(repeat) != without_log(first):
        raise ValueError("a repeat did not get the byte-identical receipt with 200")
    verify_receipt(json.loads(repeat), sign_pk, alert_id, wire)
    print(json.dumps({"first": first_status, "repeat": repeat_status, "alert_id": alert_id.hex(),
                      "receipt": receipt}))
    return 0


def cmd_open(args):
    role, payload = open_secret_key_file(open(args.daemon_key).read())
    if role != 3 or len(payload) != 96:
        raise ValueError("not a daemon key file")
    box_sk = payload[32:64]
    box_pk = sodium.crypto_scalarmult_base(box_sk)
    sender_pk = None
    for line in open(args.sender_pub):
        if line.startswith("cwk1 sign "):
            sender_pk = parse_key_line(line.strip(), "sign")
    if sender_pk is None:
        raise ValueError("no sign line in the sender's public key file")
    alert_id, created_at, alert = open_envelope(open(args.envelope, "rb").read(), box_pk, box_sk,
                                                sender_pk)
    print(json.dumps({"alert_id": alert_id.hex(), "created_at": created_at,
                      "alert": alert.decode("utf-8")}, ensure_ascii=False))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("vectors")
    p.add_argument("file")
    p = sub.add_parser("keygen")
    p.add_argument("prefix")
    p = sub.add_parser("send")
    p.add_argument("--invite", required=True)
    p.add_argument("--seed", required=True)
    p.add_argument("--alert", required=True)
    p.add_argument("--created-at", type=int, default=0)
    p = sub.add_parser("open")
    p.add_argument("--daemon-key", required=True)
    p.add_argument("--sender-pub", required=True)
    p.add_argument("envelope")
    args = ap.parse_args()
    try:
        return {"vectors": cmd_vectors, "keygen": cmd_keygen, "send": cmd_send,
                "open": cmd_open}[args.cmd](args)
    except (ValueError, KeyError, OSError, nacl.exceptions.CryptoError) as e:
        print(f"casewire_ref: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
