"""The app behind an HTTPS load balancer with Cognito: what issue 11 found broken in AWS mode."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from tests.django_process import clean_env, manage, settings_of

pytestmark = pytest.mark.django_db

OIDC: dict[str, Any] = {
    "OIDC_ENABLED": True,
    "OIDC_RP_CLIENT_ID": "web",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://auth.example.org/oauth2/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://auth.example.org/oauth2/token",
    "OIDC_OP_USER_ENDPOINT": "https://auth.example.org/oauth2/userInfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.org/jwks.json",
    "OIDC_OP_LOGOUT_ENDPOINT": "https://auth.example.org/logout",
    "OIDC_LOGOUT_STYLE": "cognito",
    "LOCAL_SIGN_IN": False,
    "AUTHENTICATION_BACKENDS": [
        "axes.backends.AxesStandaloneBackend",
        "platform_site.auth.OIDCBackend",
    ],
}


@pytest.fixture
def behind_alb(settings: Any) -> Any:
    """What SECURE_PROXY=true makes of the settings (checked below in a fresh process)."""
    settings.ALLOWED_HOSTS = ["data.example.org"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    for name, value in OIDC.items():
        setattr(settings, name, value)
    return settings


ALB: dict[str, Any] = {"HTTP_HOST": "data.example.org", "HTTP_X_FORWARDED_PROTO": "https"}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_secure_proxy_turns_on_proxy_header_redirect_hsts_and_secure_cookies(
    tmp_path: Path,
) -> None:
    values = settings_of(
        clean_env(tmp_path, SECURE_PROXY="true"),
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    )
    assert values == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


def test_behind_the_alb_the_oidc_redirect_uri_is_https(client: Client, behind_alb: Any) -> None:
    response = client.get("/oidc/authenticate/", **ALB)
    assert response.status_code == 302
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["redirect_uri"] == ["https://data.example.org/oidc/callback/"]


def test_behind_the_alb_the_cognito_logout_uri_is_https(
    client: Client, behind_alb: Any, owner: Any
) -> None:
    client.force_login(owner)
    response = client.post("/accounts/logout/", **ALB)
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["logout_uri"] == ["https://data.example.org/"]


def test_plain_http_is_redirected_to_https_with_hsts_on_answers(
    client: Client, behind_alb: Any
) -> None:
    plain = client.get("/library/", HTTP_HOST="data.example.org", HTTP_X_FORWARDED_PROTO="http")
    assert plain.status_code == 301 and plain["Location"] == "https://data.example.org/library/"
    secure = client.get("/accounts/login/", **ALB)
    assert "max-age=31536000" in secure["Strict-Transport-Security"]


def test_with_oidc_on_local_password_sign_in_is_refused(
    client: Client, behind_alb: Any, make_user: Any
) -> None:
    make_user("bob")
    form = client.get("/accounts/login/?local=1", **ALB)
    assert form.status_code == 302 and form["Location"].startswith("/oidc/authenticate/")
    posted = client.post(
        "/accounts/login/?local=1", {"username": "bob", "password": "pw-bob"}, **ALB
    )
    assert posted.status_code == 302 and posted["Location"].startswith("/oidc/authenticate/")
    admin = client.post("/admin/login/", {"username": "bob", "password": "pw-bob"}, **ALB)
    assert admin.status_code == 302
    assert "_auth_user_id" not in client.session


def test_local_sign_in_setting_brings_the_password_form_back(
    client: Client, behind_alb: Any, make_user: Any
) -> None:
    behind_alb.LOCAL_SIGN_IN = True
    behind_alb.AUTHENTICATION_BACKENDS = [
        *OIDC["AUTHENTICATION_BACKENDS"],
        "django.contrib.auth.backends.ModelBackend",
    ]
    make_user("bob")
    assert client.get("/accounts/login/?local=1", **ALB).status_code == 200
    posted = client.post(
        "/accounts/login/?local=1", {"username": "bob", "password": "pw-bob"}, **ALB
    )
    assert posted.status_code == 302 and "_auth_user_id" in client.session


def test_oidc_settings_drop_password_backends_unless_local_sign_in_is_on(tmp_path: Path) -> None:
    oidc_env = {"OIDC_ISSUER": "https://idp.example.org/pool", "OIDC_CLIENT_ID": "web"}
    off = settings_of(clean_env(tmp_path, **oidc_env), "AUTHENTICATION_BACKENDS", "LOCAL_SIGN_IN")
    assert off["LOCAL_SIGN_IN"] is False
    assert "django.contrib.auth.backends.ModelBackend" not in off["AUTHENTICATION_BACKENDS"]
    on = settings_of(
        clean_env(tmp_path, LOCAL_SIGN_IN="true", **oidc_env), "AUTHENTICATION_BACKENDS"
    )
    assert "django.contrib.auth.backends.ModelBackend" in on["AUTHENTICATION_BACKENDS"]


def test_settings_do_no_network_io_and_check_reports_an_unreachable_provider(
    tmp_path: Path,
) -> None:
    env = clean_env(
        tmp_path,
        OIDC_ISSUER=f"http://127.0.0.1:{closed_port()}/pool",
        OIDC_CLIENT_ID="web",
    )
    assert settings_of(env, "OIDC_RP_CLIENT_ID") == {"OIDC_RP_CLIENT_ID": "web"}
    checked = manage(env, "check")
    assert checked.returncode == 0, checked.stderr
    assert "platform.W001" in checked.stderr and "cannot be reached" in checked.stderr


def test_sign_in_with_an_unreachable_provider_is_a_503(client: Client, settings: Any) -> None:
    from platform_site import oidc

    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "web"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = oidc.endpoint(
        f"http://127.0.0.1:{closed_port()}", "authorization_endpoint"
    )
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 503
    assert b"cannot be reached" in response.content
