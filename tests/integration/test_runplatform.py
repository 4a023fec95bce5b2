"""`runplatform` (what `make run` starts) keeps the platform up when one of its processes dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import ROOT
from tests.services import free_port

pytestmark = pytest.mark.services


def children_of(pid: int) -> dict[int, str]:
    """{pid: command line} of the direct children of ``pid``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def worker_pid(platform: int) -> int | None:
    pids = [pid for pid, cmd in children_of(platform).items() if " worker " in f"{cmd} "]
    return pids[0] if pids else None


@pytest.fixture
def platform() -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    data_dir = Path(tempfile.mkdtemp(prefix="runplatform-"))
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "PLATFORM_TESTING", "CI", "STORAGE_BUCKET")
    }
    env.update(DATA_DIR=str(data_dir), PORT=str(port), WEB_WORKERS="1", WORKER_CONCURRENCY="1")
    log = data_dir / "platform.log"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runplatform"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/healthz", timeout=2).ok and worker_pid(process.pid):
                break
        except requests.RequestException:
            pass
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    yield process, url, log
    process.send_signal(signal.SIGINT)
    process.wait(30)


def test_killed_worker_main_process_is_restarted_while_the_web_keeps_answering(
    platform: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, url, log = platform
    killed = worker_pid(process.pid)
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    answers = []
    deadline = time.monotonic() + 30
    while worker_pid(process.pid) in (None, killed) and time.monotonic() < deadline:
        answers.append(requests.get(f"{url}/healthz", timeout=5).status_code)
        time.sleep(0.1)
    restarted = worker_pid(process.pid)
    assert restarted not in (None, killed), log.read_text()
    assert answers and set(answers) == {200}
    assert process.poll() is None
    assert b"worker exited with -9" in log.read_bytes()
