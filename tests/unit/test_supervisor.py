"""The supervisor runplatform uses, on real child processes."""

from __future__ import annotations

import os
import signal
import sys
import time

from platform_site.supervisor import Program, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]
FAILING = [sys.executable, "-c", "import sys; sys.exit(3)"]


def step_until(supervisor: Supervisor, done: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:  # type: ignore[operator]
        supervisor.step()
        time.sleep(0.05)


def test_a_dead_child_is_restarted_while_the_others_keep_running() -> None:
    messages: list[str] = []
    supervisor = Supervisor(
        [Program("web", SLEEPER), Program("worker", SLEEPER)],
        say=messages.append,
        first_backoff=0.2,
    )
    supervisor.start()
    try:
        web, worker = supervisor.pid("web"), supervisor.pid("worker")
        assert worker is not None
        os.kill(worker, signal.SIGKILL)
        step_until(supervisor, lambda: supervisor.pid("worker") not in (None, worker))
        assert supervisor.pid("worker") not in (None, worker)
        assert supervisor.pid("web") == web
        assert not supervisor.stopping
        assert any(m.startswith("worker exited with -9") and "restarting" in m for m in messages)
    finally:
        supervisor.shutdown()


def test_backoff_doubles_between_fast_failures() -> None:
    messages: list[str] = []
    supervisor = Supervisor(
        [Program("events", FAILING)], say=messages.append, first_backoff=0.1, max_fast_failures=4
    )
    supervisor.start()
    try:
        step_until(supervisor, lambda: len(messages) >= 3)
    finally:
        supervisor.shutdown()
    assert [m.rsplit("restarting in ", 1)[1] for m in messages[:3]] == ["0.1 s", "0.2 s", "0.4 s"]


def test_repeated_fast_failures_stop_everything_and_say_why() -> None:
    messages: list[str] = []
    supervisor = Supervisor(
        [Program("web", SLEEPER), Program("events", FAILING)],
        say=messages.append,
        first_backoff=0.05,
        max_fast_failures=3,
    )
    supervisor.start()
    web = supervisor.children["web"].process
    step_until(supervisor, lambda: supervisor.stopping)
    supervisor.shutdown()
    assert supervisor.stopping
    assert supervisor.failure.startswith("events exited 3 times in a row within 30 s")
    assert "last exit code 3" in supervisor.failure
    assert web is not None and web.poll() is not None  # the others were stopped too


def test_a_child_that_ran_long_enough_starts_its_failure_count_afresh() -> None:
    supervisor = Supervisor(
        [Program("worker", FAILING)], say=lambda m: None, stable_seconds=0.0, first_backoff=0.05
    )
    supervisor.start()
    try:
        step_until(supervisor, lambda: supervisor.children["worker"].restarts >= 6, timeout=30)
    finally:
        supervisor.shutdown()
    assert not supervisor.stopping and supervisor.children["worker"].fast_failures == 1
