#!/usr/bin/env python3
"""The origin of the split-write case of scripts/bench: Python's own http.server, as a new user
would put it behind a proxy.

Usage: split_backend.py PORT DIRECTORY

It serves DIRECTORY on 127.0.0.1:PORT with SimpleHTTPRequestHandler and protocol_version
"HTTP/1.1" (keep-alive), one thread per connection, nothing logged. Each response goes out in two
send() calls on a socket with Nagle's algorithm on (the handler's default): the head at
end_headers(), then the body. A peer that delays its ACK of the head holds the body back until its
delayed-ACK timer fires (~40 ms on Linux), unless it acknowledges at once.

One change from the stock handler: when the client asked for "Connection: close", the answer says
"Connection: close" too (the stock handler closes without saying so, which wrk counts as a read
error on every request). The head is still one send and the body another.
"""
import functools
import http.server
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = False  # the default, stated: Nagle stays on

    def end_headers(self):
        if self.close_connection:
            self.send_header("Connection", "close")
        super().end_headers()

    def log_message(self, format, *args):
        pass


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    http.server.ThreadingHTTPServer.daemon_threads = True
    http.server.ThreadingHTTPServer.request_queue_size = 128
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                             functools.partial(Handler, directory=directory))
    server.serve_forever()


if __name__ == "__main__":
    main()
