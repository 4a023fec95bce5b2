"""One local SparkSession per test session, with the Glue job's modules shipped as py-files."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services import unavailable

ROOT = Path(__file__).resolve().parents[2]
GLUE_JOB = ROOT / "deploy" / "glue" / "whatsapp_silver_job.py"
# What the Glue job is deployed with (deploy/glue/modules.txt, uploaded by Terraform): the pure
# modules, nothing of Django.
SHIPPED = tuple(
    line.strip()
    for line in (ROOT / "deploy" / "glue" / "modules.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        unavailable("pyspark", "pip install pyspark")
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and Path(java_home, "bin", "java").exists()):
        unavailable("Java", "no java on PATH and no JAVA_HOME; apt-get install openjdk-17-jre")
    # py4j logs while the interpreter shuts down, after pytest closed the streams.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    bundle = tmp_path_factory.mktemp("glue") / "glue-chats.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for name in SHIPPED:
            archive.write(ROOT / name, name)
    session = (
        SparkSession.builder.master("local[1]")
        .appName("glue-job-test")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.addPyFile(str(bundle))
    session.sparkContext.addPyFile(str(GLUE_JOB))
    yield session
    session.stop()


@pytest.fixture(scope="session")
def glue_job() -> Any:
    """The job module, imported by the name the executors know it by (addPyFile)."""
    sys.path.insert(0, str(GLUE_JOB.parent))
    try:
        import whatsapp_silver_job
    finally:
        sys.path.remove(str(GLUE_JOB.parent))
    return whatsapp_silver_job


@pytest.fixture(autouse=True)
def _fresh_storage_dir(settings: Any, tmp_path: Path) -> None:
    """Each test's local writer stores files in a directory of its own."""
    settings.LOCAL_STORAGE_DIR = tmp_path / "storage"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "ingestion.backends.local.LocalStorage",
            "OPTIONS": {"location": tmp_path / "storage"},
        },
    }
