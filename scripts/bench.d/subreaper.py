#!/usr/bin/env python3
"""Runs a command as a child subreaper and reaps every process that ends up its child.

Usage: subreaper.py COMMAND [ARG...]

nginx's binary upgrade (USR2) starts the new master as a child of the old one; when the old master
exits, the new one is reparented to the nearest subreaper, else to PID 1, which in a container may
never reap it (a zombie that kill -0 still finds). Under this wrapper the masters are reparented to
it instead: it prints "PID STATUS" for each process it reaps (its exit status, or -SIGNAL), and
exits with the command's status once no child is left. It ignores SIGTERM and SIGINT (they are
for the processes it watches): it ends when they have.
"""
import ctypes
import os
import signal
import sys

PR_SET_CHILD_SUBREAPER = 36


def main():
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit(f"subreaper.py: prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")
    first = os.fork()
    if first == 0:
        try:
            os.execvp(sys.argv[1], sys.argv[1:])
        finally:
            os._exit(127)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    status = 1
    while True:
        try:
            pid, raw = os.wait()
        except ChildProcessError:
            break
        code = os.waitstatus_to_exitcode(raw)
        print(pid, code, flush=True)
        if pid == first:
            status = code if code >= 0 else 128 - code
    sys.exit(status)


if __name__ == "__main__":
    main()
