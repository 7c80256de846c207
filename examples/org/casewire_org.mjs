#!/usr/bin/env node
// casewire for organisations: reference code in JavaScript (Node.js 18 or
// later, no dependencies), written from docs/PROTOCOL.md alone, like its
// Python twin (casewire_org.py):
//
//   verifyWebhook(headers, body, secret)  Standard Webhooks v1 HMAC, 5-minute window
//   openNotification(body, invite)        the daemon's Ed25519 signature; the fields
//   loadOrgKey(path)                      the organisation's CWSK key file
//   ack(invite, key, id)                  a signed "we are acting", TLS pinned
//
//   node casewire_org.mjs receive --invite invite.json --secret-file hook.secret [--listen 127.0.0.1:8080]
//   node casewire_org.mjs ack --invite invite.json --key org.key ID
//
// Node's crypto has no Argon2id before v24, so loadOrgKey opens only key
// files stored without a passphrase; for a passphrase-protected key use the
// Python code or `casewire ack`. Acknowledging is a caseworker's decision:
// keep the key with the people who decide, not in an unattended receiver.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import tls from "node:tls";

const TOLERANCE_S = 300;

export class Refused extends Error {}

// -- keys and the invite ------------------------------------------------------

export function keyId(kind, publicKey) {
  return blake2b256(Buffer.concat([Buffer.from("casewire-key-id-v1"), Buffer.from([kind]), publicKey])).subarray(0, 8);
}

// Node offers BLAKE2b only with a 64-byte digest, whose output differs from
// BLAKE2b-256 (the length is a parameter of the hash): a small BLAKE2b here.
const IV = [0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n];
const SIGMA = [[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15],[14,10,4,8,9,15,13,6,1,12,0,2,11,7,5,3],
  [11,8,12,0,5,2,15,13,10,14,3,6,7,1,9,4],[7,9,3,1,13,12,11,14,2,6,5,10,4,0,15,8],
  [9,0,5,7,2,4,10,15,14,1,11,12,6,8,3,13],[2,12,6,10,0,11,8,3,4,13,7,5,15,14,1,9],
  [12,5,1,15,14,13,4,10,0,7,6,3,9,2,8,11],[13,11,7,14,12,1,3,9,5,0,15,4,8,6,2,10],
  [6,15,14,9,11,3,0,8,12,2,13,7,1,4,10,5],[10,2,8,4,7,6,1,5,15,11,9,14,3,12,13,0]];
const M64 = (1n << 64n) - 1n;
const rotr = (x, n) => ((x >> BigInt(n)) | (x << BigInt(64 - n))) & M64;

