"""Chat-export parsing speed and peak memory: chats.whatsapp.parser against whatstk.

Run from the project root: ``.venv/bin/python -m tests.benchmarks.bench_chat_parse``
(``--messages N`` for another size, ``--runs N`` for best-of-N). Each measurement runs in
its own subprocess so that peak RSS (``ru_maxrss``) belongs to that parser alone; the RSS of
a process that only imported the parser is shown beside it. ``chats.whatsapp.parser`` runs with its
C steps (``make speedups``); ``chats.whatsapp.parser/py`` is the same parser with them switched off,
as on a machine without a C compiler or in the Glue job.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

from tests.benchmarks.chat_export_gen import export_path


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


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--messages", type=int, default=1_000_000)
    args.add_argument("--runs", type=int, default=3)
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


if __name__ == "__main__":
    main()
