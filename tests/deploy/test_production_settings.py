"""The app with the environment the ECS tasks get (the Terraform outputs applied to moto, plus
the four secrets): Django's deployment checks find nothing to warn about."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.deploy.conftest import Applied
from tests.django_process import clean_env, manage, settings_of

pytestmark = [pytest.mark.services, pytest.mark.terraform]


def production_env(applied: Applied, oidc_provider: str, data_dir: Path) -> dict[str, str]:
    environment = dict(applied.outputs["environment"])
    # Cognito cannot be reached from here; a real provider process stands in for it.
    environment["OIDC_ISSUER"] = oidc_provider
    environment.pop("OIDC_LOGOUT_URL")
    environment["DATABASE_URL"] = f"sqlite:///{data_dir / 'db.sqlite3'}"
    return clean_env(
        data_dir,
        **environment,
        SECRET_KEY=secrets.token_urlsafe(48),
        REDIS_PASSWORD=secrets.token_urlsafe(32),
        DATABASE_PASSWORD=secrets.token_urlsafe(16),
        OIDC_CLIENT_SECRET=secrets.token_urlsafe(16),
    )


def test_check_deploy_is_clean_with_the_ecs_environment(
    applied: Applied, oidc_provider: str, tmp_path: Path
) -> None:
    done = manage(
        production_env(applied, oidc_provider, tmp_path),
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues (1 silenced)." in done.stdout


def test_the_ecs_environment_makes_https_only_json_logging_oidc_only_settings(
    applied: Applied, oidc_provider: str, tmp_path: Path
) -> None:
    values = settings_of(
        production_env(applied, oidc_provider, tmp_path),
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "LOCAL_SIGN_IN",
        "LOG_FORMAT",
        "CELERY_BROKER_URL",
        "OIDC_STAFF_GROUPS",
        "CHATS_ENGINE",
        "AUTHENTICATION_BACKENDS",
    )
    assert values["SECURE_SSL_REDIRECT"] and values["SESSION_COOKIE_SECURE"]
    assert values["LOCAL_SIGN_IN"] is False and values["LOG_FORMAT"] == "json"
    assert values["CELERY_BROKER_URL"].startswith("rediss://:")  # the AUTH token went in
    assert values["CELERY_BROKER_URL"].endswith("?ssl_cert_reqs=required")
    assert values["OIDC_STAFF_GROUPS"] == ["admins"] and values["CHATS_ENGINE"] == "athena"
    assert "django.contrib.auth.backends.ModelBackend" not in values["AUTHENTICATION_BACKENDS"]
