"""/healthz: liveness for load balancers; /healthz/ready: the staff readiness report."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from ingestion.models import Status, StoredObject
from platform_site import readiness

pytestmark = pytest.mark.django_db


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def test_liveness_answers_the_load_balancers_probe_by_ip_over_plain_http(
    client: Client, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = ["data.example.org"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.40.10.23:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_other_paths_still_refuse_hosts_outside_allowed_hosts(
    client: Client, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = ["data.example.org"]
    assert client.get("/accounts/login/", HTTP_HOST="10.40.10.23:8000").status_code == 400
    assert client.get("/healthz/ready", HTTP_HOST="evil.example").status_code == 400


def test_liveness_writes_nothing_and_names_no_path(client: Client) -> None:
    before = files_under(Path(django_settings.DATA_DIR))
    body = client.get("/healthz").content.decode()
    assert files_under(Path(django_settings.DATA_DIR)) == before
    assert str(django_settings.DATA_DIR) not in body and "/" not in json.loads(body)["status"]


def test_readiness_is_for_staff_only(client: Client, make_user: Any) -> None:
    assert client.get("/healthz/ready").status_code == 401
    client.force_login(make_user("plain"))
    response = client.get("/healthz/ready")
    assert response.status_code == 403 and response.json() == {"error": "staff only"}


@pytest.fixture
def staff_client(client: Client, make_user: Any) -> Client:
    client.force_login(make_user("operator", is_staff=True))
    return client


def test_readiness_reports_each_part_with_a_live_worker(staff_client: Client) -> None:
    readiness.record_heartbeat("test-worker")
    response = staff_client.get("/healthz/ready")
    body = response.json()
    assert response.status_code == 200, body
    assert set(body["checks"]) == {"database", "broker", "storage", "worker", "work"}
    assert body["checks"]["worker"]["last_heartbeat_seconds"] < 5


def test_readiness_is_503_when_storage_is_down_and_shows_no_path_or_error_text(
    staff_client: Client, settings: Any, tmp_path: Path
) -> None:
    readiness.record_heartbeat("test-worker")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "ingestion.backends.local.LocalStorage",
            "OPTIONS": {"location": blocker / "storage"},
        },
    }
    response = staff_client.get("/healthz/ready")
    assert response.status_code == 503
    storage = response.json()["checks"]["storage"]
    assert storage["ok"] is False and storage["error"].isidentifier()
    assert str(tmp_path) not in response.content.decode()


def test_readiness_counts_work_that_waits_too_long(staff_client: Client, owner: Any) -> None:
    readiness.record_heartbeat("test-worker")
    old = timezone.now() - timedelta(hours=1)
    StoredObject.objects.create(
        owner=owner,
        bucket="local",
        key="misc/1/a/x",
        etag="e",
        kind="misc",
        original_name="x",
        status=Status.RECEIVED,
        created_at=old,
    )
    response = staff_client.get("/healthz/ready")
    assert response.status_code == 503
    work = response.json()["checks"]["work"]
    assert work["ok"] is False and work["received_not_enqueued"] == 1


@pytest.mark.django_db(transaction=True)
def test_120_concurrent_readiness_probes_all_succeed(live_server: Any, make_user: Any) -> None:
    readiness.record_heartbeat("test-worker")
    make_user("operator", is_staff=True)
    session = requests.Session()
    session.get(f"{live_server.url}/accounts/login/")
    signed_in = session.post(
        f"{live_server.url}/accounts/login/",
        data={
            "username": "operator",
            "password": "pw-operator",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
    )
    assert signed_in.status_code == 302
    cookies = session.cookies.get_dict()

    def probe(path: str) -> int:
        return requests.get(f"{live_server.url}{path}", cookies=cookies, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=24) as pool:
        codes = list(pool.map(probe, ["/healthz/ready"] * 120))
    assert codes.count(200) == 120, codes
