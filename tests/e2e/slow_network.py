"""A network between the browser and the app that the tests control: uploads leave at a set
rate, and every open connection can be cut at once, as when a phone leaves the Wi-Fi.

A TCP proxy on a free port (Chromium's own throttling does not hold upload bytes back, so it
cannot cut a part in the middle). Bytes towards the app share one rate; answers flow freely.
It reads the requests going through (``requests``: request line, bytes of body that reached
the app, bytes announced), so a test sees what was really sent, retries the browser makes on
its own included.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time

from tests.services import free_port

CHUNK = 16 * 1024


class Request:
    def __init__(self, line: str, length: int) -> None:
        self.line = line  # e.g. "PUT /api/uploads/parts/…?partNumber=2 HTTP/1.1"
        self.length = length
        self.received = 0

    @property
    def complete(self) -> bool:
        return self.received >= self.length


class RequestReader:
    """Follows HTTP/1.1 requests on one connection (heads and Content-Length bodies)."""

    def __init__(self, seen: list[Request], lock: threading.Lock) -> None:
        self.seen, self.lock = seen, lock
        self.head = b""
        self.current: Request | None = None

    def feed(self, data: bytes) -> None:
        while data:
            if self.current is not None and not self.current.complete:
                taken = min(len(data), self.current.length - self.current.received)
                self.current.received += taken
                data = data[taken:]
                continue
            self.head += data
            data = b""
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data, self.head = self.head[:end], self.head[end + 4 :], b""
            lines = head.decode("latin-1").split("\r\n")
            length = 0
            for header in lines[1:]:
                name, _, value = header.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            self.current = Request(lines[0], length)
            with self.lock:
                self.seen.append(self.current)


class SlowNetwork:
    def __init__(self, target_port: int, rate: int = 0) -> None:
        self.target_port = target_port
        self.rate = rate  # bytes per second towards the app; 0: as fast as it goes
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._open: set[socket.socket] = set()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._next_slot = time.monotonic()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """Reset every open connection (RST, not a polite close), mid-request or not."""
        with self._lock:
            doomed, self._open = self._open, set()
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                # Wakes the thread blocked reading it (close alone would not, and the bytes
                # would keep flowing); the close then sends the reset.
                sock.shutdown(socket.SHUT_RD)
                sock.close()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        self.cut()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open |= {client, server}
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _wait_for_budget(self, size: int) -> None:
        if not self.rate:
            return
        with self._lock:
            slot = max(self._next_slot, time.monotonic())
            self._next_slot = slot + size / self.rate
        time.sleep(max(0.0, slot - time.monotonic()))

    def _pipe(self, source: socket.socket, target: socket.socket, upstream: bool) -> None:
        reader = RequestReader(self.requests, self._lock)
        try:
            while data := source.recv(CHUNK):
                if upstream:
                    self._wait_for_budget(len(data))
                target.sendall(data)
                if upstream:
                    reader.feed(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
