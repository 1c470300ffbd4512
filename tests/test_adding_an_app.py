"""docs/adding-a-domain-app.md, proved: a throw-away app under tests/throwaway adds a menu entry,
an action, a school page, a rule kind, a demo builder, a page and an API route through its
AppConfig alone, and the platform picks every one of them up (tests/throwaway/check_app.py,
run in a process of its own because the installed apps are fixed at start-up)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_an_app_plugs_in_through_its_own_folder_and_one_line_of_installed_apps():
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "MQTT_URL")
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    run = subprocess.run(  # noqa: S603 - our own interpreter and test file
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:randomly",
            "--ds=tests.throwaway.settings",
            "tests/throwaway/check_app.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "7 passed" in run.stdout


def test_the_platform_names_no_domain_app():
    """The files that once listed the domain apps read their declarations instead."""
    domain = [
        "risks",
        "hazards",
        "threelists",
        "inspections",
        "patrols",
        "devices",
        "defenses",
        "buildings",
        "emergency",
        "dashboards",
    ]
    src = ROOT / "src" / "safecampus"
    files = [
        "config/urls.py",
        "config/api.py",
        "core/menu.py",
        "rules/kinds.py",
        "access/roles.py",
        "orgs/models.py",
        "demo/generator.py",
    ]
    for name in files:
        text = (src / name).read_text(encoding="utf-8")
        named = [app for app in domain if f"safecampus.{app}" in text or f'"{app}.' in text]
        assert not named, f"{name} names {named}"
