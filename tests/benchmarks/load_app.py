"""The platform as ``bench_load`` drives it: ``runplatform`` started in a temp DATA_DIR on the
embedded default or on PostgreSQL + Redis, accounts made, sessions signed in, the files the
simulated users upload, and the final accounting read from the app's own database and storage.
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from PIL import Image, ImageDraw

from tests.benchmarks.chat_export_gen import generate as chat_export

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "load-bench-pass-7"


class App:
    """``manage.py runplatform`` (gunicorn + a Celery worker, supervised) on a free port."""

    def __init__(self, mode: str, database_url: str, redis_url: str, port: int) -> None:
        self.mode = mode
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"bench-load-{mode}-"))
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATA_DIR": str(self.data_dir), "PORT": str(port)}
        for name in ("DATABASE_URL", "REDIS_URL", "STORAGE_BUCKET", "SQS_QUEUE_URL", "CI"):
            env.pop(name, None)
        for name in ("PLATFORM_TESTING", "DEBUG", "OIDC_ISSUER"):
            env.pop(name, None)
        env["LOG_LEVEL"] = "WARNING"
        if mode == "postgres":
            env.update(DATABASE_URL=database_url, REDIS_URL=redis_url)
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.data_dir / "runplatform.log"

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args[:1])} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def query(self, code: str) -> Any:
        """Run ``code`` in the app's Django (it sets ``result``) and return ``result``."""
        script = f"import json\nresult = None\n{code}\nprint('RESULT=' + json.dumps(result))"
        out = self.manage("shell", "-c", script)
        line = [row for row in out.splitlines() if row.startswith("RESULT=")][-1]
        return json.loads(line.removeprefix("RESULT="))

    def prepare(self, accounts: int) -> list[str]:
        """A fresh database (flushed on PostgreSQL, FLUSHDB of the Redis db) and accounts."""
        self.manage("migrate", "--noinput")
        if self.mode == "postgres":
            self.manage("flush", "--noinput")
            import redis

            redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()
        names = [f"load{i}" for i in range(accounts)]
        self.query(
            "from django.contrib.auth import get_user_model\n"
            "User = get_user_model()\n"
            f"for i, name in enumerate({names!r}):\n"
            f"    User.objects.create_user(name, password={PASSWORD!r}, is_staff=(i == 0))\n"
        )
        return names

    def start(self) -> None:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runplatform"],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("runplatform exited:\n" + self.log.read_text()[-3000:])
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.3)
        else:
            raise RuntimeError("runplatform did not answer /healthz in 90 s")
        # The worker announces itself with a heartbeat; wait until readiness sees it.
        staff = self.session("load0")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            report = staff.get(f"{self.url}/healthz/ready", timeout=10)
            if report.status_code == 200 and report.json()["checks"]["worker"]["ok"]:
                return
            time.sleep(1)
        raise RuntimeError("the worker never reported ready:\n" + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def session(self, username: str) -> requests.Session:
        session = requests.Session()
        session.get(f"{self.url}/accounts/login/", timeout=30)
        signed_in = session.post(
            f"{self.url}/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": f"{self.url}/accounts/login/"},
            timeout=30,
        )
        if "sessionid" not in session.cookies:
            raise RuntimeError(f"sign-in of {username} failed: {signed_in.status_code}")
        session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
        return session

    def unfinished(self, ids: list[int]) -> int:
        return int(
            self.query(
                "from ingestion.models import StoredObject, FINAL_STATUSES\n"
                f"result = StoredObject.objects.filter(pk__in={ids!r})"
                ".exclude(status__in=FINAL_STATUSES).count()"
            )
        )

    def drain(self, ids: list[int], timeout: float) -> float:
        """Seconds until every row in ``ids`` is done, rejected or failed."""
        started = time.monotonic()
        while self.unfinished(ids):
            if time.monotonic() - started > timeout:
                break
            time.sleep(2)
        return time.monotonic() - started

    def accounting(self, ids: list[int]) -> dict[str, Any]:
        """Ledger rows, stored objects and outcomes of the uploads ``ids``."""
        return dict(
            self.query(
                "from collections import Counter\n"
                "from ingestion import storage\n"
                "from ingestion.models import StoredObject\n"
                f"rows = list(StoredObject.objects.filter(pk__in={ids!r}))\n"
                "def outcome(o):\n"
                "    for name in ('photo', 'dataset', 'chat_export'):\n"
                "        if hasattr(o, name):\n"
                "            return name\n"
                "    return None\n"
                "result = {\n"
                "    'rows': len(rows),\n"
                "    'stored': sum(1 for o in rows if storage.exists(o.key)),\n"
                "    'status': dict(Counter(o.status for o in rows)),\n"
                "    'outcomes': sum(1 for o in rows if o.status == 'done' and outcome(o)),\n"
                "    'reasons': sorted({o.reason for o in rows if o.status != 'done'})[:5],\n"
                "}\n"
            )
        )

    def dataset_ids(self) -> dict[str, list[int]]:
        return dict(
            self.query(
                "from datasets.models import Dataset\n"
                "result = {}\n"
                "for d in Dataset.objects.select_related('owner'):\n"
                "    result.setdefault(d.owner.username, []).append(d.pk)\n"
            )
        )


def photo(n: int) -> tuple[str, bytes, str]:
    rng = random.Random(n)
    image = Image.new("RGB", (480, 360), (rng.randrange(256), rng.randrange(256), 90))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y, r = rng.randrange(480), rng.randrange(360), rng.randrange(10, 120)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(rng.randrange(256), 40, n % 256))
    exif = Image.Exif()
    exif[0x0110] = "LoadCam"
    exif[0x9003] = f"2024:{n % 12 + 1:02d}:{n % 27 + 1:02d} 10:00:00"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, exif=exif)
    return f"IMG_load_{n}.jpg", buffer.getvalue(), "image/jpeg"


def csv_file(n: int) -> tuple[str, bytes, str]:
    rng = random.Random(n)
    lines = ["id,city,amount,when"]
    for i in range(200):
        city = rng.choice(["Lisbon", "Oslo", "Kyoto", "Lima"])
        lines.append(f"{i},{city},{rng.uniform(1, 500):.2f},2024-0{i % 9 + 1}-1{i % 9}")
    return f"load_{n}.csv", ("\n".join(lines) + "\n").encode(), "text/csv"


def chat_file(n: int) -> tuple[str, bytes, str]:
    return f"WhatsApp Chat with Load {n}.txt", chat_export(messages=300, seed=n), "text/plain"