export function blake2b256(data) {
  const h = IV.slice();
  h[0] ^= 0x01010000n ^ 32n; // digest length 32, no key
  const blocks = Math.max(1, Math.ceil(data.length / 128));
  for (let b = 0; b < blocks; b++) {
    const block = Buffer.alloc(128);
    data.copy(block, 0, b * 128, Math.min(data.length, (b + 1) * 128));
    const m = Array.from({ length: 16 }, (_, i) => block.readBigUInt64LE(i * 8));
    const last = b === blocks - 1;
    const t = BigInt(last ? data.length : (b + 1) * 128);
    const v = [...h, ...IV];
    v[12] ^= t & M64;
    v[13] ^= t >> 64n;
    if (last) v[14] ^= M64;
    const g = (a, bb, c, d, x, y) => {
      v[a] = (v[a] + v[bb] + x) & M64; v[d] = rotr(v[d] ^ v[a], 32);
      v[c] = (v[c] + v[d]) & M64; v[bb] = rotr(v[bb] ^ v[c], 24);
      v[a] = (v[a] + v[bb] + y) & M64; v[d] = rotr(v[d] ^ v[a], 16);
      v[c] = (v[c] + v[d]) & M64; v[bb] = rotr(v[bb] ^ v[c], 63);
    };
    for (let r = 0; r < 12; r++) {
      const s = SIGMA[r % 10];
      g(0, 4, 8, 12, m[s[0]], m[s[1]]); g(1, 5, 9, 13, m[s[2]], m[s[3]]);
      g(2, 6, 10, 14, m[s[4]], m[s[5]]); g(3, 7, 11, 15, m[s[6]], m[s[7]]);
      g(0, 5, 10, 15, m[s[8]], m[s[9]]); g(1, 6, 11, 12, m[s[10]], m[s[11]]);
      g(2, 7, 8, 13, m[s[12]], m[s[13]]); g(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (let i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
  }
  const out = Buffer.alloc(64);
  h.forEach((x, i) => out.writeBigUInt64LE(x, i * 8));
  return out.subarray(0, 32);
}

function parseKeyLine(line, kindName) {
  const p = line.trim().split(/\s+/);
  if (p.length !== 4 || p[0] !== "cwk1" || p[1] !== kindName) throw new Refused(`not a cwk1 ${kindName} key line`);
  const key = Buffer.from(p[3], "base64");
  if (key.length !== 32 || keyId(kindName === "sign" ? 1 : 2, key).toString("hex") !== p[2])
    throw new Refused("key line does not match its key id");
  return key;
}

export function loadInvite(path) {
  const o = JSON.parse(fs.readFileSync(path, "utf8"));
  if (o.casewire_invite !== 1) throw new Refused("not a version 1 casewire invite");
  const daemonSign = parseKeyLine(o.daemon_sign_key, "sign");
  return { urls: o.urls, tlsPin: o.tls_pin, daemonSign, daemonKeyId: keyId(1, daemonSign) };
}

const ED25519_PKCS8 = Buffer.from("302e020100300506032b657004220420", "hex");
const ED25519_SPKI = Buffer.from("302a300506032b6570032100", "hex");
const verifyKey = (raw) => crypto.createPublicKey({ key: Buffer.concat([ED25519_SPKI, raw]), format: "der", type: "spki" });

// HChaCha20 (for XChaCha20-Poly1305, which Node does not offer by name).
function hchacha20(key, nonce16) {
  const s = new Uint32Array(16);
  s.set([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
  for (let i = 0; i < 8; i++) s[4 + i] = key.readUInt32LE(i * 4);
  for (let i = 0; i < 4; i++) s[12 + i] = nonce16.readUInt32LE(i * 4);
  const rotl = (x, n) => (x << n) | (x >>> (32 - n));
  const qr = (a, b, c, d) => {
    s[a] += s[b]; s[d] = rotl(s[d] ^ s[a], 16); s[c] += s[d]; s[b] = rotl(s[b] ^ s[c], 12);
    s[a] += s[b]; s[d] = rotl(s[d] ^ s[a], 8); s[c] += s[d]; s[b] = rotl(s[b] ^ s[c], 7);
  };
  for (let i = 0; i < 10; i++) {
    qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15);
    qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14);
  }
  const out = Buffer.alloc(32);
  [0, 1, 2, 3, 12, 13, 14, 15].forEach((j, i) => out.writeUInt32LE(s[j], i * 4));
  return out;
}

function xchachaOpen(key, nonce24, sealed, aad) {
  const subkey = hchacha20(key, nonce24.subarray(0, 16));
  const nonce = Buffer.concat([Buffer.alloc(4), nonce24.subarray(16)]);
  const d = crypto.createDecipheriv("chacha20-poly1305", subkey, nonce, { authTagLength: 16 });
  d.setAAD(aad, { plaintextLength: sealed.length - 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
}

export function loadOrgKey(path) {
  const line = fs.readFileSync(path, "utf8").split("\n").find((l) => l && !l.startsWith("#"));
  const raw = Buffer.from(line, "base64");
  if (raw.subarray(0, 4).toString() !== "CWSK" || raw[4] !== 1 || raw[5] !== 2)
    throw new Refused("not an organisation key file");
  if (raw[6] !== 0)
    throw new Refused("this key file is passphrase-protected (Argon2id): use casewire_org.py or `casewire ack`");
  let payload;
  try {
    payload = xchachaOpen(Buffer.alloc(32), raw.subarray(39, 63), raw.subarray(63), raw.subarray(0, 63));
  } catch {
    throw new Refused("the key file is damaged");
  }
  const priv = crypto.createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, payload.subarray(0, 32)]), format: "der", type: "pkcs8" });
  const pub = Buffer.from(crypto.createPublicKey(priv).export({ format: "jwk" }).x, "base64url");
  return { priv, id: keyId(1, pub) };
}

// -- receiving ----------------------------------------------------------------

export function verifyWebhook(headers, body, secret, now = Date.now() / 1000) {
  const id = headers["webhook-id"], ts = headers["webhook-timestamp"], sigs = headers["webhook-signature"];
  if (!id || !ts || !sigs || !/^\d+$/.test(ts)) throw new Refused("missing webhook headers");
  if (Math.abs(now - Number(ts)) > TOLERANCE_S) throw new Refused("timestamp outside the window (replayed or badly delayed)");
  const key = Buffer.from(secret.trim().replace(/^whsec_/, ""), "base64");
  const expected = crypto.createHmac("sha256", key).update(Buffer.concat([Buffer.from(`${id}.${ts}.`), body])).digest();
  const ok = sigs.split(" ").some((p) => {
    if (!p.startsWith("v1,")) return false;
    const got = Buffer.from(p.slice(3), "base64");
    return got.length === expected.length && crypto.timingSafeEqual(got, expected);
  });
  if (!ok) throw new Refused("no valid v1 signature");
}

export function openSigned(wrapper, domain, invite) {
  const w = typeof wrapper === "object" && !Buffer.isBuffer(wrapper) ? wrapper : JSON.parse(wrapper);
  if (w.key_id !== invite.daemonKeyId.toString("hex")) throw new Refused("signed by another key than the invite's daemon");
  const message = Buffer.concat([Buffer.from(domain), Buffer.from([0]), Buffer.from(w.payload)]);
  if (!crypto.verify(null, message, verifyKey(invite.daemonSign), Buffer.from(w.signature, "base64")))
    throw new Refused("the daemon's signature does not verify");
  return JSON.parse(w.payload);
}

// A webhook body ({"type", "timestamp", "data"}, Standard Webhooks) or a feed
// item (the signed wrapper). A sealed notification (casewire-keys add-org
// --sealed) needs X25519 + XSalsa20-Poly1305 (libsodium's sealed box), which
// Node's crypto lacks: read those with casewire feed or the Python example.
export function openNotification(body, invite) {
  let msg = typeof body === "object" && !Buffer.isBuffer(body) ? body : JSON.parse(body);
  if ("type" in msg && "data" in msg) {
    if (msg.type === "casewire.notification.sealed")
      throw new Refused("a sealed notification: this program cannot open it (use casewire feed or casewire_org.py --key)");
    if (msg.type !== "casewire.notification") throw new Refused(`not a notification this program reads: ${msg.type}`);
    msg = msg.data;
  }
  const n = openSigned(msg, "casewire-notification-v1", invite);
  if (n.v !== 1) throw new Refused("unknown notification version");
  delete n.pad; // fixed-size padding: nothing in it
  return n;
}

// -- acting -------------------------------------------------------------------

function pinnedRequest(invite, method, target, body, headers) {
  const tryUrl = (i) => new Promise((resolve, reject) => {
    if (i >= invite.urls.length) return reject(new Refused("no daemon URL answered"));
    const u = new URL(invite.urls[i]);
    const host = u.hostname.replace(/^\[|\]$/g, "");
    // No CA is trusted: the invite's pin of the daemon's key is the check.
    const s = tls.connect({ host, port: Number(u.port || 443), rejectUnauthorized: false, minVersion: "TLSv1.3", servername: "" });
    let data = Buffer.alloc(0);
    s.setTimeout(15000, () => s.destroy(new Error("timeout")));
    s.on("secureConnect", () => {
      const spki = new crypto.X509Certificate(s.getPeerCertificate().raw).publicKey.export({ type: "spki", format: "der" });
      const pin = "sha256/" + crypto.createHash("sha256").update(spki).digest("base64");
      if (pin !== invite.tlsPin) {
        s.destroy();
        return reject(new Refused("the daemon's TLS key does not match the invite's pin"));
      }
      const head = [`${method} ${target} HTTP/1.1`, `Host: ${u.host}`, `Content-Length: ${body.length}`, "Connection: close",
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      s.write(Buffer.concat([Buffer.from(head.join("\r\n") + "\r\n\r\n"), body]));
    });
    s.on("data", (c) => { data = Buffer.concat([data, c]); });
    s.on("end", () => {
      const split = data.indexOf("\r\n\r\n");
      const headText = data.subarray(0, split).toString();
      let rest = data.subarray(split + 4);
      if (/transfer-encoding:\s*chunked/i.test(headText)) {
        const parts = [];
        for (;;) {
          const eol = rest.indexOf("\r\n");
          const size = parseInt(rest.subarray(0, eol).toString(), 16);
          if (!size) break;
          parts.push(rest.subarray(eol + 2, eol + 2 + size));
          rest = rest.subarray(eol + 4 + size);
        }
        rest = Buffer.concat(parts);
      }
      resolve({ status: Number(headText.split(" ")[1]), body: rest });
    });
    s.on("error", (e) => (e instanceof Refused ? reject(e) : tryUrl(i + 1).then(resolve, reject)));
  });
  return tryUrl(0);
}

export function signRequest(method, target, body, key, invite) {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = crypto.randomBytes(16).toString("hex");
  const bodyHash = blake2b256(body).toString("hex");
  const message = Buffer.concat([Buffer.from("casewire-request-v2\0"), invite.daemonKeyId,
    Buffer.from(`${method}\n${target}\n${ts}\n${nonce}\n${bodyHash}`)]);
  const sig = crypto.sign(null, message, key.priv).toString("base64");
  return `CW2 key=${key.id.toString("hex")},ts=${ts},nonce=${nonce},sig=${sig}`;
}

export async function ack(invite, key, notificationId) {
  const target = `/v1/notifications/${Number(notificationId)}/ack`;
  const res = await pinnedRequest(invite, "POST", target, Buffer.alloc(0),
    { Authorization: signRequest("POST", target, Buffer.alloc(0), key, invite) });
  if (res.status !== 200) {
    let code = res.status;
    try { code = JSON.parse(res.body).error; } catch { /* not JSON */ }
    throw new Refused(`the daemon refused: ${code}`);
  }
  return openSigned(res.body, "casewire-status-v1", invite);
}

// -- the two programs ---------------------------------------------------------

function option(args, name, fallback) {
  const i = args.indexOf(name);
  if (i >= 0 && i + 1 < args.length) return args.splice(i, 2)[1];
  if (fallback === undefined) throw new Refused(`${name} is required`);
  return fallback;
}

async function main(argv) {
  const args = argv.slice();
  const cmd = args.shift();
  if (cmd === "receive") {
    const invite = loadInvite(option(args, "--invite"));
    const secretFile = option(args, "--secret-file");
    const [host, port] = option(args, "--listen", "127.0.0.1:8080").split(/:(?=\d+$)/);
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        try {
          verifyWebhook(req.headers, body, fs.readFileSync(secretFile, "utf8")); // re-read: rotation
          const n = openNotification(body, invite);
          const sorted = Object.fromEntries(Object.entries(n).sort(([a], [b]) => (a < b ? -1 : 1)));
          process.stdout.write(JSON.stringify(sorted) + "\n");
          res.writeHead(204).end();
        } catch (e) {
          process.stderr.write(`refused: ${e.message}\n`);
          res.writeHead(401, { "Content-Length": 0 }).end();
        }
      });
    });
    server.listen(Number(port), host, () => console.log(`listening on ${server.address().port}`));
    return;
  }
  if (cmd === "ack") {
    const invite = loadInvite(option(args, "--invite"));
    const key = loadOrgKey(option(args, "--key"));
    if (args.length !== 1) throw new Refused("usage: ack --invite F --key F ID");
    console.log(JSON.stringify(await ack(invite, key, args[0])));
    return;
  }
  throw new Refused("usage: casewire_org.mjs receive|ack ...");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(1);
  });
}
