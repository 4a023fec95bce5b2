"""Django tests store files in a directory of their own (the embedded default's files on disk)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fresh_storage_dir(settings: Any, tmp_path: Any) -> None:
    """Each test stores files in its own directory (the embedded default's files on disk)."""
    if not settings.STORAGE_BUCKET:
        settings.LOCAL_STORAGE_DIR = tmp_path / "storage"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "ingestion.backends.local.LocalStorage",
                "OPTIONS": {"location": tmp_path / "storage"},
            },
        }
