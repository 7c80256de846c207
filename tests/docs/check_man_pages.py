#!/usr/bin/env python3
"""The manual pages list every command and option the programs accept.

The pages are written by `PROGRAM --man` from the same CLI11 definitions that
parse the command line (protocol/man_page.h). This check walks each program's
own --help, command by command, and fails when an option or a command the
program accepts is missing from its page, or when the page the build made
(BUILD/man/NAME.N.gz, what the package installs) is not what the program
prints now.

Usage: check_man_pages.py --bin-dir BUILD_DIR [--negative-control]
  --negative-control  drops one option from each page before checking, and
                      succeeds only if the check notices (it must be able to fail)
"""
import argparse
import gzip
import os
import pathlib
import re
import subprocess
import sys

PAGES = [("casewired", 8, "daemon/casewired"), ("casewire", 1, "client/casewire"),
         ("casewire-keys", 8, "keys/casewire-keys")]
ENV = dict(os.environ, LC_ALL="C", LANG="C", LANGUAGE="")


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=60)


def help_of(binary, path):
    """(options, subcommands) that `binary PATH --help` lists."""
    out = run([binary, *path, "--help"]).stdout
    options, commands, section = set(), [], None
    for line in out.splitlines():
        if re.match(r"^\S.*:$", line):
            section = line[:-1]
            continue
        m = re.match(r"^  (\S+)", line)
        if not m:
            continue
        if section and section.lower().startswith("subcommand"):
            commands.append(m.group(1))
        elif m.group(1).startswith("-"):  # "-o,--out": the names column only
            options.update(re.findall(r"--[a-z0-9][a-z0-9-]*", m.group(1)))
    return options, commands


def sections(page):
    """{command path: text} for the page's OPTIONS ("") and each .SS command."""
    out, current = {"": []}, ""
    for line in page.splitlines():
        if line.startswith(".SS "):
            current = line[4:].replace("\\-", "-")
            out[current] = []
        elif line.startswith(".SH COMMANDS"):
            current = None
        elif current is not None:
            out.setdefault(current, []).append(line)
    return {k: "\n".join(v).replace("\\-", "-") for k, v in out.items()}


def check(binary, page, problems, name):
    found = sections(page)

    def walk(path):
        options, commands = help_of(binary, path)
        key = " ".join(path)
        text = found.get(key)
        if text is None:
            problems.append(f"{name}: command '{key}' is not in the page")
            return
        for opt in sorted(options):
            if opt == "--help" and path:
                continue  # every command has it; the page says so once, under OPTIONS
            if not re.search(r"\\fB(-\w,)?" + re.escape(opt) + r"(?![\w-])", text):
                problems.append(f"{name}: '{key or name}' accepts {opt}, the page does not list it")
        for sub in commands:
            walk([*path, sub])

    walk([])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--negative-control", action="store_true")
    args = ap.parse_args()
    bin_dir = pathlib.Path(args.bin_dir)
    problems = []
    for name, section, rel in PAGES:
        binary = str(bin_dir / rel)
        printed = run([binary, "--man"])
        if printed.returncode != 0 or not printed.stdout.startswith(".\\\""):
            problems.append(f"{name} --man failed: {printed.stderr.strip()}")
            continue
        page = printed.stdout
        if f".TH {name.upper()} {section} " not in page.replace("\\-", "-"):
            problems.append(f"{name}: no .TH line for section {section}")
        built = bin_dir / "man" / f"{name}.{section}.gz"
        if not built.exists():
            problems.append(f"{built} was not built (the man_pages target)")
        elif gzip.decompress(built.read_bytes()).decode() != page:
            problems.append(f"{built} differs from what {name} --man prints now")
        if args.negative_control:
            page = re.sub(r"\.TP\n\\fB\\-\\-[^\n]*\n[^\n]*\n", "", page, count=1)
        check(binary, page, problems, name)
    for p in problems:
        print(p)
    if args.negative_control:
        if len(problems) >= len(PAGES):
            print(f"negative control: {len(problems)} dropped option(s) noticed")
            return 0
        print("negative control: a dropped option went unnoticed")
        return 1
    if not problems:
        print("every command and option is in the manual pages")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
