"""The real authorization-code round trip against a real OIDC provider process."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture
def oidc(oidc_provider: str, settings: Any) -> str:
    config = requests.get(f"{oidc_provider}/.well-known/openid-configuration", timeout=5).json()
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "platform-web"
    settings.OIDC_RP_CLIENT_SECRET = "platform-secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = config["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = config["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = config["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = config["jwks_uri"]
    settings.OIDC_OP_ISSUER = config["issuer"]
    settings.OIDC_OP_LOGOUT_ENDPOINT = config["end_session_endpoint"]
    settings.OIDC_LOGOUT_STYLE = "standard"
    settings.AUTHENTICATION_BACKENDS = [
        "platform_site.auth.OIDCBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    return oidc_provider


def start_sign_in(client: Client) -> str:
    """Follow the app's redirects to the provider; return the provider's authorization URL."""
    login = client.get("/library/")
    assert login["Location"].startswith("/accounts/login/")
    to_init = client.get(login["Location"])
    assert to_init["Location"].startswith("/oidc/authenticate/")
    to_provider = client.get(to_init["Location"])
    assert to_provider.status_code == 302
    return str(to_provider["Location"])


def approve_at_provider(authorize_url: str, sub: str) -> str:
    """Sign in at the provider's own form; return where it sends the browser back."""
    form = requests.get(authorize_url, timeout=5)
    assert form.status_code == 200 and 'name="sub"' in form.text
    answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return str(answer.headers["Location"])


def test_sign_in_round_trip_creates_the_user_from_claims_and_signs_out_at_the_provider(
    oidc: str,
) -> None:
    client = Client()
    authorize_url = start_sign_in(client)
    query = parse_qs(urlparse(authorize_url).query)
    assert query["response_type"] == ["code"] and query["nonce"] and query["state"]
    callback = approve_at_provider(authorize_url, "alice-sub-1")
    assert urlparse(callback).path == "/oidc/callback/"
    done = client.get(urlparse(callback).path + "?" + urlparse(callback).query)
    assert done.status_code == 302 and done["Location"] == "/library/"  # back where they were going
    assert client.get("/library/").status_code == 200

    user = get_user_model().objects.get(username="alice-sub-1")
    assert (user.email, user.first_name, user.last_name) == (
        "alice@example.org",
        "Alice",
        "Liddell",
    )

    bye = client.post("/accounts/logout/")
    assert bye.status_code == 302
    assert bye["Location"].startswith(f"{oidc}/oauth2/end_session?")
    assert "id_token_hint=" in bye["Location"]
    assert requests.get(bye["Location"], timeout=5).status_code == 200
    assert client.get("/library/").status_code == 302


def test_tampered_state_is_refused(oidc: str) -> None:
    client = Client()
    callback = approve_at_provider(start_sign_in(client), "alice-sub-1")
    parsed = urlparse(callback)
    params = parse_qs(parsed.query)
    tampered = f"{parsed.path}?code={params['code'][0]}&state=forged-{params['state'][0]}"
    response = client.get(tampered)
    assert response.status_code == 400
    assert client.get("/library/").status_code == 302
    assert not get_user_model().objects.filter(username="alice-sub-1").exists()


def test_api_accepts_the_providers_id_token_as_bearer(oidc: str) -> None:
    browser = Client()
    callback = approve_at_provider(start_sign_in(browser), "alice-sub-1")
    browser.get(urlparse(callback).path + "?" + urlparse(callback).query)
    id_token = browser.session["oidc_id_token"]

    api = Client()
    assert api.get("/api/objects?ids=1").status_code == 401
    ok = api.get("/api/objects?ids=1", HTTP_AUTHORIZATION=f"Bearer {id_token}")
    assert ok.status_code == 200 and ok.json() == {"objects": []}
    head, payload, signature = id_token.split(".")
    forged = f"{head}.{payload}.{signature[::-1]}"
    assert api.get("/api/objects?ids=1", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401


def sign_in(sub: str) -> Client:
    client = Client()
    callback = approve_at_provider(start_sign_in(client), sub)
    client.get(urlparse(callback).path + "?" + urlparse(callback).query)
    return client


def test_members_of_the_staff_group_are_staff_and_reach_the_admin(oidc: str, settings: Any) -> None:
    settings.OIDC_STAFF_GROUPS = ["admins"]
    settings.OIDC_GROUPS_CLAIM = "cognito:groups"
    claims = {"email": "root@example.org", "cognito:groups": ["admins", "family"]}
    assert requests.put(f"{oidc}/users/staff-sub-1", json=claims, timeout=5).status_code == 204
    requests.put(f"{oidc}/users/member-sub-1", json={"cognito:groups": ["family"]}, timeout=5)

    staff = sign_in("staff-sub-1")
    user = get_user_model().objects.get(username="staff-sub-1")
    assert user.is_staff and user.is_superuser
    assert staff.get("/admin/").status_code == 200

    member = sign_in("member-sub-1")
    assert not get_user_model().objects.get(username="member-sub-1").is_staff
    assert member.get("/admin/").status_code == 302

    # Taken out of the group at the provider: no longer staff from the next sign-in on.
    requests.put(f"{oidc}/users/staff-sub-1", json={"cognito:groups": ["family"]}, timeout=5)
    sign_in("staff-sub-1")
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser
