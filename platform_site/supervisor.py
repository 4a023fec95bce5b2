"""Run a table of processes and keep them running: what ``runplatform`` does.

A child that exits is started again after a backoff (1 s, doubling up to 30 s). A child that
keeps dying soon after it starts (``max_fast_failures`` times in a row, each within
``stable_seconds`` of its start) stops everything, with a message saying which and why: a
broken configuration should not spin forever. One that ran for ``stable_seconds`` starts its
count afresh. SIGINT/SIGTERM stop every child (SIGTERM, then SIGKILL after a grace period).
Pure: no Django, so it is tested with plain commands.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Program:
    name: str
    command: Sequence[str]
    env: Mapping[str, str] | None = None


@dataclass
class _Child:
    program: Program
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    fast_failures: int = 0
    restart_at: float | None = None
    restarts: int = 0


@dataclass
class Supervisor:
    programs: Sequence[Program]
    say: Callable[[str], None] = print
    stable_seconds: float = 30.0
    max_fast_failures: int = 5
    first_backoff: float = 1.0
    max_backoff: float = 30.0
    grace_seconds: float = 20.0
    poll_seconds: float = 0.2
    children: dict[str, _Child] = field(default_factory=dict)
    stopping: bool = False
    failure: str = ""

    def run(self) -> int:
        """Start everything and supervise until stopped; 0 when asked to stop, 1 on failure."""
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGTERM, self.stop)
        self.start()
        try:
            while not self.stopping:
                self.step()
                time.sleep(self.poll_seconds)
        finally:
            self.shutdown()
        if self.failure:
            self.say(self.failure)
            return 1
        return 0

    def start(self) -> None:
        for program in self.programs:
            child = self.children[program.name] = _Child(program)
            self._start(child)

    def pid(self, name: str) -> int | None:
        process = self.children[name].process
        return process.pid if process else None

    def stop(self, signum: int = 0, frame: Any = None) -> None:
        self.stopping = True

    def step(self) -> None:
        """Notice children that exited; restart those whose backoff is over."""
        now = time.monotonic()
        for child in self.children.values():
            process = child.process
            if process is not None and process.poll() is not None:
                self._exited(child, process.returncode, now)
            if child.restart_at is not None and now >= child.restart_at and not self.stopping:
                child.restart_at = None
                child.restarts += 1
                self._start(child)

    def _exited(self, child: _Child, code: int, now: float) -> None:
        name = child.program.name
        child.process = None
        ran = now - child.started
        child.fast_failures = child.fast_failures + 1 if ran < self.stable_seconds else 1
        if child.fast_failures >= self.max_fast_failures:
            self.failure = (
                f"{name} exited {child.fast_failures} times in a row within "
                f"{self.stable_seconds:g} s of starting (last exit code {code}); "
                "stopping everything: see its output above"
            )
            self.stopping = True
            return
        backoff = min(self.max_backoff, self.first_backoff * 2 ** (child.fast_failures - 1))
        self.say(f"{name} exited with {code} after {ran:.1f} s; restarting in {backoff:g} s")
        child.restart_at = now + backoff

    def _start(self, child: _Child) -> None:
        child.process = subprocess.Popen(list(child.program.command), env=child.program.env)
        child.started = time.monotonic()

    def shutdown(self) -> None:
        running = [
            c.process for c in self.children.values() if c.process and c.process.poll() is None
        ]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
