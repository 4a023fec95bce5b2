"""The OpenID Connect provider's endpoints, without network I/O at import.

An endpoint given explicitly (``OIDC_AUTHORIZATION_ENDPOINT`` …) is used as is; any other is a
lazy string that reads the provider's discovery document the first time a sign-in needs it, and
keeps it. ``manage.py check`` reports a provider it cannot reach (``platform.W001``), so every
other command, mypy and the tests start without the provider.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage
from django.core.checks import Warning as CheckWarning
from django.utils.functional import lazy

_documents: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


class DiscoveryError(Exception):
    """The provider's discovery document could not be read, or lacks an endpoint."""


def discover(issuer: str, *, timeout: float = 10) -> dict[str, Any]:
    """The provider's discovery document, read once per process (failures are not kept)."""
    with _lock:
        cached = _documents.get(issuer)
    if cached is not None:
        return cached
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    if not url.startswith(("https://", "http://")):
        raise DiscoveryError(f"{url}: not an http(s) URL")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (checked)
            document = json.load(response)
    except (OSError, ValueError) as exc:
        raise DiscoveryError(f"cannot read {url}: {exc}") from exc
    if not isinstance(document, dict):
        raise DiscoveryError(f"{url}: not a JSON object")
    with _lock:
        _documents[issuer] = document
    return document


def _lookup(issuer: str, key: str, default: str | None) -> str:
    value = discover(issuer).get(key)
    if value:
        return str(value)
    if default is None:
        raise DiscoveryError(f"the provider's discovery document names no {key}")
    return default


_lazy_lookup = lazy(_lookup, str)


def endpoint(issuer: str, key: str, *, explicit: str = "", default: str | None = None) -> Any:
    """``explicit`` if given, else a lazy string: ``key`` of the discovery document."""
    if explicit:
        return explicit
    return _lazy_lookup(issuer, key, default)


def provider_reachable(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """System check: with OIDC on, the provider's discovery document can be read."""
    if not settings.OIDC_ENABLED:
        return []
    try:
        discover(settings.OIDC_ISSUER, timeout=5)
    except DiscoveryError as exc:
        return [
            CheckWarning(
                f"OIDC_ISSUER: the sign-in provider cannot be reached ({exc})",
                hint="Nobody can sign in until it can: check OIDC_ISSUER and the network.",
                id="platform.W001",
            )
        ]
    return []
