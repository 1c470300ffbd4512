"""Child processes that live and die with `safecampus demo`: the task consumer, the device
simulator and the ingestor.

- Each runs in a process group of its own: the terminal's Ctrl-C reaches only the demo, which
  stops them in order, and stopping a group also stops whatever a helper started itself.
- `Helpers.stop()` sends SIGTERM to every group, waits (at most `STOP_TIMEOUT` seconds in all)
  and kills with SIGKILL what has not stopped; the demo calls it however it ends (Ctrl-C,
  SIGTERM, the server failing to start).
- On Linux the kernel also sends each helper SIGTERM when the demo dies without a chance to
  clean up (SIGKILL, a crash): `prctl(PR_SET_PDEATHSIG)`, set in the child before it runs.
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

STOP_TIMEOUT = 10.0
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that asks the kernel for SIGTERM when the parent dies (Linux only). libc is
    loaded here, in the parent: between fork and exec the child only makes two system calls."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
        os.killpg(pgid, signum)


@dataclass
class Helper:
    name: str
    process: subprocess.Popen[bytes]


class Helpers:
    """The demo's child processes (each the leader of its own process group)."""

    def __init__(self, stop_timeout: float = STOP_TIMEOUT) -> None:
        self.stop_timeout = stop_timeout
        self.running: list[Helper] = []

    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> Helper:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            list(argv),
            env=env,
            stdin=subprocess.DEVNULL,
            process_group=0,
            preexec_fn=_die_with_parent(),  # noqa: PLW1509 - two system calls, no Python locks
        )
        helper = Helper(name, process)
        self.running.append(helper)
        return helper

    def stop(self) -> list[str]:
        """Stop every helper: SIGTERM, a wait, SIGKILL for those still running. Answers the
        names of the helpers that had to be killed."""
        for helper in self.running:
            if helper.process.poll() is None:
                _signal_group(helper.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        killed = []
        for helper in self.running:
            try:
                helper.process.wait(timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                killed.append(helper.name)
                _signal_group(helper.process.pid, signal.SIGKILL)
                helper.process.wait()
            # Anything the helper started and left behind in its group.
            _signal_group(helper.process.pid, signal.SIGKILL)
        self.running = []
        return killed
