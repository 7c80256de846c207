#!/usr/bin/env python3
"""Every test THREAT_MODEL.md's claims table names exists in tests/.

A claim whose test was renamed or removed is a claim nothing checks any more.
Names are the backticked `Suite.Test` (or `...Test` after a named suite) in
the claims table; each must be a TEST/TEST_F/TEST_P of that suite and name in
some file under tests/. With --negative-control a made-up name is added and
the check must fail.
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parents[2]
doc = (root / "docs/THREAT_MODEL.md").read_text(encoding="utf-8")
table = doc[doc.index("## Claims, and the attack that tests each"):]
rows = [l for l in table.splitlines() if l.startswith("| ")]

defined = set()
for f in (root / "tests").rglob("*.cc"):
    for m in re.finditer(r"\bTEST(?:_F|_P)?\(\s*(\w+)\s*,\s*(\w+)\s*\)", f.read_text(encoding="utf-8")):
        defined.add((m.group(1), m.group(2)))
suites = {s for s, _ in defined}

named = []
for row in rows:
    test_cell = row.split("|")[3] if row.count("|") >= 5 else row
    suite = None
    for tok in re.findall(r"`([^`]+)`", test_cell):
        tok = tok.split("/")[-1] if tok.startswith(("Both/", "Backends/", "Faults/", "Languages/")) else tok
        m = re.fullmatch(r"(\w+)\.(\w+)(/\*)?", tok)
        if m and m.group(1) in suites:
            suite = m.group(1)
            named.append((suite, m.group(2)))
            continue
        m = re.fullmatch(r"\.\.\.(\w+)", tok)
        if m and suite:
            named.append((suite, m.group(1)))
if "--negative-control" in sys.argv:
    named.append(("Rotation", "AClaimNobodyTests"))
missing = [f"{s}.{t}" for s, t in named if (s, t) not in defined]
if missing:
    print("THREAT_MODEL.md names tests that do not exist:", *missing, sep="\n  ")
    sys.exit(1)
print(f"{len(named)} tests named by the claims, all defined")
