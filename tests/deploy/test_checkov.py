"""checkov over deploy/ (Terraform and Dockerfile): no failed check; each skipped one is skipped
inline with its reason, next to the resource it concerns."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.services import unavailable

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


@pytest.fixture(scope="module")
def report() -> dict[str, dict[str, Any]]:
    if not CHECKOV.exists():
        unavailable("checkov", "make checkov (requirements-checkov.txt)")
    done = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            "deploy",
            "--framework",
            "terraform",
            "dockerfile",
            "--skip-download",
            "--output",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    results = json.loads(done.stdout)
    by_type = {r["check_type"]: r for r in (results if isinstance(results, list) else [results])}
    summary = {kind: r["summary"] for kind, r in by_type.items()}
    print(f"\ncheckov: {summary}")
    return by_type


@pytest.mark.parametrize("framework", ["terraform", "dockerfile"])
def test_checkov_finds_no_failed_check(report: dict[str, dict[str, Any]], framework: str) -> None:
    result = report[framework]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in result["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    assert result["summary"]["passed"] > 0 and result["summary"]["parsing_errors"] == 0


def test_every_skip_names_its_check_and_says_why() -> None:
    skips = [
        line.strip()
        for path in (ROOT / "deploy").rglob("*")
        if path.suffix == ".tf" or path.name == "Dockerfile"
        for line in path.read_text().splitlines()
        if "checkov:skip" in line
    ]
    assert skips
    for skip in skips:
        assert re.fullmatch(r"#checkov:skip=CKV2?_[A-Z]+_\d+:\S.{20,}", skip), skip
