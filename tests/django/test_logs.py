"""LOG_FORMAT=json: one JSON object per line, with the request id or the Celery task id."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from platform_site.celery import app as celery_app
from platform_site.logs import logging_config
from tests.django_process import clean_env, settings_of


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The root logger writing JSON lines to a buffer, as LOG_FORMAT=json configures it."""
    config = logging_config("json", "INFO")
    stream = io.StringIO()
    logging.config.dictConfig(config)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    yield stream
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def entries(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.django_db
def test_each_request_is_one_json_line_with_its_request_id(
    client: Client, json_lines: io.StringIO
) -> None:
    response = client.get("/accounts/login/")
    request_id = response["X-Request-ID"]
    [line] = [e for e in entries(json_lines) if e["logger"] == "platform.request"]
    assert line["request_id"] == request_id
    assert (line["method"], line["path"], line["status"]) == ("GET", "/accounts/login/", 200)
    assert line["level"] == "INFO" and "time" in line and "duration_ms" in line


@pytest.mark.django_db
def test_a_callers_request_id_is_kept(client: Client, json_lines: io.StringIO) -> None:
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="trace-abc-123")
    assert response["X-Request-ID"] == "trace-abc-123"


@celery_app.task(name="tests.log_inside")
def log_inside() -> None:
    logging.getLogger("ingestion.tasks").warning("inside", extra={"object_id": 7})


def test_logs_inside_a_celery_task_carry_its_task_id(json_lines: io.StringIO) -> None:
    # apply(): Celery's own tracer runs the task here, with its request and task id pushed.
    log_inside.apply(task_id="task-0001")
    logging.getLogger("ingestion.tasks").warning("outside")
    inside, outside = [e for e in entries(json_lines) if e["message"] in ("inside", "outside")]
    assert inside["task_id"] == "task-0001" and inside["object_id"] == 7
    assert "task_id" not in outside


def test_exceptions_stay_inside_their_one_line(json_lines: io.StringIO) -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        logging.getLogger("x").exception("failed")
    [line] = entries(json_lines)
    assert "ValueError: bad\nvalue" in line["exception"]


def test_log_format_json_is_a_setting_and_plain_the_default(tmp_path: Path) -> None:
    plain = settings_of(clean_env(tmp_path), "LOGGING")["LOGGING"]
    assert plain["handlers"]["console"]["formatter"] == "plain"
    chosen = settings_of(clean_env(tmp_path, LOG_FORMAT="json"), "LOGGING")["LOGGING"]
    assert chosen["handlers"]["console"]["formatter"] == "json"
