"""Keep `make run`'s processes up: a child that dies is started again, with backoff.

One crashed process (a Celery worker killed by the OOM killer, a web process that hit a bug in a
C extension) must not take the whole site down with it: the others keep serving while it comes
back. A child that keeps dying right after each start is a crash loop (a broken setting, a port
taken); restarting it forever would only hide that, so the supervisor gives up loudly instead.

The supervisor runs in the launcher's main thread and is polled from its loop: no threads, and
a signal handler only has to set a flag.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Say = Callable[[str], None]


class CrashLoop(Exception):
    """A child died again and again right after starting; restarting it would not help."""


@dataclass(frozen=True)
class RestartPolicy:
    """Backoff doubles from `backoff_s` to `backoff_max_s` over crashes in a row; a child that
    ran `stable_after_s` counts as healthy again. `max_crashes` quick crashes in a row is a loop."""

    backoff_s: float = 0.5
    backoff_max_s: float = 10.0
    stable_after_s: float = 30.0
    max_crashes: int = 5


@dataclass
class Child:
    """A named process of `make run` and how to start it again."""

    name: str
    start: Callable[[], subprocess.Popen[bytes]]
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    crashes: int = 0  # quick crashes in a row
    restart_at: float | None = None

    def launch(self, now: float) -> None:
        self.process = self.start()
        self.started_at, self.restart_at = now, None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


class Supervisor:
    def __init__(self, children: list[Child], say: Say) -> None:
        self.children = children
        self.say = say

    def start(self) -> None:
        now = time.monotonic()
        for child in self.children:
            child.launch(now)
            self.say(f"{child.name} started (pid {child.pid})")

    def poll(self) -> None:
        """Notice children that exited and restart those whose backoff has passed.

        Raises CrashLoop when a child exceeded its policy's crashes in a row.
        """
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.launch(now)
                    self.say(f"{child.name} restarted (pid {child.pid})")
                continue
            if child.process is None or (code := child.process.poll()) is None:
                continue
            ran_s = now - child.started_at
            child.crashes = 1 if ran_s >= child.policy.stable_after_s else child.crashes + 1
            if child.crashes > child.policy.max_crashes:
                raise CrashLoop(
                    f"{child.name} exited {child.crashes} times in a row within "
                    f"{child.policy.stable_after_s:.0f} s of starting (last exit status {code}); "
                    "giving up"
                )
            delay = min(child.policy.backoff_max_s,
                        child.policy.backoff_s * 2 ** (child.crashes - 1))
            child.restart_at = now + delay
            self.say(f"{child.name} (pid {child.pid}) exited with status {code} after "
                     f"{ran_s:.1f} s; restarting in {delay:.1f} s")

    def stop(self, timeout_s: float = 20.0) -> None:
        """SIGTERM to every running child, SIGKILL to those still there after `timeout_s`."""
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for child in self.children:
            child.restart_at = None
