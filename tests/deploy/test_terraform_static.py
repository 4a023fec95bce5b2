"""Offline checks of deploy/terraform: formatting, validation against the pinned provider, and
what every deployment must declare. Where this machine has no terraform binary or provider
mirror, the files are parsed with python-hcl2 instead (never nothing)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.terraform import (
    TERRAFORM_DIR,
    Workspace,
    pinned_aws_version,
    provider_mirror,
    terraform_binary,
)
from tests.services import in_ci


def parsed() -> dict[str, list[dict[str, Any]]]:
    """Every block of every .tf file, by block type (python-hcl2)."""
    import hcl2

    blocks: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(TERRAFORM_DIR.glob("*.tf")):
        with path.open() as handle:
            for kind, values in hcl2.load(handle).items():
                blocks.setdefault(kind, []).extend(values)
    return blocks


def test_terraform_fmt_leaves_every_file_unchanged() -> None:
    if terraform_binary() is None:
        if in_ci():
            pytest.fail("CI must run terraform fmt: no terraform binary on PATH")
        pytest.skip("no terraform binary: formatting unchecked here (the files are parsed below)")
    done = subprocess.run(
        [str(terraform_binary()), "fmt", "-check", "-diff", "-recursive", str(TERRAFORM_DIR)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_terraform_validate_passes_with_the_pinned_provider(tmp_path: Path) -> None:
    mirror = provider_mirror()
    if terraform_binary() is None or mirror is None:
        if in_ci():
            pytest.fail("CI must run terraform validate: no terraform binary or provider mirror")
        pytest.skip("no terraform binary with a provider mirror: the files are parsed below")
    workspace = Workspace(tmp_path, mirror)
    workspace.run("init", "-backend=false", "-input=false")
    assert "Success" in workspace.run("validate").stdout
    # init changed nothing the repository pins: the committed lock file already matches.
    assert (workspace.dir / ".terraform.lock.hcl").read_text() == (
        TERRAFORM_DIR / ".terraform.lock.hcl"
    ).read_text()


def test_the_files_parse_and_declare_version_provider_backend_and_tags() -> None:
    pytest.importorskip("hcl2", reason="python-hcl2 (requirements-dev.txt)")
    blocks = parsed()
    [settings] = blocks["terraform"]
    assert unquote(settings["required_version"]).startswith(">= 1.10")
    aws = settings["required_providers"][0]["aws"]
    assert unquote(aws["version"]) == pinned_aws_version()  # exact pin, as in the lock file
    assert [unquote(name) for name in settings["backend"][0] if name != "__is_block__"] == ["s3"]
    [provider] = [p['"aws"'] for p in blocks["provider"]]
    assert "Project" in provider["default_tags"][0]["tags"]
    names = {unquote(name) for block in blocks["resource"] for name in block}
    assert {"aws_ecs_service", "aws_db_instance", "aws_glue_job", "aws_cognito_user_pool"} <= names


def unquote(value: str) -> str:
    return value[1:-1] if value.startswith('"') and value.endswith('"') else value


def test_the_lock_file_pins_exactly_the_required_provider_version() -> None:
    lock = (TERRAFORM_DIR / ".terraform.lock.hcl").read_text()
    versions = re.findall(r'^\s*version\s*=\s*"([^"]+)"', lock, re.M)
    constraints = re.findall(r'^\s*constraints\s*=\s*"([^"]+)"', lock, re.M)
    assert versions == constraints == [pinned_aws_version()]
    assert set(re.findall(r'provider "([^"]+)"', lock)) == {"registry.terraform.io/hashicorp/aws"}


def test_every_output_the_app_reads_is_a_known_setting() -> None:
    """The ECS environment names only variables the app reads (README's table lists each)."""
    readme = (TERRAFORM_DIR.parents[1] / "README.md").read_text()
    compute = (TERRAFORM_DIR / "compute.tf").read_text()
    block = compute.split("app_environment = {")[1].split("\n  }")[0]
    names = re.findall(r"^\s*([A-Z][A-Z0-9_]+)\s*=", block, re.M)
    assert "AWS_REGION" in names and len(names) > 15
    missing = [name for name in names if f"`{name}`" not in readme]
    assert not missing, f"README's environment table does not explain {missing}"
