"""The real app, started as ``make run`` starts it (embedded default: SQLite, files on disk,
filesystem broker, a worker), driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.services import free_port, unavailable

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@dataclass
class Platform:
    url: str
    username: str
    password: str
    data_dir: Path
    env: dict[str, str]

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout


@contextmanager
def running_platform(**extra_env: str) -> Iterator[Platform]:
    """``make run``'s processes in a fresh DATA_DIR (``extra_env`` e.g. for the AWS mode)."""
    data_dir = Path(tempfile.mkdtemp(prefix="platform-e2e-"))
    port = int(extra_env.pop("PORT", None) or free_port())
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "PLATFORM_TESTING", "CI", "STORAGE_BUCKET")
    }
    env.update(
        DATA_DIR=str(data_dir),
        PORT=str(port),
        DJANGO_SUPERUSER_USERNAME="owner",
        DJANGO_SUPERUSER_PASSWORD="e2e-pass-123",
        WEB_WORKERS="1",
        WORKER_CONCURRENCY="1",
        UPLOAD_PART_SIZE="5MB",  # S3's smallest parts: several parts from files of a few MB
        **extra_env,
    )
    for step in (["migrate", "--noinput"], ["ensure_first_user"]):
        subprocess.run(
            [sys.executable, "manage.py", *step], cwd=ROOT, env=env, check=True, capture_output=True
        )
    log = (data_dir / "platform.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runplatform"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(
                "the platform did not start:\n" + (data_dir / "platform.log").read_text()
            )
        time.sleep(0.3)
    try:
        yield Platform(url, "owner", "e2e-pass-123", data_dir, env)
    finally:
        process.send_signal(2)  # Ctrl-C, as a person would
        process.wait(30)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def platform_app() -> Iterator[Platform]:
    with running_platform() as platform:
        yield platform


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        unavailable("Chromium", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, platform_app: Platform) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(20_000)
    violations = watch_csp(page)
    sign_in(page, platform_app.url, platform_app.username, platform_app.password)
    yield page
    context.close()
    # Every page a test visited kept to the Content-Security-Policy (no inline script/style).
    assert not violations, violations


def wait_until(page: Any, expression: str, timeout: float = 20, arg: Any = None) -> Any:
    """Poll a page expression until it is truthy. (Playwright's wait_for_function evaluates its
    predicate with eval inside the page, which the Content-Security-Policy rightly refuses.)"""
    deadline = time.monotonic() + timeout
    while not (value := page.evaluate(expression, arg)):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {expression}")
        time.sleep(0.1)
    return value


def watch_csp(page: Any) -> list[str]:
    """Chromium's reports of anything the Content-Security-Policy refused on ``page``."""
    violations: list[str] = []

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return violations


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    """Sign in through the local sign-in form and land on the library."""
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/library/")


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


AXE = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"


def axe_problems(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of the given impacts in the page as it is now, one line each.

    axe is evaluated through the DevTools protocol, not added as a <script>, so a page's
    Content-Security-Policy neither blocks it nor has to allow it."""
    if not AXE.exists():
        unavailable("axe-core", "`make test` installs it with npm from tests/e2e/package-lock.json")
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + (n.failureSummary ? ': ' +"
        " n.failureSummary.split('\\n').slice(1, 2).join('') : ''))})))"
    )
    return [
        f"{v['impact']} {v['id']} ({v['help']}): " + " | ".join(v["nodes"][:4])
        for v in result
        if v["impact"] in impacts
    ]


def api_session(platform: Platform) -> requests.Session:
    """A signed-in session for the JSON API, sending the CSRF token as the pages do."""
    session = requests.Session()
    login = session.get(f"{platform.url}/accounts/login/")
    session.post(
        f"{platform.url}/accounts/login/",
        data={
            "username": platform.username,
            "password": platform.password,
            "csrfmiddlewaretoken": login.cookies["csrftoken"],
        },
        headers={"Referer": login.url},
    )
    session.headers.update({"X-CSRFToken": session.cookies["csrftoken"], "Referer": platform.url})
    return session
