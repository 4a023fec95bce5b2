"""Sign-in throttling, password strength and the first account (issue 9 item 11, issue 11)."""

from __future__ import annotations

import io
import logging
import stat
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

pytestmark = pytest.mark.django_db


def attempt(client: Client, password: str) -> int:
    response = client.post("/accounts/login/", {"username": "bob", "password": password})
    return response.status_code


def test_repeated_wrong_passwords_lock_the_account_out_with_a_log_line(
    client: Client, make_user: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    make_user("bob")
    caplog.set_level(logging.WARNING)
    codes = [attempt(client, f"wrong-{n}") for n in range(settings.AXES_FAILURE_LIMIT)]
    assert codes[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)  # the form, with an error
    assert codes[-1] == 429
    assert attempt(client, "pw-bob") == 429  # even the right password waits out the lockout
    assert "_auth_user_id" not in client.session
    assert any("Locking out" in r.getMessage() and "bob" in r.getMessage() for r in caplog.records)


def test_a_right_password_before_the_limit_resets_the_count(
    client: Client, make_user: Any, settings: Any
) -> None:
    make_user("bob")
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, f"wrong-{n}")
    assert attempt(client, "pw-bob") == 302
    client.logout()
    assert attempt(client, "wrong-again") == 200


@pytest.mark.parametrize("password", ["a", "12345678", "907264531876", "password123"])
def test_weak_and_numeric_only_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


def test_ensure_first_user_refuses_a_weak_superuser_password(monkeypatch: Any) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a")
    with pytest.raises(CommandError, match="too weak"):
        call_command("ensure_first_user", stdout=io.StringIO())
    assert not get_user_model().objects.exists()


def test_ensure_first_user_keeps_a_chosen_strong_password(monkeypatch: Any) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "me")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "long enough and not common 42")
    out = io.StringIO()
    call_command("ensure_first_user", stdout=out)
    assert (
        get_user_model().objects.get(username="me").check_password("long enough and not common 42")
    )
    assert "long enough" not in out.getvalue()


def test_ensure_first_user_prints_no_password_where_output_is_collected(settings: Any) -> None:
    out = io.StringIO()  # not a terminal: like a container's log stream
    call_command("ensure_first_user", stdout=out)
    kept = Path(settings.DATA_DIR) / "initial-password.txt"
    password = kept.read_text().split("password: ")[1].strip()
    assert password not in out.getvalue() and str(kept) in out.getvalue()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert get_user_model().objects.get(username="admin").check_password(password)


def test_ensure_first_user_prints_the_password_once_to_an_interactive_terminal(
    settings: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    out = io.StringIO()
    call_command("ensure_first_user", stdout=out)
    password = (Path(settings.DATA_DIR) / "initial-password.txt").read_text().split()[-1]
    assert f"password: {password}" in out.getvalue()
    again = io.StringIO()
    call_command("ensure_first_user", stdout=again)
    assert again.getvalue() == ""


def test_with_oidc_ensure_first_user_creates_no_local_account(
    settings: Any, monkeypatch: Any
) -> None:
    settings.OIDC_ENABLED = True
    settings.LOCAL_SIGN_IN = False
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "long enough and not common 42")
    out = io.StringIO()
    call_command("ensure_first_user", stdout=out)
    assert not get_user_model().objects.exists()
    assert "password" not in out.getvalue().lower()


@pytest.mark.parametrize("path", ["/accounts/login/", "/library/", "/upload/", "/photos/"])
def test_every_page_sends_a_strict_content_security_policy(
    client: Client, make_user: Any, path: str
) -> None:
    """Without a browser (tests/e2e checks the pages work under it): no inline script or style,
    no plugins, no framing, nothing from elsewhere by default."""
    if path != "/accounts/login/":
        client.force_login(make_user("carol"))
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
