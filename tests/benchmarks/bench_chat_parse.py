"""Chat-export parsing speed and peak memory: chats.whatsapp.parser against whatstk; and the
``manage.py parse_chat`` command against a careful stdlib program writing the same JSON.

Run from the project root: ``.venv/bin/python -m tests.benchmarks.bench_chat_parse``
(``--messages N`` for another size, ``--runs N`` for best-of-N). Each measurement runs in
its own subprocess so that peak RSS (``ru_maxrss``) belongs to that parser alone; the RSS of
a process that only imported the parser is shown beside it. ``chats.whatsapp.parser`` runs with its
C steps (``make speedups``); ``chats.whatsapp.parser/py`` is the same parser with them switched off,
as on a machine without a C compiler or in the Glue job.

The command line (``--cli-runs N``, 0 to skip): ``manage.py parse_chat FILE`` (Django start-up
included) and ``tests/benchmarks/stdlib_chat_json.py FILE``, each writing its JSON to
/dev/null, timed alternately (best of N, wall clock); their outputs are first checked to be
the same bytes. Goal: the command at least 2x faster.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

from tests.benchmarks.chat_export_gen import export_path

ROOT = Path(__file__).resolve().parents[2]
CLI = {
    "manage.py parse_chat": [sys.executable, "manage.py", "parse_chat"],
    "stdlib peer": [sys.executable, "-m", "tests.benchmarks.stdlib_chat_json"],
}


def _worker(parser: str, path: str, parse: bool) -> dict[str, float]:
    if parser.startswith("chats.whatsapp.parser"):
        from chats.whatsapp import steps as parse_steps
        from chats.whatsapp.parser import parse as parse_export

        if parser == "chats.whatsapp.parser/py":
            parse_steps._speedups = None  # type: ignore[attr-defined,assignment]
        elif parse_steps._speedups is None:  # type: ignore[attr-defined]
            raise SystemExit("chats.whatsapp._speedups is not built: run `make speedups` first")

        def run() -> int:
            with open(path, "rb") as stream:
                counter = deque(enumerate(parse_export(stream), 1), maxlen=1)
                return counter[0][0] if counter else 0

    else:
        from whatstk import WhatsAppChat

        def run() -> int:
            chat = WhatsAppChat.from_source(
                filepath=path, hformat="%d/%m/%Y, %H:%M - %name:", max_size=None
            )
            return len(chat.df)

    start = time.perf_counter()
    count = run() if parse else 0
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"messages": count, "seconds": elapsed, "peak_mb": peak}


def _measure(parser: str, path: Path, parse: bool) -> dict[str, float]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            __spec__.name if __spec__ else "tests.benchmarks.bench_chat_parse",
            "--worker",
            parser,
            str(path),
        ]
        + ([] if parse else ["--import-only"]),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def _cli_digest(command: list[str], path: Path) -> str:
    """sha256 of what the command prints for the export."""
    digest = hashlib.sha256()
    with subprocess.Popen([*command, str(path)], cwd=ROOT, stdout=subprocess.PIPE) as process:
        assert process.stdout is not None
        for block in iter(lambda: process.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
            digest.update(block)
    if process.returncode:
        raise SystemExit(f"{command} failed with {process.returncode}")
    return digest.hexdigest()


def _cli_seconds(command: list[str], path: Path) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds) of one run; CPU time is what a busy machine blurs least."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        subprocess.run([*command, str(path)], cwd=ROOT, stdout=sink, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def compare_cli(path: Path, runs: int) -> None:
    """The command against the stdlib peer: same output, then best-of-N times and the ratio."""
    digests = {name: _cli_digest(command, path) for name, command in CLI.items()}
    if len(set(digests.values())) != 1:
        raise SystemExit(f"the JSON differs: {digests}")
    print(f"\nJSON output: identical ({next(iter(digests.values()))[:16]}…)")
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in CLI}
    for _ in range(runs):
        for name, command in CLI.items():
            times[name].append(_cli_seconds(command, path))
    for name, found in times.items():
        walls = [round(wall, 2) for wall, _ in found]
        cpu = min(c for _, c in found)
        print(f"  {name}: wall {walls} s, best {min(walls):.2f} s; best CPU {cpu:.2f} s")
    ours, peer = times["manage.py parse_chat"], times["stdlib peer"]
    wall_ratio = min(w for w, _ in peer) / min(w for w, _ in ours)
    cpu_ratio = min(c for _, c in peer) / min(c for _, c in ours)
    print(
        f"parse_chat is {wall_ratio:.2f}x faster than the stdlib peer in wall-clock time, "
        f"{cpu_ratio:.2f}x in CPU time (goal: at least 2x)"
    )


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--messages", type=int, default=1_000_000)
    args.add_argument("--runs", type=int, default=3)
    args.add_argument("--cli-runs", type=int, default=3)
    args.add_argument("--peers", nargs="*", default=["chats.whatsapp.parser/py", "whatstk"])
    args.add_argument("--worker")
    args.add_argument("--import-only", action="store_true")
    args.add_argument("path", nargs="?")
    ns = args.parse_args()
    if ns.worker:
        print(json.dumps(_worker(ns.worker, ns.path, not ns.import_only)))
        return

    path = export_path(ns.messages)
    size_mb = path.stat().st_size / 1e6
    print(f"export: {path} ({size_mb:.1f} MB, {ns.messages:,} messages)")
    rows = []
    for parser in ["chats.whatsapp.parser", *ns.peers]:
        runs = [_measure(parser, path, True) for _ in range(ns.runs)]
        best = min(runs, key=lambda r: r["seconds"])
        idle_run = _measure(parser, path, False)
        rows.append((parser, best, max(r["peak_mb"] for r in runs), idle_run["peak_mb"]))
        print(f"  {parser}: {[round(r['seconds'], 2) for r in runs]} s", flush=True)

    ours = rows[0][1]
    header = (
        f"{'parser':<17} {'messages':>10} {'best s':>8} {'msgs/s':>10} {'MB/s':>7} "
        f"{'peak RSS MB':>12} {'import-only MB':>15} {'time ratio':>11} {'RSS ratio':>10}"
    )
    print()
    print(header)
    print("-" * len(header))
    for parser, fastest, peak, idle in rows:
        seconds = fastest["seconds"]
        rate = fastest["messages"] / seconds
        print(
            f"{parser:<17} {int(fastest['messages']):>10,} {seconds:>8.2f} {rate:>10,.0f} "
            f"{size_mb / seconds:>7.1f} {peak:>12.1f} {idle:>15.1f} "
            f"{seconds / ours['seconds']:>10.1f}x {peak / rows[0][2]:>9.1f}x"
        )
    print("\nratios are peer / chats.whatsapp.parser (higher = chats.whatsapp.parser is better)")
    if ns.cli_runs:
        compare_cli(path, ns.cli_runs)


if __name__ == "__main__":
    main()
