"""A real HTTP webhook receiver for tests: a threaded server on a free loopback port that
records every request and answers from a script (status codes, delays, going down)."""

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.perf_counter)


@dataclass
class Receiver:
    replies: list[int] = field(default_factory=list)  # answered in order, then 200
    delay: float = 0.0  # seconds before each answer
    received: list[Received] = field(default_factory=list)
    extra_headers: dict[str, str] = field(default_factory=dict)
    answer: bytes = b"ok"  # the body of every answer
    _server: ThreadingHTTPServer | None = None
    _port: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/webhooks"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(Received(dict(self.headers.items()), body))
                receiver.arrived.set()
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                status = receiver.replies.pop(0) if receiver.replies else 200
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                self.wfile.write(receiver.answer)

            def log_message(self, *args):
                pass

            def handle(self):
                # The sender may give up (timeout, killed) before the answer: nothing to do.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024  # a concurrent sender must not hit a 5-deep backlog

        self._server = Server(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Go down: the port refuses connections until start() again (same port)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
