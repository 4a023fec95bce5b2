"""The strict Content-Security-Policy in Chromium: every page works with no inline script or
style (values reach the CSSOM through data-style; the page fixture fails on any violation)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.e2e.conftest import Platform

pytestmark = pytest.mark.browser


def test_pages_send_a_policy_without_unsafe_inline(platform_app: Platform) -> None:
    policy = requests.get(f"{platform_app.url}/accounts/login/", timeout=10).headers[
        "Content-Security-Policy"
    ]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize(
    "path", ["/library/", "/upload/", "/photos/", "/chats/", "/datasets/", "/admin/"]
)
def test_each_page_loads_without_a_policy_violation(
    page: Any, platform_app: Platform, path: str
) -> None:
    response = page.goto(f"{platform_app.url}{path}")
    assert response.status == 200
    page.wait_for_load_state("networkidle")
