"""Offline checks of deploy/terraform: formatting, validation against the pinned provider, and
what every deployment must declare. Where this machine has no terraform binary or provider
mirror, the files are parsed with python-hcl2 instead (never nothing)."""

from __future__ import annotations

import ast
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


def resource(kind: str, name: str) -> dict[str, Any]:
    """One resource block of deploy/terraform, parsed (python-hcl2)."""
    for block in parsed()["resource"]:
        for found_kind, named in block.items():
            if unquote(found_kind) != kind:
                continue
            for found_name, body in named.items():
                if unquote(found_name) == name:
                    return dict(body)
    raise AssertionError(f"no resource {kind}.{name}")


def variable_default(name: str) -> Any:
    for block in parsed()["variable"]:
        for found, body in block.items():
            if unquote(found) == name:
                return body["default"]
    raise AssertionError(f"no variable {name}")


def test_cors_admits_only_part_puts_from_the_app_origin_and_exposes_the_etag() -> None:
    """Presigned multipart from the browser (ingestion/static/ingestion/transfer.js): PUT, and
    the part's ETag read back. Downloads are signed URLs the browser navigates to: no CORS."""
    pytest.importorskip("hcl2", reason="python-hcl2 (requirements-dev.txt)")
    [rule] = resource("aws_s3_bucket_cors_configuration", "data")["cors_rule"]
    assert [unquote(m) for m in rule["allowed_methods"]] == ["PUT"]
    assert rule["allowed_origins"] == ["${local.origin}"]
    assert [unquote(h) for h in rule["expose_headers"]] == ["ETag"]
    assert [unquote(h) for h in rule["allowed_headers"]] == ["Content-Type"]
    origin = (TERRAFORM_DIR / "versions.tf").read_text()
    assert re.search(r'origin\s*=\s*"https://\$\{var\.domain\}"', origin)


def test_the_glue_job_runs_about_ten_owners_at_once_and_has_a_timeout() -> None:
    """The app starts one run per owner at a time; the job caps how many owners go at once."""
    pytest.importorskip("hcl2", reason="python-hcl2 (requirements-dev.txt)")
    job = resource("aws_glue_job", "whatsapp_silver")
    [execution] = job["execution_property"]
    assert execution["max_concurrent_runs"] == "${var.glue_max_concurrent_runs}"
    assert 5 <= int(variable_default("glue_max_concurrent_runs")) <= 20
    assert job["timeout"] == "${var.glue_timeout_minutes}"
    assert 0 < int(variable_default("glue_timeout_minutes")) <= 180


# Settings chats/lake/glue.py reads that a deployment need not set: an emulator's endpoint
# (tests only) and the polling interval (a default in settings.py).
GLUE_OPTIONAL_SETTINGS = {"AWS_GLUE_ENDPOINT_URL", "GLUE_POLL_SECONDS"}


def test_the_tasks_environment_names_the_job_and_every_setting_the_glue_code_reads() -> None:
    pytest.importorskip("hcl2", reason="python-hcl2 (requirements-dev.txt)")
    source = (TERRAFORM_DIR.parents[1] / "chats" / "lake" / "glue.py").read_text()
    read = {
        node.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "settings"
    }
    assert "GLUE_JOB_NAME" in read
    [environment] = [
        block["app_environment"] for block in parsed()["locals"] if "app_environment" in block
    ]
    missing = read - GLUE_OPTIONAL_SETTINGS - set(environment)
    assert not missing, f"the ECS environment does not set {sorted(missing)}"
    assert environment["GLUE_JOB_NAME"] == "${aws_glue_job.whatsapp_silver.name}"
    assert environment["STORAGE_BUCKET"] == "${aws_s3_bucket.data.bucket}"
    # Every process's task definition, the worker's included, takes that one environment.
    definition = resource("aws_ecs_task_definition", "app")["container_definitions"]
    assert "environment = [for k, v in local.app_environment" in definition
