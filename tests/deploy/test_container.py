"""deploy/Dockerfile read as Docker would (no Docker engine here to build it): stages, user,
compiler, health check, and the commands the ECS tasks and runplatform run."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def stages() -> dict[str, list[tuple[str, str]]]:
    """Instructions per stage name: (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        if instruction.upper() == "FROM":
            current = found.setdefault(arguments.split(" AS ")[-1].strip(), [])
        current.append((instruction.upper(), arguments))
    return found


def test_two_stages_from_one_exactly_pinned_base() -> None:
    found = stages()
    assert list(found) == ["build", "runtime"]
    bases = {args.split(" AS ")[0] for stage in found.values() for i, args in stage if i == "FROM"}
    [base] = bases
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base)


def test_the_compiler_stays_in_the_build_stage_which_builds_the_parsers_c_steps() -> None:
    found = stages()
    build = " ".join(args for _, args in found["build"])
    assert "gcc" in build and "setup.py build_ext --inplace" in build
    runtime = found["runtime"]
    assert not any("gcc" in args or "build-essential" in args for _, args in runtime)
    assert ("COPY", "--from=build /src/chats/_speedups.*.so chats/") in runtime


def test_the_final_image_runs_as_a_user_that_is_not_root_and_checks_healthz() -> None:
    runtime = stages()["runtime"]
    users = [args for instruction, args in runtime if instruction == "USER"]
    assert users == ["app"]
    assert [i for i, _ in runtime].index("USER") < [i for i, _ in runtime].index("CMD")
    [check] = [args for instruction, args in runtime if instruction == "HEALTHCHECK"]
    assert "/healthz" in check
    [command] = [args for instruction, args in runtime if instruction == "CMD"]
    assert ast.literal_eval(command) == [
        "gunicorn",
        "--config",
        "python:platform_site.gunicorn",
        "platform_site.wsgi",
    ]


def test_dockerignore_keeps_secrets_state_and_tests_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", "var", "tests", "**/*.so", "deploy"):
        assert entry in ignored


def test_runplatform_runs_the_commands_the_image_documents() -> None:
    from platform_site.management.commands.runplatform import processes

    documented = DOCKERFILE.read_text()
    for program in processes():
        command = " ".join(
            Path(program.command[0]).name if i == 0 else part
            for i, part in enumerate(program.command)
        )
        command = command.replace(f"{Path(program.command[0]).name} manage.py", "python manage.py")
        if program.name == "worker":
            command = re.sub(r"--concurrency \d+", "--concurrency 2", command)
        assert f"#   {program.name:<8} {command}" in documented
