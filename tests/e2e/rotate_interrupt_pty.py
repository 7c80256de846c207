#!/usr/bin/env python3
"""Drives `casewire-keys rotate` through a pseudo-terminal, as an operator would.

  rotate_interrupt_pty.py PROMPT HOW -- casewire-keys rotate ...

Every prompt is answered with the passphrase in $ROTATE_OLD (the current
key's: "casewired key passphrase") or $ROTATE_NEW (the new one: "New
passphrase", "Repeat passphrase") until PROMPT appears; there the program is
interrupted, HOW = "int" (Ctrl-C, through the terminal) or "kill" (SIGKILL).
Exit 0 when PROMPT appeared and the program ended there without finishing.
PROMPT "none": every prompt is answered; exit 0 when the program succeeds
(its output is printed).
"""
import os
import signal
import sys

import pexpect


def main():
    target, how = sys.argv[1], sys.argv[2]
    argv = sys.argv[sys.argv.index("--") + 1:]
    child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8", timeout=60)
    answers = {
        "casewired key passphrase": os.environ.get("ROTATE_OLD", ""),
        "New passphrase": os.environ.get("ROTATE_NEW", ""),
        "Repeat passphrase": os.environ.get("ROTATE_NEW", ""),
    }
    prompts = list(answers)
    while True:
        i = child.expect(prompts + [pexpect.EOF])
        if i == len(prompts):
            child.close()
            if target == "none":
                print(child.before)
                return 0 if child.exitstatus == 0 else 1
            print("the program ended before the prompt '%s': %s" % (target, child.before))
            return 1
        if prompts[i] == target:
            if how == "kill":
                child.kill(signal.SIGKILL)
            else:
                child.sendintr()
            child.expect(pexpect.EOF)
            child.close()
            if child.signalstatus is not None or (child.exitstatus or 0) != 0:
                return 0
            print("the program finished despite the interruption")
            return 1
        child.sendline(answers[prompts[i]])


if __name__ == "__main__":
    sys.exit(main())
