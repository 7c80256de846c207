#!/usr/bin/env python3
"""Every casewire command line in README.md and docs/ must parse.

Extracts each command of casewire, casewire-keys and casewired from the code
blocks of the documentation (indented or fenced), fills in its placeholders
(DIR, KEYID, CASE, ...), moves every path into a scratch directory (nothing
outside it is touched), and runs it against the built programs with no
terminal. A command whose subcommand or options do not exist, or sit where
the program does not accept them, fails with "error: usage:" - that fails
this test, naming the file and line. Any other outcome (success, or an error
about missing keys, files or a daemon) means the documented command line is
one the program understands. A line can opt out with a trailing
"# not runnable: <reason>".

Usage: check_commands.py --bin-dir BUILD_DIR [--root SOURCE_DIR]
"""
import argparse
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile

PROGRAMS = {"casewire": "client/casewire", "casewire-keys": "keys/casewire-keys",
            "casewired": "daemon/casewired"}

PLACEHOLDERS = {
    "DIR": "instance", "KEYID": "0011223344556677", "ORGKEYID": "0011223344556677",
    "CASE": "0123456789abcdef0123456789abcdef", "ID": "1", "FILE": "file.txt",
    "URL": "https://hooks.example.org/casewire", "NEWURL": "https://hooks.example.org/new",
    "F": "file.txt", "NAME.webhook-secret": "name.webhook-secret", "FILE.cwe": "carried.cwe",
}


def commands(path):
    """(line number, command text) for each documented command."""
    lines = path.read_text(encoding="utf-8").splitlines()
    in_fence = False
    i = 0
    while i < len(lines):
        raw = lines[i]
        if raw.strip().startswith("```"):
            in_fence = not in_fence
            i += 1
            continue
        is_code = in_fence or raw.startswith("    ") or raw.startswith("\t")
        text = raw.strip()
        start = i
        while is_code and text.endswith("\\") and i + 1 < len(lines):
            i += 1
            text = text[:-1] + " " + lines[i].strip()
        i += 1
        if not is_code:
            continue
        # Prefixes an operator types before our programs.
        text = re.sub(r"^(sudo -u casewire|runuser -u casewire --)\s+", "", text)
        text = re.sub(r"^(env\s+)?([A-Z_]+=\S+\s+)+", "", text)
        first = text.split(" ", 1)[0]
        if first in PROGRAMS:
            yield start + 1, text


def prepare(text, scratch):
    """The argv to run, or None when the line opts out."""
    if re.search(r"#\s*not runnable", text):
        return None
    text = re.sub(r"\s+#(\s.*)?$", "", text)  # a trailing comment
    text = re.sub(r"\$\(date[^)]*\)", "2026-11-29", text)
    text = text.replace("<56 chars>", "a" * 56)
    text = re.sub(r"\|\s*[^\]]*\]", "]", text)  # [--a X | --b]: the first alternative
    text = text.replace("[", " ").replace("]", " ").replace("...", " ")
    argv = shlex.split(text)
    out = [argv[0]]
    for arg in argv[1:]:
        arg = PLACEHOLDERS.get(arg, arg)
        if "://" not in arg and ("/" in arg) and not arg.startswith("sha256/"):
            # Any path goes into the scratch directory.
            arg = os.path.join(scratch, arg.strip("./").replace("/", "_"))
        out.append(arg)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parents[2]))
    args = ap.parse_args()
    args.bin_dir = os.path.abspath(args.bin_dir)
    root = pathlib.Path(args.root)
    docs = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
    failures, checked = [], 0
    with tempfile.TemporaryDirectory(prefix="casewire-docs-") as scratch:
        env = {"PATH": "/usr/bin:/bin", "HOME": os.path.join(scratch, "home"), "LANG": "C.UTF-8"}
        os.makedirs(env["HOME"])
        for doc in docs:
            for line, text in commands(doc):
                argv = prepare(text, scratch)
                if argv is None:
                    continue
                argv[0] = os.path.join(args.bin_dir, PROGRAMS[argv[0]])
                try:
                    r = subprocess.run(argv, cwd=scratch, env=env, stdin=subprocess.DEVNULL,
                                       capture_output=True, text=True, timeout=30)
                    err = r.stderr
                except subprocess.TimeoutExpired:
                    err = "timed out (a documented command must not hang without a daemon)"
                    failures.append(f"{doc.relative_to(root)}:{line}: {text}\n    {err}")
                    continue
                checked += 1
                # The usage error in English, Korean or Chinese (--lang in
                # the translated guides).
                if ("error: usage:" in err or "(usage)" in err or "（usage）" in err
                        or "The following argument was not expected" in err):
                    first = next((l for l in err.splitlines() if "usage" in l or "expected" in l), err)
                    failures.append(f"{doc.relative_to(root)}:{line}: {text}\n    {first.strip()}")
    for f in failures:
        print("FAIL", f)
    print(f"docs: {checked} command lines checked, {len(failures)} the programs do not accept")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
