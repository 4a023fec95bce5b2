"""The Glue job on pyspark (local mode) writes the rows and ids the local silver writer does."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.conf import settings

from chats.lake.date_writer import owner_dates
from chats.lake.glue import glue_manifest
from chats.models import ChatExport
from chats.pipeline import forget_export, rename_chat
from chats.tasks import ingest_export
from ingestion.models import StoredObject
from tests.factories.chats import ANDROID, ANDROID_MORE, IOS, upload_chat

pytestmark = [pytest.mark.spark, pytest.mark.django_db]

LATE = "13/03/2024, 10:00 - Bob: delivered late\n"


def rows(silver_root: Path) -> list[tuple[Any, ...]]:
    """Every row of a silver tree with its partition date, sorted: what a query sees."""
    glob = str(silver_root / "date=*" / "*.parquet")
    return duckdb.execute(
        "SELECT * FROM read_parquet(?, hive_partitioning = true, "
        "hive_types = {'date': 'VARCHAR'}) ORDER BY message_id",
        [glob],
    ).fetchall()


def files(silver_root: Path) -> list[str]:
    return sorted(p.relative_to(silver_root).as_posix() for p in silver_root.rglob("*.parquet"))


def run_glue(
    glue_job: Any, spark: Any, exports: list[ChatExport], silver: Path, **rebuild: Any
) -> dict[str, int]:
    """One job run over a manifest as chats.lake.glue writes it (``rebuild``: its drop line)."""
    manifest = silver.parent / "manifest.jsonl"
    lines = glue_manifest(exports, **rebuild)
    manifest.write_text("\n".join(json.dumps(line) for line in lines))
    storage_root = Path(settings.LOCAL_STORAGE_DIR)
    entries, drops = glue_job.split_manifest(glue_job.read_manifest(str(manifest)))
    stats: dict[str, int] = glue_job.run(spark, entries, str(storage_root), str(silver), drops)
    return stats


def test_glue_job_matches_the_local_writer_across_cumulative_exports(
    spark: Any, glue_job: Any, owner: Any, stranger: Any, tmp_path: Path
) -> None:
    local = Path(settings.LOCAL_STORAGE_DIR) / "silver" / "whatsapp"
    glue = tmp_path / "glue" / "silver" / "whatsapp"
    glue.mkdir(parents=True)

    ingest_export(upload_chat(owner, ANDROID).pk)
    ingest_export(upload_chat(stranger, IOS, "_chat.txt").pk)
    first = list(ChatExport.objects.order_by("pk"))
    stats = run_glue(glue_job, spark, first, glue)
    assert stats == {"rows_added": 11, "files_written": 5, "files_deleted": 0}
    assert rows(glue) == rows(local) and len(rows(local)) == 11
    assert files(glue) == files(local)

    ingest_export(upload_chat(owner, ANDROID + LATE + ANDROID_MORE).pk)
    second = list(ChatExport.objects.order_by("pk"))[2:]
    stats = run_glue(glue_job, spark, second, glue)
    assert stats == {"rows_added": 4, "files_written": 3, "files_deleted": 0}
    assert rows(glue) == rows(local) and len(rows(local)) == 15
    assert files(glue) == files(local)

    # One run over every export from scratch gives the same rows again.
    shutil.rmtree(glue)
    run_glue(glue_job, spark, list(ChatExport.objects.order_by("pk")), glue)
    assert rows(glue) == rows(local)


def test_glue_job_ships_the_uploaded_module_tree_to_spark(
    spark: Any, glue_job: Any, tmp_path: Path
) -> None:
    """On Glue, --python_modules names the tree Terraform uploaded; the job zips it for Spark."""
    from tests.spark.conftest import ROOT, SHIPPED

    uploaded = tmp_path / "glue" / "python"
    for name in SHIPPED:
        (uploaded / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, uploaded / name)
    bundle = glue_job.ship_modules(spark, uploaded.as_uri() + "/")
    with zipfile.ZipFile(bundle) as archive:
        files = [name for name in archive.namelist() if not name.endswith("/")]
    assert sorted(files) == sorted(SHIPPED)
    assert bundle.name in spark.sparkContext._python_includes


def test_glue_rebuilds_match_the_local_ones_after_a_rename_and_a_delete(
    spark: Any, glue_job: Any, owner: Any, tmp_path: Path
) -> None:
    local = Path(settings.LOCAL_STORAGE_DIR) / "silver" / "whatsapp"
    glue = tmp_path / "glue" / "silver" / "whatsapp"
    glue.mkdir(parents=True)
    ingest_export(upload_chat(owner, ANDROID).pk)
    ingest_export(upload_chat(owner, IOS, "WhatsApp Chat with Carla.txt").pk)
    later = upload_chat(owner, ANDROID + LATE + ANDROID_MORE)
    ingest_export(later.pk)
    run_glue(glue_job, spark, list(ChatExport.objects.order_by("pk")), glue)
    assert rows(glue) == rows(local) and len(rows(local)) == 15

    # A rename: both names' rows go, every export of either name is added again.
    dates = owner_dates(str(owner.pk))
    rename_chat(owner.pk, "Anna", "Anna B")
    renamed = list(ChatExport.objects.filter(chat_name="Anna B"))
    run_glue(
        glue_job,
        spark,
        renamed,
        glue,
        owner=owner.pk,
        rebuild_chats={"Anna", "Anna B"},
        rebuild_dates=dates,
    )
    assert rows(glue) == rows(local)
    assert {r[2] for r in rows(local)} == {"Anna B", "Carla"}

    # A deleted export: its chat is rebuilt from the exports it has left; an empty date goes.
    export = ChatExport.objects.get(source=later)
    StoredObject.objects.filter(pk=later.pk).update(deleted_at=dt.datetime.now(dt.UTC))
    dates = owner_dates(str(owner.pk))
    forget_export(owner.pk, "Anna B", export.bronze_key, ("2024-03-13", "2024-04-02"))
    left = list(ChatExport.objects.filter(chat_name="Anna B").exclude(pk=export.pk))
    stats = run_glue(
        glue_job,
        spark,
        [*left, export],
        glue,
        owner=owner.pk,
        rebuild_chats={"Anna B"},
        rebuild_dates=dates,
    )
    assert stats["files_deleted"] == 1  # 2 April held only the deleted export's messages
    assert rows(glue) == rows(local) and len(rows(local)) == 11
    assert files(glue) == files(local)
