"""The documents say what the code does: the permission tables of docs/permissions.md are the
ones the code prints (`safecampus permission-tables`)."""

from pathlib import Path

from django.core.management import call_command

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_permission_tables_of_the_docs_are_the_codes(capsys):
    call_command("permission-tables")
    printed = capsys.readouterr().out
    document = (DOCS / "permissions.md").read_text(encoding="utf-8")
    for table in printed.strip("\n").split("\n\n"):
        assert table in document, f"docs/permissions.md lacks, as printed:\n{table}"


def test_ci_audits_the_locked_requirements_and_keeps_the_bandit_rules():
    """Issue 12 item 11: CI fails on a known vulnerability of what is installed (the lock
    files the Makefile installs), and ruff's security rules (bandit, "S") stay selected."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    ruff = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert "S" in ruff["select"]
    assert not {"S", "S1", "S3", "S6"} & set(ruff["ignore"])  # no whole family switched off
    assert "make audit-deps" in (root / ".ci/run").read_text()
    makefile = (root / "Makefile").read_text()
    assert "pip install --quiet -r requirements.lock" in makefile
    script = (root / "scripts/audit-dependencies").read_text()
    assert "--strict" in script and "requirements.lock requirements-dev.lock" in script
    # Every locked line is an exact pin: pip-audit audits exactly what is installed.
    for lock in ("requirements.lock", "requirements-dev.lock"):
        pins = [
            line
            for line in (root / lock).read_text().splitlines()
            if line and not line.startswith((" ", "#"))
        ]
        assert pins and all("==" in pin for pin in pins), lock
