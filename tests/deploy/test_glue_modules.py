"""deploy/glue/modules.txt (what Terraform uploads for the Glue job) is exactly the repository's
modules the job imports, directly or through each other, and none of them needs Django or boto3."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JOB = ROOT / "deploy" / "glue" / "whatsapp_silver_job.py"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from chats import parse_steps` imports a module, not a name
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def repository_files(module: str) -> list[str]:
    """The files importing ``module`` loads from this repository (its packages' __init__ too)."""
    parts = module.split(".")
    files = []
    for depth in range(1, len(parts) + 1):
        package = ROOT.joinpath(*parts[:depth])
        if (package / "__init__.py").exists():
            files.append(f"{'/'.join(parts[:depth])}/__init__.py")
        elif package.with_suffix(".py").exists():
            files.append(f"{'/'.join(parts[:depth])}.py")
    return files


def closure() -> set[str]:
    todo, seen = [JOB], set()
    while todo:
        for module in imported_modules(todo.pop()):
            for name in repository_files(module):
                if name not in seen:
                    seen.add(name)
                    todo.append(ROOT / name)
    return seen


def listed() -> set[str]:
    lines = (ROOT / "deploy" / "glue" / "modules.txt").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_modules_txt_is_exactly_what_the_job_imports() -> None:
    assert listed() == closure()


def test_the_shipped_modules_import_neither_django_nor_boto3() -> None:
    for name in listed():
        roots = {module.split(".")[0] for module in imported_modules(ROOT / name)}
        assert not roots & {"django", "boto3", "botocore", "storages"}, name
