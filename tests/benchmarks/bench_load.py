"""The whole platform under load: 20 simulated users for 60 s mixing gallery pages, chat
searches, dataset pages and uploads, against ``runplatform`` (gunicorn + a Celery worker, as
``make run`` starts them) on the embedded default (SQLite + filesystem broker) and on
PostgreSQL + Redis.

Prints requests/s, p50/p95/p99 per kind of request, the count of 5xx (and what they said), and
after the worker drains: uploads sent = ledger rows = stored objects = processed outcomes. Then
120 concurrent liveness probes (``/healthz``, anonymous), then 120 concurrent readiness probes
(``/healthz/ready``, as staff), and how many of each were not 200.
Figures only: no time is asserted.

The users are a thread pool of ``requests`` sessions (closed loop, a short random think time),
not locust: locust would add gevent and 16 other packages to the shared virtualenv, and its
monkey-patching of sockets, threads and ``subprocess`` would reach into this process, which
also starts and watches the app's processes. Each user is signed in with a session of its own;
the users share ``--accounts`` accounts (so uploads of one owner overlap, as in a family).
Before the timed run each account uploads a chat, two photos and a CSV, so searches and dataset
pages have something to find; the worker drains those first.

Run: ``.venv/bin/python -m tests.benchmarks.bench_load [--modes embedded,postgres]
[--users 20] [--seconds 60]``. PostgreSQL mode needs ``--database-url`` (flushed first) and
``--redis-url`` (its db is FLUSHDB'd first), or BENCH_DATABASE_URL and BENCH_REDIS_URL: give
it a database and a Redis db of your own; without them it is skipped, saying so.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.benchmarks.load_app import App, chat_file, csv_file, photo
from tests.services import free_port

SEARCH_WORDS = ["dinner", "train", "station", "café", "keys", "tomorrow", "東京", "sorry"]
MAKERS = (photo, photo, csv_file, chat_file)  # what an upload sends: half photos


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    server_errors: list[str] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)  # no answer at all
    upload_ids: list[int] = field(default_factory=list)

    def record(self, kind: str, seconds: float, response: requests.Response) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            self.statuses[kind][response.status_code] += 1
            if response.status_code >= 500:
                self.server_errors.append(
                    f"{kind} {response.request.method} {response.url}: "
                    f"{response.status_code} {response.text[:200]!r}"
                )


class User:
    """One simulated user: a signed-in session picking what to do next by weight."""

    def __init__(self, app: App, session: requests.Session, datasets: list[int], seed: int):
        self.app, self.session, self.datasets = app, session, datasets
        self.rng = random.Random(seed)
        self.seed = seed
        self.sent = 0
        self.actions: list[tuple[int, Callable[[Results], None]]] = [
            (3, self.gallery),
            (3, self.chat_search),
            (2, self.dataset),
            (1, self.upload),
        ]

    def get(self, results: Results, kind: str, path: str) -> requests.Response | None:
        return self.call(results, kind, "GET", path)

    def call(
        self, results: Results, kind: str, method: str, path: str, **kwargs: Any
    ) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.app.url + path, timeout=120, **kwargs)
        except requests.RequestException as exc:
            with results.lock:
                results.failures[f"{kind}: {type(exc).__name__}"] += 1
            return None
        results.record(kind, time.perf_counter() - started, response)
        return response

    def gallery(self, results: Results) -> None:
        if self.rng.random() < 0.5:
            self.get(results, "gallery page", "/photos/")
        else:
            self.get(results, "gallery api", "/api/photos?limit=60")

    def chat_search(self, results: Results) -> None:
        self.get(results, "chat search", f"/chats/search?q={self.rng.choice(SEARCH_WORDS)}")

    def dataset(self, results: Results) -> None:
        if self.datasets and self.rng.random() < 0.7:
            self.get(results, "dataset page", f"/datasets/{self.rng.choice(self.datasets)}/")
        else:
            self.get(results, "dataset list", "/datasets/")

    def upload(self, results: Results) -> None:
        self.sent += 1
        number = self.seed * 100_000 + self.sent
        name, body, content_type = self.rng.choice(MAKERS)(number)
        response = self.call(
            results,
            "upload",
            "POST",
            "/api/uploads",
            files={"file": (name, body, content_type)},
            data={"storage_class": "STANDARD"},
        )
        if response is not None and response.status_code == 201:
            with results.lock:
                results.upload_ids.append(int(response.json()["id"]))

    def run(self, results: Results, until: float, think: float) -> None:
        weights = [w for w, _ in self.actions]
        actions = [a for _, a in self.actions]
        while time.monotonic() < until:
            self.rng.choices(actions, weights)[0](results)
            time.sleep(self.rng.uniform(0, think))


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def seed(app: App, sessions: dict[str, requests.Session]) -> list[int]:
    """Each account uploads a chat, two photos and a CSV; their ids."""
    ids: list[int] = []
    for index, (name, session) in enumerate(sessions.items()):
        for maker in (chat_file, photo, photo, csv_file):
            file_name, body, content_type = maker(index * 10 + len(ids))
            response = session.post(
                f"{app.url}/api/uploads",
                files={"file": (file_name, body, content_type)},
                data={"storage_class": "STANDARD"},
                timeout=120,
            )
            if response.status_code != 201:
                raise RuntimeError(
                    f"seed upload for {name}: {response.status_code} {response.text}"
                )
            ids.append(int(response.json()["id"]))
    return ids


def probes(app: App, path: str, cookies: dict[str, str], count: int) -> Counter[int]:
    """The statuses of ``count`` probes of ``path`` sent at once (released by one barrier)."""
    answers: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(count)

    def probe(i: int) -> None:
        start.wait()
        try:
            status = requests.get(app.url + path, cookies=cookies, timeout=60).status_code
        except requests.RequestException:
            status = 0  # no answer
        with lock:
            answers[status] += 1

    with ThreadPoolExecutor(count) as pool:
        list(pool.map(probe, range(count)))
    return answers


def run_mode(mode: str, args: argparse.Namespace) -> None:
    app = App(mode, args.database_url, args.redis_url, free_port())
    print(f"\n--- {mode}: {args.users} users, {args.seconds} s, data in {app.data_dir} ---")
    accounts = app.prepare(args.accounts)
    try:
        app.start()
        sessions = {name: app.session(name) for name in accounts}
        seeded = seed(app, sessions)
        waited = app.drain(seeded, timeout=600)
        print(f"seeded {len(seeded)} uploads, processed in {waited:.1f} s")
        datasets = app.dataset_ids()
        users = []
        for i in range(args.users):
            name = accounts[i % len(accounts)]
            users.append(User(app, app.session(name), datasets.get(name, []), seed=i + 1))
        results = Results()
        log_offset = app.log.stat().st_size  # start-up waits (readiness 503s) are not counted
        started = time.monotonic()
        until = started + args.seconds
        with ThreadPoolExecutor(args.users) as pool:
            for future in [pool.submit(u.run, results, until, args.think) for u in users]:
                future.result()
        elapsed = time.monotonic() - started
        report(results, elapsed)
        sent = len(results.upload_ids)
        waited = app.drain(results.upload_ids, timeout=900)
        ledger = app.accounting(results.upload_ids)
        print(
            f"uploads sent {sent} = ledger rows {ledger['rows']} = stored objects "
            f"{ledger['stored']} = processed outcomes {ledger['outcomes']} "
            f"(statuses {ledger['status']}; drained {waited:.1f} s after the run)"
        )
        if ledger["reasons"]:
            print(f"  not done: {ledger['reasons']}")
        staff = sessions[accounts[0]].cookies.get_dict()
        for path, cookies in (("/healthz", {}), ("/healthz/ready", staff)):
            counts = probes(app, path, cookies, args.probes)
            bad = sum(n for status, n in counts.items() if status != 200)
            print(f"{args.probes} concurrent {path}: {bad} not 200 {dict(counts)}")
    finally:
        app.stop()
    with app.log.open("rb") as handle:
        handle.seek(log_offset)
        logged = handle.read().decode(errors="replace")
    errors = [
        line
        for line in logged.splitlines()
        if any(w in line for w in (" ERROR ", " CRITICAL ", "Traceback"))
    ]
    print(f"error lines in the app's log during and after the run: {len(errors)}")
    for line in errors[:5]:
        print(f"  {line[:240]}")
    if errors or results.server_errors:
        print(f"(the app's log and data are kept in {app.data_dir})")
    else:
        shutil.rmtree(app.data_dir, ignore_errors=True)


def report(results: Results, elapsed: float) -> None:
    total = sum(len(v) for v in results.times.values())
    print(f"{total} requests in {elapsed:.1f} s: {total / elapsed:.1f} requests/s")
    print(f"{'kind':<14}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    for kind in sorted(results.times):
        values = results.times[kind]
        p50, p95, p99 = (percentile(values, q) * 1000 for q in (50, 95, 99))
        statuses = dict(sorted(results.statuses[kind].items()))
        print(
            f"{kind:<14}{len(values):>7}{len(values) / elapsed:>8.1f}"
            f"{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}  {statuses}"
        )
    print(f"5xx: {len(results.server_errors)}")
    for line in results.server_errors[:10]:
        print(f"  {line}")
    if results.failures:
        print(f"no answer: {dict(results.failures)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modes", default="embedded,postgres")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--accounts", type=int, default=5)
    parser.add_argument("--think", type=float, default=0.2, help="max think time, seconds")
    parser.add_argument("--probes", type=int, default=120)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""))
    args = parser.parse_args()
    for mode in args.modes.split(","):
        if mode.strip() == "postgres" and not (args.database_url and args.redis_url):
            print(
                "\n--- postgres: skipped: give it a database and a Redis db of its own "
                "(--database-url/--redis-url or BENCH_DATABASE_URL/BENCH_REDIS_URL; "
                "both are emptied first) ---"
            )
            continue
        run_mode(mode.strip(), args)


if __name__ == "__main__":
    main()
