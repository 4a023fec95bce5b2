"""Peak memory of the web process, and throughput, while it receives uploads of growing size,
by both paths: one streamed request (``POST /api/uploads``) and the resumable parts the upload
page uses (16 MB parts, three at a time, each written in place into one file).

Starts the web server as ``make run`` does (gunicorn, one worker of four threads, embedded
default) in a temp DATA_DIR, sends uploads of 64 MB, 512 MB and 2 GB from a generator (the
client holds no copy either), samples the gunicorn worker's resident memory every 20 ms and
prints its peak. The named peer is the file itself: a server that buffered the upload would
grow by its size.

Run: ``.venv/bin/python -m tests.benchmarks.bench_upload_memory [--sizes 64,512,2048]``
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return []
    return [int(p) for p in out.split()]


def sample(pid: int, done: threading.Event, peaks: list[int]) -> None:
    while not done.is_set():
        peaks.append(rss_kb(pid))
        time.sleep(0.02)


def multipart(size: int, boundary: str) -> tuple[Iterator[bytes], int]:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="storage_class"\r\n\r\nSTANDARD\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    chunk = (b"0123456789abcdef" * 65536)[:MB]

    def body() -> Iterator[bytes]:
        yield head
        left = size
        while left:
            piece = chunk[: min(left, MB)]
            left -= len(piece)
            yield piece
        yield tail

    return body(), len(head) + size + len(tail)


def post_whole(url: str, port: int, session: requests.Session, size: int) -> None:
    """``POST /api/uploads``: one multipart request, streamed to a temporary file."""
    boundary = uuid.uuid4().hex
    body, length = multipart(size, boundary)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    conn.putrequest("POST", "/api/uploads")
    cookies = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    for name, value in (
        ("Content-Type", f"multipart/form-data; boundary={boundary}"),
        ("Content-Length", str(length)),
        ("Cookie", cookies),
        ("X-CSRFToken", session.cookies["csrftoken"]),
        ("Referer", url),
    ):
        conn.putheader(name, value)
    conn.endheaders()
    for piece in body:
        conn.send(piece)
    response = conn.getresponse()
    text = response.read().decode()
    assert response.status == 201, text


def send_parts(url: str, port: int, session: requests.Session, size: int) -> None:
    """The upload page's protocol: start, part URLs, parts three at a time, complete."""
    headers = {"X-CSRFToken": session.cookies["csrftoken"], "Referer": url}
    started = session.post(
        f"{url}/api/uploads/multipart", json={"name": "big.bin", "size": size}, headers=headers
    )
    assert started.status_code == 201, started.text
    upload = started.json()
    numbers = list(range(1, upload["part_count"] + 1))
    urls: dict[str, str] = {}
    for first in range(0, len(numbers), 100):
        batch = ",".join(str(n) for n in numbers[first : first + 100])
        urls |= session.get(f"{url}{upload['status_url']}/parts?numbers={batch}").json()["urls"]
    chunk = (b"0123456789abcdef" * 65536)[:MB]
    part_size = upload["part_size"]

    def body(number: int) -> Iterator[bytes]:
        left = min(part_size, size - (number - 1) * part_size)
        while left:
            piece = chunk[: min(left, MB)]
            left -= len(piece)
            yield piece

    def put(number: int) -> dict[str, object]:
        length = min(part_size, size - (number - 1) * part_size)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        conn.putrequest("PUT", urls[str(number)])
        conn.putheader("Content-Length", str(length))
        conn.endheaders()
        for piece in body(number):
            conn.send(piece)
        response = conn.getresponse()
        text = response.read().decode()
        assert response.status == 200, text
        etag = response.getheader("ETag") or ""
        conn.close()
        return {"number": number, "etag": etag}

    with ThreadPoolExecutor(upload["parallel"]) as pool:
        parts = list(pool.map(put, numbers))
    done = session.post(
        f"{url}{upload['status_url']}/complete", json={"parts": parts}, headers=headers
    )
    assert done.status_code == 200, done.text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="64,512,2048", help="upload sizes in MB")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    port = 8700 + os.getpid() % 200
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "UPLOAD_MAX_SIZE": "8GB",
        "DJANGO_SUPERUSER_USERNAME": "bench",
        "DJANGO_SUPERUSER_PASSWORD": "bench-pass-1",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    py = sys.executable
    for step in (["migrate", "--noinput"], ["ensure_first_user"]):
        subprocess.run([py, "manage.py", *step], cwd=ROOT, env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [
            str(Path(py).parent / "gunicorn"),
            "platform_site.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--timeout",
            "900",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{url}/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        session = requests.Session()
        login = session.get(f"{url}/accounts/login/")
        session.post(
            f"{url}/accounts/login/",
            data={
                "username": "bench",
                "password": "bench-pass-1",
                "csrfmiddlewaretoken": login.cookies["csrftoken"],
            },
            headers={"Referer": login.url},
        )
        (worker,) = children(server.pid)
        print(
            f"{'path':>10} {'upload':>8} {'idle RSS':>10} {'peak RSS':>10} {'growth':>9} "
            f"{'growth/file':>12} {'MB/s':>7}",
            flush=True,
        )
        for size_mb in (int(s) for s in args.sizes.split(",")):
            for label, send in (("one POST", post_whole), ("parts", send_parts)):
                idle = rss_kb(worker)
                done = threading.Event()
                peaks = [idle]
                sampler = threading.Thread(target=sample, args=(worker, done, peaks))
                sampler.start()
                started = time.monotonic()
                try:
                    send(url, port, session, size_mb * MB)
                finally:
                    elapsed = time.monotonic() - started
                    done.set()
                    sampler.join()
                peak = max(peaks)
                growth = (peak - idle) / 1024
                print(
                    f"{label:>10} {size_mb:>6}MB {idle / 1024:>8.1f}MB {peak / 1024:>8.1f}MB "
                    f"{growth:>7.1f}MB {growth / size_mb:>11.3f}x {size_mb / elapsed:>7.0f}",
                    flush=True,
                )
        print("peer: a buffering server grows by the file size (growth/file = 1.000x)")
    finally:
        server.terminate()
        server.wait(20)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
