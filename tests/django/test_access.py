from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/library/", "/upload/", "/library/1/download"])
def test_pages_need_sign_in(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/api/uploads/1", "/api/objects?ids=1"])
def test_apis_answer_401_json(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_login_page_and_local_sign_in(client: Client, make_user: Any) -> None:
    make_user("bob")
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "bob", "password": "pw-bob"})
    assert response.status_code == 302
    assert client.get("/library/").status_code == 200


def test_sign_out_ends_the_session(owner_client: Any) -> None:
    owner_client.post("/accounts/logout/")
    assert owner_client.get("/library/").status_code == 302


def test_healthz_is_public_and_reports_each_part(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "storage"}


def test_healthz_is_503_when_storage_is_down(client: Client, settings: Any, tmp_path: Any) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "ingestion.backends.local.LocalStorage",
            "OPTIONS": {"location": blocker / "storage"},
        },
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


def test_bearer_token_is_refused_when_oidc_is_off(client: Client) -> None:
    response = client.get("/api/objects?ids=1", HTTP_AUTHORIZATION="Bearer abc.def.ghi")
    assert response.status_code == 401
