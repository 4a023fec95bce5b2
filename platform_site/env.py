"""Small, typed readers of environment variables that refuse bad values loudly.

Every reader also accepts ``NAME_FILE`` (a path whose content is the value), so secrets can come
from files mounted by the deployment. A bad value stops start-up with a message naming the
variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured


def _raw(name: str) -> str | None:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name!r}: {exc}") from exc
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r}: must be at least {minimum}")
    return number


def env_size(name: str, default: int) -> int:
    """A byte size such as ``5368709120``, ``500MB`` or ``5GB`` (powers of 1024)."""
    value = _raw(name)
    if value is None:
        return default
    units = {"": 1, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
    text = value.strip().upper().replace(" ", "")
    digits = text.rstrip("KMGTB")
    unit = text[len(digits) :]
    if not digits.isdigit() or unit not in units:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a size like 500MB or 5GB")
    size = int(digits) * units[unit]
    if size <= 0:
        raise ImproperlyConfigured(f"{name}={value!r}: must be greater than zero")
    return size


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r}: expected one of {', '.join(choices)}")
    return value


def env_url(name: str, *, schemes: tuple[str, ...], default: str = "") -> str:
    value = env_str(name, default)
    if value and urlparse(value).scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name}={value!r}: expected a URL starting with "
            + " or ".join(f"{scheme}://" for scheme in schemes)
        )
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
