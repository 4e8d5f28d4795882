#!/usr/bin/env python3
"""Holds many idle client connections open against a proxy, for the memory case of scripts/bench.

Usage: idle_clients.py HOST PORT COUNT PATH

Driven over stdin/stdout so that scripts/bench can read the proxy's RSS between phases:
  1. opens COUNT connections that send nothing, prints "open N", and waits for a line;
  2. on "request", sends one keep-alive GET PATH on every connection, one after another, reads
     each response in full, keeps the connection open, prints "requested OK", and waits again;
  3. on "quit" (or end of input) closes everything.
"""
import resource
import socket
import sys


def main():
    host, port, count, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = count + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard) if hard != resource.RLIM_INFINITY else want, hard))

    sockets = []
    for _ in range(count):
        try:
            s = socket.create_connection((host, port), timeout=10)
        except OSError as e:
            print(f"connect failed after {len(sockets)}: {e}", file=sys.stderr)
            break
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sockets.append(s)
    say(f"open {len(sockets)}")

    if sys.stdin.readline().strip() == "request":
        request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
        ok = 0
        for s in sockets:
            try:
                s.sendall(request)
                if read_response(s):
                    ok += 1
            except OSError:
                pass
        say(f"requested {ok}")
        sys.stdin.readline()

    for s in sockets:
        s.close()


def read_response(s):
    """Reads one Content-Length response; True when it arrived complete with a 2xx status."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            return False
        body += chunk
    return head.startswith(b"HTTP/1.1 2")


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
