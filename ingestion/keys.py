"""Object keys: ``<prefix><owner>/<uuid>/<safe file name>``. Pure: no Django.

Every raw key carries its owner and a fresh UUID, so two uploads with the same name never
overwrite each other; the file name part is made safe while the original is kept on the ledger.
"""

from __future__ import annotations

import re
import unicodedata
import uuid

MAX_NAME_LENGTH = 120
MAX_NAME_BYTES = 200  # file systems allow 255 bytes per name; wide scripts take 3 a character
_UNSAFE = re.compile(r"[^\w.\-]+")  # \w is unicode-aware: letters and digits of any script stay
_OWNER = re.compile(r"^[1-9][0-9]{0,18}$")


def safe_name(original: str) -> str:
    """A file name safe in a key and on any file system, readable, keeping the extension."""
    name = original.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip("._-")
    if not name:
        return "file"
    if len(name) > MAX_NAME_LENGTH or len(name.encode()) > MAX_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if not (dot and 0 < len(ext) <= 10):
            stem, ext = name, ""
        suffix = f".{ext}" if ext else ""
        stem = stem[: MAX_NAME_LENGTH - len(suffix)]
        while len((stem + suffix).encode()) > MAX_NAME_BYTES:
            stem = stem[:-1]
        name = stem + suffix
    return name


def raw_key(
    prefix: str, owner_id: int, original_name: str, *, object_uuid: uuid.UUID | None = None
) -> str:
    return f"{prefix}{owner_id}/{object_uuid or uuid.uuid4()}/{safe_name(original_name)}"


def owner_id_from_key(prefix: str, key: str) -> int | None:
    """The owner id a raw key names, or None if it names none (the caller rejects the object)."""
    rest = key[len(prefix) :] if key.startswith(prefix) else ""
    owner, sep, _ = rest.partition("/")
    if not sep or not _OWNER.match(owner):
        return None
    return int(owner)


def display_name_from_key(key: str) -> str:
    return key.rsplit("/", 1)[-1] or key
