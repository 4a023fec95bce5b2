"""gunicorn's settings (``gunicorn --config python:platform_site.gunicorn platform_site.wsgi``):
the container's web process and ``runplatform``'s. Values from the environment, as settings."""

from __future__ import annotations

from platform_site.env import env_choice, env_int, env_str
from platform_site.logs import logging_config

bind = f"{env_str('HOST', '127.0.0.1')}:{env_int('PORT', 8000, minimum=1)}"
workers = env_int("WEB_WORKERS", 2, minimum=1)
threads = 4
# Large uploads stream through the web process in the embedded mode.
timeout = 900
graceful_timeout = 30
# Django logs each request (platform_site.logs.RequestIdMiddleware) with its request id.
accesslog = None
logconfig_dict = logging_config(
    env_choice("LOG_FORMAT", ("plain", "json"), "plain"), env_str("LOG_LEVEL", "INFO")
)
