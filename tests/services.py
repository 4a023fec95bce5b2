"""Reaching the real services tests need. On a bare machine a missing service skips its tests
with a message; with CI set it fails them, so CI can never pass by skipping."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def unavailable(what: str, how: str) -> None:
    message = f"{what} is not available ({how})"
    if in_ci():
        pytest.fail(f"{message}; CI must run this test", pytrace=False)
    pytest.skip(f"{message}; skipped on this machine")


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
