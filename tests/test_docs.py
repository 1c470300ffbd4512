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
