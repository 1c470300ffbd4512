"""`safecampus demo` as a user runs it: a real process on a free port in a data directory of its
own. Its helpers (task consumer, device simulator) stop with it however it ends, and what it
prints is Chinese.

The data directory holds a migrated database with one school and one camera instead of the demo
city (whose generation takes ~20 s): `demo` only generates into an empty database, and the
simulator needs a registered device. Processes are looked up in /proc (Linux), by the PIDs the
command prints and their process groups.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .servers import free_port, healthy, server_env, tail

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads processes from /proc"
)

START_TIMEOUT = 60  # seconds until /healthz answers and the helpers are listed
STOP_TIMEOUT = 30

SMALL_CITY = """
import django
django.setup()
from django.core.management import call_command
call_command("audit-key", verbosity=0)  # as `safecampus demo` does: migrate writes entries
call_command("migrate", verbosity=0)
from safecampus.audit.context import Actor, acting_as
from safecampus.devices.models import Camera
from safecampus.orgs.models import OrgUnit, School
with acting_as(Actor(channel="cli", username="test")):
    city = OrgUnit.objects.create(kind="city", name="测试市", code="T1")
    district = OrgUnit.objects.create(kind="district", name="甲区", code="TA", parent=city)
    unit = OrgUnit.objects.create(kind="school", name="甲区第一小学", code="TA01", parent=district)
    school = School.objects.create(
        unit=unit, district=district, school_type="primary", ownership="public",
        students=600, staff=40,
    )
    Camera.objects.create(
        school=school, name="校门口", device_id="37060200001310000001", place="main_entrance"
    )
"""


@pytest.fixture(scope="module")
def small_city(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo-small-city")
    subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", SMALL_CITY],
        env=server_env(path),
        cwd=path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return path


@pytest.fixture
def data_dir(small_city, tmp_path) -> Path:
    path = tmp_path / "data"
    shutil.copytree(small_city, path)
    return path


def _state(pid: int) -> str | None:
    """The process's state letter, None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _running(pid: int) -> bool:
    return _state(pid) not in (None, "Z", "X")  # a zombie has ended, whoever reaps it


def _group(pgid: int) -> list[int]:
    """The live processes of a process group."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


class Demo:
    """`safecampus demo` in a session of its own, as under a terminal: a Ctrl-C goes to its
    process group (`interrupt`)."""

    def __init__(self, data_dir: Path, port: int | None = None):
        self.log = data_dir / "demo.log"
        self.port = port or free_port()
        with self.log.open("w", encoding="utf-8") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
                [sys.executable, "-m", "safecampus", "demo", "--port", str(self.port)],
                env=server_env(data_dir),
                cwd=data_dir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.helpers: list[int] = []

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def wait_started(self) -> list[int]:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            listed = re.search(r"后台进程：(.*)", self.output())
            if listed and healthy(f"http://127.0.0.1:{self.port}/healthz"):
                self.helpers = [int(p) for p in re.findall(r"PID (\d+)", listed.group(1))]
                return self.helpers
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the demo did not start:\n{tail(self.log)}", pytrace=False)
            time.sleep(0.2)

    def interrupt(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)

    def left(self) -> dict[int, list[int]]:
        """Helper PID -> what still runs of it and its process group."""
        return {
            pid: sorted({*_group(pid), *([pid] if _running(pid) else [])})
            for pid in self.helpers
            if _running(pid) or _group(pid)
        }

    def close(self) -> None:
        """Whatever the test left running (after a failure): our own processes, by PID."""
        for pid in [self.process.pid, *self.helpers]:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=10)


@pytest.fixture
def demo(data_dir):
    demos = []

    def start(port: int | None = None) -> Demo:
        demos.append(Demo(data_dir, port))
        return demos[-1]

    yield start
    for d in demos:
        d.close()


def _assert_chinese(output: str) -> None:
    """Every line the user sees says something in Chinese (the logins table names units)."""
    lines = [line for line in output.splitlines() if line.strip()]
    english = [line for line in lines if not re.search(r"[\u4e00-\u9fff]", line)]
    assert english == [] and "Traceback" not in output, output


@pytest.mark.parametrize("stop", ["SIGTERM", "Ctrl-C"])
def test_the_helpers_stop_with_the_demo(demo, stop):
    d = demo()
    helpers = d.wait_started()
    assert len(helpers) == 2 and all(_running(pid) for pid in helpers)  # consumer, simulator
    if stop == "SIGTERM":
        d.process.send_signal(signal.SIGTERM)
    else:
        d.interrupt()
    assert d.process.wait(timeout=STOP_TIMEOUT) == 0
    assert d.left() == {}
    output = d.output()
    assert "正在停止……" in output and output.rstrip().endswith("演示已停止。")
    _assert_chinese(output)


def test_the_helpers_die_with_a_killed_demo(demo):
    d = demo()
    d.wait_started()
    d.process.kill()  # no chance to clean up: the kernel tells the helpers (PR_SET_PDEATHSIG)
    d.process.wait(timeout=STOP_TIMEOUT)
    deadline = time.monotonic() + STOP_TIMEOUT
    while d.left() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert d.left() == {}


def test_a_taken_port_stops_the_demo_in_words_before_any_helper_starts(demo):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        d = demo(port=taken.getsockname()[1])
        assert d.process.wait(timeout=STOP_TIMEOUT) == 1
    output = d.output()
    assert f"端口 {d.port} 已被占用" in output and "后台进程" not in output
    _assert_chinese(output)
