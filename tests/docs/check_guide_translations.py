#!/usr/bin/env python3
"""The field guide's translations carry the same commands as the English one.

A contact follows the guide in their language under stress; a command that
was changed in docs/FIELD_GUIDE.md but not in FIELD_GUIDE.ko.md or
FIELD_GUIDE.zh.md would send them down an old path. Every command line of a
code block (comments and --lang dropped) must appear in all three guides.

Usage: check_guide_translations.py [--root SOURCE_DIR] [--negative-control]
(the negative control forgets one command of the Korean guide: must fail)
"""
import argparse
import pathlib
import re
import sys


def commands(path):
    found = set()
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        text = raw.strip()
        while raw.startswith("    ") and text.endswith("\\") and i + 1 < len(lines):
            i += 1
            text = text[:-1] + " " + lines[i].strip()
        i += 1
        if not raw.startswith("    ") or not text.startswith("casewire"):
            continue
        text = re.sub(r"\s+#(\s.*)?$", "", text)
        text = re.sub(r"\s--lang[ =](en|ko|zh)\b", "", text)
        found.add(" ".join(text.split()))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parents[2]))
    ap.add_argument("--negative-control", action="store_true")
    args = ap.parse_args()
    docs = pathlib.Path(args.root) / "docs"
    english = commands(docs / "FIELD_GUIDE.md")
    if len(english) < 10:
        print(f"only {len(english)} commands found in FIELD_GUIDE.md: the extractor is broken")
        return 1
    status = 0
    for name in ("FIELD_GUIDE.ko.md", "FIELD_GUIDE.zh.md"):
        other = commands(docs / name)
        if args.negative_control and name.endswith(".ko.md"):
            other.discard(sorted(other)[0])
        for c in sorted(english - other):
            print(f"{name}: missing a command of FIELD_GUIDE.md: {c}")
            status = 1
        for c in sorted(other - english):
            print(f"{name}: a command FIELD_GUIDE.md does not have: {c}")
            status = 1
    print(f"field guide: {len(english)} commands, in every translation" if status == 0 else "")
    return status


if __name__ == "__main__":
    sys.exit(main())
