"""One Terraform apply against moto's server per session, shared by every test that reads it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.terraform import Workspace, provider_mirror, terraform_binary
from tests.services import free_port, reachable, unavailable

DOMAIN = "data.example.org"


@dataclass
class Applied:
    endpoint: str
    outputs: dict[str, Any]
    state: dict[str, Any]
    seconds: float

    def resources(self) -> list[dict[str, Any]]:
        return [
            r for r in self.state["values"]["root_module"]["resources"] if r["mode"] == "managed"
        ]


def terraform_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    if terraform_binary() is None:
        unavailable("terraform", "no terraform binary on PATH")
    mirror = provider_mirror()
    if mirror is None:
        unavailable("a Terraform provider mirror", "no hashicorp/aws in TF_PLUGIN_MIRROR")
    assert mirror is not None
    return Workspace(tmp_path_factory.mktemp("terraform"), mirror)


@pytest.fixture(scope="session")
def moto_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto server process of its own: certificates are issued at once, and no other test's
    buckets or queues are in it."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    env = {**os.environ, "MOTO_ACM_VALIDATION_WAIT": "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not reachable(url, port):
        if process.poll() is not None or time.monotonic() > deadline:
            unavailable("moto's server", log.read_text())
        time.sleep(0.1)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="session")
def applied(moto_aws: str, tmp_path_factory: pytest.TempPathFactory) -> Applied:
    """deploy/terraform applied to moto (emulated=true leaves out what moto cannot emulate)."""
    workspace = terraform_workspace(tmp_path_factory)
    workspace.moto_override(moto_aws)
    workspace.run("init", "-input=false")
    started = time.monotonic()
    workspace.run(
        "apply",
        "-auto-approve",
        "-input=false",
        "-parallelism=30",
        f"-var=domain={DOMAIN}",
        "-var=emulated=true",
        "-var=alarm_email=ops@example.org",
    )
    seconds = time.monotonic() - started
    print(f"\nterraform apply against moto: {seconds:.0f} s")
    return Applied(moto_aws, workspace.outputs(), workspace.state(), seconds)


@pytest.fixture(scope="session")
def workspace_for_checks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("tf-check"))
