#!/usr/bin/env python3
"""Tiny loopback-only HTTP/1.1 target for load-test fixtures.

Endpoints:
  /       fast 200, small text body
  /slow   200 after ~20 ms sleep
  /flaky  500 for ~2% of requests (random), 200 otherwise
  /stall  200 after 1.5 s (used only to provoke client-side timeouts)
  other   404
Binds 127.0.0.1 only. Supports keep-alive (HTTP/1.1 + Content-Length).
Usage: loadtarget.py [port]   (default 18080)

benchgate's copy of fixtures/load/server/loadtarget_server.py with two knobs, so that a
regression can be produced on purpose:
  LOADTARGET_DELAY_MS    extra delay added to every response (default 0)
  LOADTARGET_ERROR_RATE  share of /flaky requests answered with 500 (default 0.02)
"""
import os
import random
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


DELAY = float(os.environ.get("LOADTARGET_DELAY_MS", "0")) / 1000.0
ERROR_RATE = float(os.environ.get("LOADTARGET_ERROR_RATE", "0.02"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "loadtarget/1.0"
    # Without these, headers and body go out in two small writes and Nagle +
    # delayed ACK add ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # buffered wfile; flushed once per response by BaseHTTPRequestHandler

    def log_message(self, fmt, *args):  # keep quiet
        pass

    def _send(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if DELAY:
            time.sleep(DELAY)
        if path == "/":
            self._send(200, "ok fast\n")
        elif path == "/slow":
            time.sleep(0.020)
            self._send(200, "ok slow\n")
        elif path == "/flaky":
            if random.random() < ERROR_RATE:
                self._send(500, "injected error\n")
            else:
                self._send(200, "ok flaky\n")
        elif path == "/stall":
            time.sleep(1.5)
            self._send(200, "ok stall\n")
        else:
            self._send(404, "not found\n")

    do_HEAD = do_GET

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        self.do_GET()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 18080
    Server(("127.0.0.1", port), Handler).serve_forever()
