"""Shared fixtures. The suite never touches a developer's own var/: DATA_DIR is a temp dir."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("PLATFORM_TESTING", "1")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="platform-test-"))

from typing import Any

import pytest

from tests.workers import _worker_manager, oidc_provider  # noqa: F401 (one of each per session)


@pytest.fixture
def make_user(django_user_model: Any) -> Any:
    counter = iter(range(1, 10_000))

    def make(username: str | None = None, **extra: Any) -> Any:
        name = username or f"user{next(counter)}"
        return django_user_model.objects.create_user(username=name, password="pw-" + name, **extra)

    return make


@pytest.fixture
def owner(make_user: Any) -> Any:
    return make_user("alice")


@pytest.fixture
def stranger(make_user: Any) -> Any:
    return make_user("mallory")


@pytest.fixture
def owner_client(client: Any, owner: Any) -> Any:
    client.force_login(owner)
    return client


@pytest.fixture
def csrf_client(owner: Any) -> Any:
    """The owner's browser session: CSRF enforced, the token sent in its header as pages do."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get("/upload/")
    client.defaults["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client
