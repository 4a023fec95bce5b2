"""The chat query engine the settings ask for (`CHATS_ENGINE`), built once per configuration."""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from chats.search.duckdb_engine import DuckDBEngine
from chats.search.engines import AthenaEngine, ChatEngine

__all__ = ["ChatsUnavailable", "get_engine", "owner_of"]

_engines: dict[tuple[str, ...], ChatEngine] = {}
_lock = threading.Lock()


class ChatsUnavailable(ImproperlyConfigured):
    """The configured engine cannot read the silver messages; the message says what to change."""


def _key() -> tuple[str, ...]:
    if settings.CHATS_ENGINE == "athena":
        return (
            "athena",
            settings.ATHENA_WORK_GROUP,
            settings.ATHENA_DATABASE,
            settings.ATHENA_S3_STAGING_DIR,
            settings.AWS_REGION,
            settings.ATHENA_TABLE,
            settings.AWS_ATHENA_ENDPOINT_URL,
        )
    if settings.CHATS_ENGINE == "duckdb":
        if settings.STORAGE_BUCKET:
            # The silver Parquet then lives in the bucket; reading it over httpfs is not built.
            raise ChatsUnavailable(
                "CHATS_ENGINE=duckdb reads the silver Parquet files from local disk, but "
                "STORAGE_BUCKET is set, so they are in S3. Set CHATS_ENGINE=athena (with "
                "ATHENA_S3_STAGING_DIR) to query chats stored in a bucket."
            )
        return ("duckdb", str(Path(settings.LOCAL_STORAGE_DIR)))
    raise ChatsUnavailable(f"CHATS_ENGINE: unknown engine {settings.CHATS_ENGINE!r}")


def get_engine() -> ChatEngine:
    """The engine for the current settings; raises ChatsUnavailable when it cannot work."""
    key = _key()
    engine = _engines.get(key)
    if engine is None:
        with _lock:
            engine = _engines.get(key)
            if engine is None:
                if key[0] == "athena":
                    engine = AthenaEngine(
                        settings.ATHENA_WORK_GROUP,
                        settings.ATHENA_DATABASE,
                        settings.ATHENA_S3_STAGING_DIR,
                        settings.AWS_REGION,
                        settings.ATHENA_TABLE,
                        settings.AWS_ATHENA_ENDPOINT_URL,
                    )
                else:
                    engine = DuckDBEngine.for_storage_root(settings.LOCAL_STORAGE_DIR)
                engine.hide_sources(deleted_sources)
                _engines[key] = engine
    return engine


def deleted_sources(owner: str) -> list[str]:
    """The bronze keys of the owner's exports whose deletion is recorded: their rows may still
    be in silver until the deletion is carried out, and no query shows them meanwhile."""
    from chats.models import ChatExport

    return list(
        ChatExport.objects.filter(owner_id=int(owner), source__deleted_at__isnull=False)
        .exclude(bronze_key="")
        .values_list("bronze_key", flat=True)
    )


def owner_of(user: object) -> str:
    """The owner value of the silver rows: the signed-in user's id, never a request parameter."""
    pk = getattr(user, "pk", None)
    if pk is None:
        raise PermissionError("chats are read only for a signed-in user")
    return str(pk)
