"""Running the project's Terraform offline: the terraform binary with a local provider mirror
(no registry), in a scratch copy of deploy/terraform so nothing is written into the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = ROOT / "deploy" / "terraform"
# Where this machine keeps an unpacked provider mirror (README: "Offline checks").
MIRRORS = [Path(p) for p in os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins").split(":")]
# Every AWS service the configuration talks to; moto's server answers them all on one port.
SERVICES = [
    "acm",
    "athena",
    "cloudwatch",
    "cognitoidp",
    "ec2",
    "ecr",
    "ecs",
    "elasticache",
    "elbv2",
    "glue",
    "iam",
    "logs",
    "rds",
    "route53",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "sts",
]


def terraform_binary() -> str | None:
    return shutil.which("terraform")


def provider_mirror() -> Path | None:
    """A mirror holding the pinned hashicorp/aws version, if this machine has one."""
    version = pinned_aws_version()
    for mirror in MIRRORS:
        if (mirror / "registry.terraform.io" / "hashicorp" / "aws" / version).is_dir():
            return mirror
    return None


def pinned_aws_version() -> str:
    text = (TERRAFORM_DIR / ".terraform.lock.hcl").read_text()
    return text.split('provider "registry.terraform.io/hashicorp/aws"')[1].split('"')[1]


class Workspace:
    """A scratch root module: deploy/terraform's files, with deploy/glue and chats beside it
    (glue.tf uploads them by relative path), and whatever override files a test adds."""

    def __init__(self, base: Path, mirror: Path) -> None:
        self.base = base
        self.dir = base / "deploy" / "terraform"
        self.dir.mkdir(parents=True)
        for path in TERRAFORM_DIR.iterdir():
            if path.suffix == ".tf" or path.name == ".terraform.lock.hcl":
                shutil.copy(path, self.dir / path.name)
        (base / "deploy" / "glue").symlink_to(ROOT / "deploy" / "glue")
        (base / "chats").symlink_to(ROOT / "chats")
        rc = base / "terraformrc"
        rc.write_text(
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path = "{mirror}"\n'
            '    include = ["registry.terraform.io/hashicorp/*"]\n  }\n'
            '  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n'
        )
        self.env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(rc),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
        }

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [terraform_binary() or "terraform", *args, "-no-color"],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(
                f"terraform {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
            )
        return done

    def moto_override(self, endpoint: str) -> None:
        """Point the provider at moto's server and keep the state in a local file."""
        endpoints = "\n".join(f'    {name} = "{endpoint}"' for name in SERVICES)
        (self.dir / "moto_override.tf").write_text(
            'terraform {\n  backend "local" {}\n}\n\n'
            'provider "aws" {\n'
            '  access_key                  = "testing"\n'
            '  secret_key                  = "testing"\n'
            "  skip_credentials_validation = true\n"
            "  skip_metadata_api_check     = true\n"
            "  s3_use_path_style           = true\n"
            f"  endpoints {{\n{endpoints}\n  }}\n}}\n"
        )

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "-json").stdout)
        return {name: entry["value"] for name, entry in raw.items()}

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.run("show", "-json").stdout)
        return state
