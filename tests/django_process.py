"""Run Django in a fresh process with a given environment: what the settings module makes of
environment variables can only be seen by importing it anew."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def clean_env(data_dir: Path, **values: str) -> dict[str, str]:
    """The test process's environment without the app's own variables, plus ``values``."""
    app_vars = (
        "DATABASE_URL",
        "REDIS_URL",
        "STORAGE_BUCKET",
        "OIDC_",
        "SQS_",
        "SECURE_",
        "LOG_",
        "ALLOWED_HOSTS",
        "CSRF_",
        "SECRET_KEY",
        "LOCAL_SIGN_IN",
        "CHATS_ENGINE",
        "ATHENA_",
        "PLATFORM_TESTING",
        "DEBUG",
        "AWS_S3_ENDPOINT_URL",
        "AWS_SQS_ENDPOINT_URL",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(app_vars)}
    return {**env, "DATA_DIR": str(data_dir), **values}


def manage(
    env: dict[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def settings_of(env: dict[str, str], *names: str) -> dict[str, Any]:
    """The named settings as a fresh process computes them from ``env`` (JSON-able or repr)."""
    code = (
        "import json, sys, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({n: getattr(settings, n, None) for n in sys.argv[1:]}, default=repr))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *names],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "platform_site.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    values: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return values
