"""Stopping a server or worker a test started: politely first, then for sure, so no test leaves
a process behind to hold a port or a database connection."""

from __future__ import annotations

import subprocess


def process_stop(process: subprocess.Popen[bytes], *, grace_s: float = 10) -> None:
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
