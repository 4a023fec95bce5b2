"""A resumable upload against the real server (as ``make run`` starts it): a connection that
drops in the middle of a part costs that part only, never the parts already stored."""

from __future__ import annotations

import os
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import requests

from tests.e2e.conftest import Platform, api_session

MB = 1024 * 1024
PART = 5 * MB


def put_then_drop(url: str, body: bytes, sent_before_drop: int) -> None:
    """Start a PUT of ``body`` and vanish after ``sent_before_drop`` bytes, as a phone does
    when it leaves the Wi-Fi: the socket closes with the part half sent."""
    split = urlsplit(url)
    with socket.create_connection((split.hostname, split.port or 80), timeout=10) as sock:
        head = (
            f"PUT {split.path}?{split.query} HTTP/1.1\r\nHost: {split.netloc}\r\n"
            f"Content-Length: {len(body)}\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        sock.sendall(head.encode() + body[:sent_before_drop])
        sock.shutdown(socket.SHUT_RDWR)


def test_a_dropped_connection_mid_part_resumes_without_resending_stored_parts(
    platform_app: Platform,
) -> None:
    session = api_session(platform_app)
    data = os.urandom(3 * PART + 12345)  # parts 1-3 of 5 MB and a short fourth
    started = session.post(
        f"{platform_app.url}/api/uploads/multipart",
        json={"name": "long drive.mp4", "size": len(data), "part_size": PART, "raw_only": True},
    )
    assert started.status_code == 201, started.text
    upload = started.json()
    status_url = platform_app.url + upload["status_url"]
    assert session.get(status_url).json()["status"] == "uploading"  # the row, before any byte
    urls = session.get(
        f"{platform_app.url}/api/uploads/{upload['id']}/parts", params={"numbers": "1,2,3,4"}
    ).json()["urls"]

    def body(number: int) -> bytes:
        return data[(number - 1) * PART : number * PART]

    def put(number: int) -> Any:
        return requests.put(platform_app.url + urls[str(number)], data=body(number), timeout=30)

    assert put(1).status_code == 200
    put_then_drop(platform_app.url + urls["2"], body(2), sent_before_drop=2 * MB)

    resumed = session.get(status_url).json()
    assert [p["number"] for p in resumed["parts"]] == [1]
    assert resumed["received"] == PART
    sent_after_resume = 0
    etags = {p["number"]: p["etag"] for p in resumed["parts"]}
    for number in range(1, upload["part_count"] + 1):
        if number in etags:
            continue
        response = put(number)
        assert response.status_code == 200, response.text
        etags[number] = response.headers["ETag"]
        sent_after_resume += len(body(number))
    assert sent_after_resume == len(data) - PART  # part 1 was never sent again

    done = session.post(
        f"{platform_app.url}/api/uploads/{upload['id']}/complete",
        json={"parts": [{"number": n, "etag": e} for n, e in sorted(etags.items())]},
    )
    assert done.status_code == 200, done.text
    deadline = time.monotonic() + 60
    while not (status := session.get(status_url).json())["final"]:
        assert time.monotonic() < deadline, status
        time.sleep(0.1)
    assert status["status"] == "done", status
    download = session.get(f"{platform_app.url}/library/{upload['id']}/download")
    assert download.content == data
