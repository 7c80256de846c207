#!/usr/bin/env python3
"""Drives `casewire send` through a pseudo-terminal, as a contact would.

  guided_send_pty.py full  CASEWIRE HOME   a whole new-case dialogue, places typed
                                           in Korean and Chinese; the daemon must
                                           answer with a receipt
  guided_send_pty.py ko    CASEWIRE HOME   the same dialogue in Korean (--lang ko),
                                           confirmed with the Korean word for yes
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
    args = ["--home", home, "send"] + (["--lang", "ko"] if mode == "ko" else [])
    child = pexpect.spawn(casewire, args, env=env, encoding="utf-8", timeout=20)
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
    if mode == "ko":
        korean = ["무엇을 보고하시겠습니까", "몇 명이 체포되었습니까", "어린이는", "노인은",
                  "아프거나", "어디에서 체포되었습니까", "어느 곳입니까", "지금 어디에 구금",
                  "어느 곳입니까", "언제 체포되었습니까", "이송될 것으로", "얼마나 긴급합니까",
                  "동의했습니까", "이름", "이름", "운영자가 알아야", "지금 보내시겠습니까"]
        steps = [(k, a) for k, (_, a) in zip(korean, steps)]
        steps[-1] = (steps[-1][0], "예")
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
    child.expect("전달됨" if mode == "ko" else "delivered")
    child.expect(pexpect.EOF)
    child.close()
    if child.exitstatus != 0:
        print("exit status", child.exitstatus, child.before)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
