"""Fixtures of the unit tests."""

from __future__ import annotations

import os

import pytest

from chats.whatsapp import steps as parse_steps


@pytest.fixture(params=["c", "python"])
def parser_steps(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with the chat parser's C steps, then with its pure-Python steps."""
    if request.param == "python":
        monkeypatch.setattr(parse_steps, "_speedups", None)
    elif getattr(parse_steps, "_speedups", None) is None:
        message = "chats.whatsapp._speedups is not built (no C compiler?); `make test` builds it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return str(request.param)
