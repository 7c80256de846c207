#!/usr/bin/env python3
"""The security mutants (issue 34): each is one check disabled or weakened,
by an exact text replacement in one file, with the claim of
docs/THREAT_MODEL.md it protects and the tests expected to catch it.

  tests/mutation/mutants.py --check         every `find` occurs exactly once
  tests/mutation/mutants.py --list          names, files, claims
  tests/mutation/mutants.py --apply NAME    apply one (in a scratch tree!)
  tests/mutation/mutants.py --tests NAME    the ctest -R regex to run for it

run.sh drives these in a scratch worktree; see docs/VERIFICATION.md.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# name, file, find (exact, must occur once), replace, claim, tests (ctest -R)
M = [
    # --- the envelope --------------------------------------------------------
    ("envelope-signature", "protocol/envelope.cc",
     "if (!verify_signature(*sender_pk, msg, sig))", "if (false && !verify_signature(*sender_pk, msg, sig))",
     "envelope: only an enrolled contact's signature is accepted", "Envelope|Adversary|Hostile"),
    ("envelope-padding", "protocol/envelope.cc",
     "if (sodium_pad(&padded, p.data(), unpadded, kBucket, p.size()) != 0 || padded != kBucket)",
     "if (sodium_pad(&padded, p.data(), unpadded, kBucket, p.size()) != 0)",
     "padding: every envelope is the same size", "Envelope|Vectors|Independent"),
    # --- trust, ownership, scope ------------------------------------------------
    ("request-revoked-org", "daemon/api/request_auth.cc",
     '    if (o->revoked) return make_error(Errc::forbidden, "this organisation\'s key has been revoked");\n', "",
     "trust: a revoked organisation is refused everywhere", "RequestAuth|Adversary"),
    ("request-revoked-contact", "daemon/api/request_auth.cc",
     '    if (c->revoked) return make_error(Errc::forbidden, "this contact\'s key has been revoked");\n', "",
     "trust: a revoked contact is refused", "RequestAuth|Adversary"),
    ("request-started-at", "daemon/api/request_auth.cc",
     "  if (auth->ts < started_at_)", "  if (false && auth->ts < started_at_)",
     "replay: a request from before a restart is refused", "RequestAuth|Adversary"),
    ("request-nonce-replay", "daemon/api/request_auth.cc",
     "    case NonceCache::Verdict::replayed:\n      return make_error(Errc::replayed_request, \"this signed request was already used\");",
     "    case NonceCache::Verdict::replayed:\n      break;",
     "replay: a signed request is used once", "RequestAuth|Adversary|NonceCache"),
    ("request-window", "protocol/signed_request.cc",
     "  if (a.ts > now + kRequestSkew || a.ts < now - kRequestSkew)", "  if (a.ts > now + kRequestSkew)",
     "time windows: a request too old is refused", "SignedRequest|RequestAuth|Adversary"),
    ("request-signature", "protocol/signed_request.cc",
     "  if (!verify_signature(key, request_bytes(daemon, method, target, a.ts, a.nonce, body), a.sig))",
     "  if (false && !verify_signature(key, request_bytes(daemon, method, target, a.ts, a.nonce, body), a.sig))",
     "trust: requests are signed by the key they name", "SignedRequest|RequestAuth|Adversary"),
    ("case-ownership", "daemon/ledger/alerts.cc",
     "if (!*stored || !owns_case((*stored)->owner, a.event.owner_tags)) return unknown;",
     "if (!*stored) return unknown;",
     "ownership: only the reporter follows a case up", "StoreConformance|Ledger|Adversary|Ingest"),
    ("retraction-final", "daemon/ledger/alerts.cc",
     "    if ((*stored)->state == CaseState::retracted)", "    if (false && (*stored)->state == CaseState::retracted)",
     "a retraction is final", "StoreConformance|Ledger|Adversary"),
    ("region-scope", "daemon/ingest/ingest.cc",
     "  if (c.regions.empty()) return true;", "  return true;",
     "trust: a contact reports only inside its region scope", "Ingest|Adversary"),
    ("rate-limit", "daemon/ingest/ingest.cc",
     "  if (!allowed)\n    return reject(Errc::rate_limited,", "  if (false && !allowed)\n    return reject(Errc::rate_limited,",
     "rate limits: a contact's budget per hour", "Ingest|Adversary|RateLimit"),
    ("status-owner", "daemon/api/api.cc",
     "  if (!*st || !owns_case((*st)->owner_tag, mine))", "  if (!*st)",
     "status answers only to the case's reporter", "Adversary|Status"),
    # --- time windows ---------------------------------------------------------
    ("arrest-in-future", "protocol/alert.cc",
     "  if (a.arrested_at && *a.arrested_at > now + kFutureSkew)", "  if (false && a.arrested_at && *a.arrested_at > now + kFutureSkew)",
     "schema: times in the future are refused", "Alert|Schema"),
    ("receipt-promise-bound", "protocol/receipt.cc",
     "                    r.promise->include_by > r.received_at + kLogMaxPromiseSeconds))",
     "                    false))",
     "a receipt's promise is bounded", "Receipt|LogPromise|CaseLog|CApi"),
    # --- anonymiser -----------------------------------------------------------
    ("anon-held-place", "daemon/anon/anonymiser.cc",
     "e->kind == PlaceKind::facility ? std::string(e->code) : std::string(e->region);",
     "std::string(e->code);",
     "anonymiser: a held place is a facility or its region", "Anonymiser|Privacy|Seizure"),
    ("anon-arrest-region", "daemon/anon/anonymiser.cc",
     "[](const Alert& a, CaseFacts& f) { f.region = region_of(a.arrest_place); }",
     "[](const Alert& a, CaseFacts& f) { f.region = a.arrest_place ? a.arrest_place->code : std::string(); }",
     "anonymiser: the arrest place is a region only", "Anonymiser|Privacy"),
    ("anon-hour", "daemon/ledger/coarse_time.h",
     "  return t - (((t % kHourSeconds) + kHourSeconds) % kHourSeconds);", "  return t;",
     "times no finer than the hour", "Anonymiser|Seizure|Ledger|CoarseTime|Privacy"),
    # --- routing and clearance ------------------------------------------------
    ("route-private-new", "daemon/routing/routing.cc",
     '    if (facts.consent == "private" && !o.sub.cleared_private) continue;', "",
     "routing: a private case reaches only cleared organisations", "Routing|Delivery|Adversary"),
    ("route-private-ack", "daemon/routing/case_audience.cc",
     "(!private_case || o.cleared_private)", "(private_case || !private_case)",
     "routing: a private case's acknowledgement reaches only cleared organisations", "Ledger|StoreConformance"),
    ("route-on-case-only", "daemon/routing/case_audience.cc",
     "  std::erase_if(routed, [&](const Recipient& r) { return !on_case.count(r.org); });\n", "",
     "routing: follow-ups reach only organisations on the case", "StoreConformance|Delivery|Ledger"),
    ("disclosure-clearance", "daemon/records/case_records.cc",
     "  if (!o->sub.cleared_private)", "  if (false && !o->sub.cleared_private)",
     "disclosure: only a cleared organisation on the case", "SealedDetails|Disclosure"),
    # --- statistics -----------------------------------------------------------
    ("stats-floor", "stats/report.cc",
     "  if (options.k < kMinK)", "  if (false && options.k < kMinK)",
     "statistics: no count below the floor", "Report|Stats"),
    # --- Merkle proofs and verify-log -------------------------------------------
    ("merkle-inclusion-root", "protocol/merkle.cc",
     "  return sn == 0 && sodium_memcmp(r.data(), expected_root.data(), r.size()) == 0;",
     "  return sn == 0;",
     "case log: an inclusion proof must reach the signed root", "Merkle|CaseLog"),
    ("merkle-consistency-first", "protocol/merkle.cc",
     "  return sn == 0 && sodium_memcmp(fr.data(), first_root.data(), 32) == 0 &&",
     "  return sn == 0 &&",
     "case log: consistency with the head a client holds", "Merkle|CaseLog"),
    ("tree-head-signature", "protocol/case_log.cc",
     "  if (!verify_signature(daemon_sign_pk, tree_head_signed_bytes(h), h.signature))",
     "  if (false && !verify_signature(daemon_sign_pk, tree_head_signed_bytes(h), h.signature))",
     "verify-log: heads are the daemon's", "CaseLog|Merkle"),
    ("receipt-signature", "protocol/receipt.cc",
     "  if (!verify_signature(daemon_sign_pk, receipt_signed_bytes(r), r.signature))",
     "  if (false && !verify_signature(daemon_sign_pk, receipt_signed_bytes(r), r.signature))",
     "receipts are the daemon's", "Receipt|FieldClient|CApi|LibCasewire"),
    # --- dashboard, SSRF ----------------------------------------------------------
    ("dashboard-token", "client/dashboard/access.cc",
     "         sodium_memcmp(candidate.data(), token_.data(), token_.size()) == 0;",
     "         true;",
     "dashboard: only its token opens it", "Dashboard"),
    ("webhook-ssrf", "daemon/delivery/dispatcher.cc",
     "      if (allow_private || !is_internal_address(r.endpoint().address()))",
     "      if (true)",
     "SSRF: webhooks never reach internal addresses", "Delivery|Webhook|Ssrf"),
    # --- durability ---------------------------------------------------------------
    ("file-fsync", "protocol/file_io.cc",
     "  if (st.ok() && ::fsync(fd) != 0) st = io_err(\"fsync\", tmp, errno);",
     "",
     "durability: files are fsync'd before they are renamed", "FileIo|Rotation|Durability"),
    ("secure-delete", "daemon/store/sqlite/statement.cc",
     '"PRAGMA secure_delete=ON"', '"PRAGMA secure_delete=OFF"',
     "retention: deleted rows are zeroed", "SealedDetails|Retention|Seizure"),
    ("wal-truncate", "daemon/store/sqlite/retention.cc",
     "if (truncate_wal()) {", "if (true) {",
     "retention: no copy of a destroyed key stays in the WAL", "Retention|SealedDetails"),
    # --- wiping, key files ----------------------------------------------------------
    ("wipe-case-ref", "protocol/alert.cc",
     "  if (a.case_ref) wipe(a.case_ref->data(), a.case_ref->size());\n", "",
     "wiping: restricted fields never stay in freed memory", "Plaintext|Alert"),
    ("wipe-refused", "protocol/alert.cc",
     "    wipe_alert(*a);  // refused: its words go no further, not even to the allocator\n", "",
     "wiping: a refused alert is wiped", "Plaintext"),
    ("keyfile-opslimit", "protocol/key_file.cc",
     "    if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > kMaxOps || mem < crypto_pwhash_MEMLIMIT_MIN ||",
     "    if (ops < crypto_pwhash_OPSLIMIT_MIN || mem < crypto_pwhash_MEMLIMIT_MIN ||",
     "key files: absurd KDF parameters are refused before the passphrase", "SecretKeyFile|KeyFile"),
    # --- rotation, invite updates, backups, sealed details ------------------------------
    ("invite-chain-order", "protocol/invite_update.cc",
     "    if (invite_update_sequence(link) != next)", "    if (false && invite_update_sequence(link) != next)",
     "rotation: the invite-update chain has no gap", "InviteUpdate|Rotation"),
    ("disclosure-signature", "protocol/disclosure.cc",
     "      !verify_signature(daemon, message.view(), *sig))", "      false)",
     "disclosure: only the daemon's sealed hand-over opens", "Disclosure|SealedDetails"),
    ("backup-integrity", "keys/backup.cc",
     '    return bad("the database in the backup fails its integrity check");', '    (void)0;',
     "backup and restore: a damaged backup is refused", "Backup"),
    ("sealed-details-key", "daemon/ledger/case_keys.cc",
     "    if (auto st = keys.unwrap_case_key(**wrapped, case_tag, key); !st.ok())",
     "    if (auto st = keys.unwrap_case_key(**wrapped, case_tag, key); false && !st.ok())",
     "sealed details: a case key that does not unwrap is never sealed under", "StoreConformance|SealedDetails|Ledger"),
    ("ack-admission", "daemon/ledger/ledger.cc",
     '  if (!(*n)->sent_to_org)\n    return make_error(Errc::forbidden, "this notification was not sent to you");\n',
     "",
     "routing: an organisation acts only on what it was sent", "Ledger|StoreConformance|Adversary"),
    ("names-limit", "protocol/alert.cc",
     "  if (a.names.size() > kMaxNames)", "  if (false && a.names.size() > kMaxNames)",
     "schema: bounded input", "Alert|Schema|Hostile"),
]


def find(name):
    for m in M:
        if m[0] == name:
            return m
    sys.exit(f"no mutant named {name}")


def check():
    bad = 0
    for name, f, old, new, claim, tests in M:
        n = (ROOT / f).read_text().count(old)
        if n != 1:
            print(f"{name}: `find` occurs {n} times in {f}")
            bad += 1
    names = [m[0] for m in M]
    if len(set(names)) != len(names):
        print("duplicate names")
        bad += 1
    print(f"{len(M)} mutants, {bad} problem(s)")
    return 1 if bad else 0


def main(argv):
    if argv[:1] == ["--check"]:
        return check()
    if argv[:1] == ["--list"]:
        for name, f, _, _, claim, tests in M:
            print(f"{name}\t{f}\t{claim}\t{tests}")
        return 0
    if argv[:1] == ["--apply"] and len(argv) == 2:
        name, f, old, new, _, _ = find(argv[1])
        p = ROOT / f
        text = p.read_text()
        if text.count(old) != 1:
            sys.exit(f"{name}: the text to mutate is not in {f} exactly once")
        p.write_text(text.replace(old, new, 1))
        print(f)
        return 0
    if argv[:1] == ["--tests"] and len(argv) == 2:
        print(find(argv[1])[5])
        return 0
    print(__doc__)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
