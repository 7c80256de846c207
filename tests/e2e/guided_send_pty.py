#!/usr/bin/env python3
"""Drives `casewire send` through a pseudo-terminal, as a contact would.

  guided_send_pty.py full  CASEWIRE HOME   a whole new-case dialogue, places typed
                                           in Korean and Chinese; the daemon must
                                           answer with a receipt
  guided_send_pty.py abort CASEWIRE HOME   Ctrl-C in the middle: nothing sent,
                                           nothing written in the home
Exit 0 when the dialogue went as expected; otherwise prints why and exits 1.
"""
import os
import sys

import pexpect


def files(home):
    out = {}
    for root, _, names in os.walk(home):
        for n in names:
            p = os.path.join(root, n)
            out[p] = os.stat(p).st_mtime_ns
    return out


def main():
    mode, casewire, home = sys.argv[1:4]
    env = dict(os.environ, TZ="UTC", LANG="C.UTF-8")
    before = files(home)
    child = pexpect.spawn(casewire, ["--home", home, "send"], env=env, encoding="utf-8",
                          timeout=20)
    steps = [
        ("What do you want to report", "1"),
        ("How many people were arrested", "5"),
        ("How many of them are children", "2"),
        ("How many are elderly", ""),
        ("How many are sick", ""),
        ("Where were they arrested", "투먼"),
        ("Which one", "1"),
        ("Where are they held now", "图们"),
        ("Which one", "2"),
        ("When were they arrested", ""),
        ("expected to be transferred", ""),
        ("How urgent", "1"),
        ("agree to", "1"),
        ("A name", "CANARY-NAME-pty"),
        ("A name", ""),
        ("Anything else", ""),
        ("Send it now", "yes"),
    ]
    if mode == "abort":
        steps = steps[:7]
    for prompt, answer in steps:
        child.expect(prompt)
        child.sendline(answer)
    if mode == "abort":
        child.sendintr()  # Ctrl-C
        child.expect(pexpect.EOF)
        child.close()
        after = files(home)
        if after != before:
            print("the home changed:", set(after) ^ set(before) or "modified files")
            return 1
        return 0
    child.expect("delivered")
    child.expect(pexpect.EOF)
    child.close()
    if child.exitstatus != 0:
        print("exit status", child.exitstatus, child.before)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
