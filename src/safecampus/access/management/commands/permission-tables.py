"""Prints the three tables of docs/permissions.md (the role × action matrix, who may give which
role, the level each role is held at) from the code, in Chinese; tests/test_docs.py checks the
document against it."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation

from safecampus.access.roles import ASSIGNABLE, ROLE_UNIT_KINDS, Role, permissions

KINDS = ["province", "city", "district", "school"]


def _row(head: str, cells: list[bool]) -> str:
    return f"| {head} | " + " | ".join("✓" if c else "" for c in cells) + " |"


def permission_tables() -> str:
    with translation.override("zh-hans"):
        lines = ["| action | " + " | ".join(f"{r.label}<br>`{r.value}`" for r in Role) + " |"]
        lines.append("|---|" + "---|" * len(Role))
        for key, action in permissions().items():
            lines.append(_row(f"`{key}` {action.label}", [r in action.roles for r in Role]))
        lines += ["", "| manager | " + " | ".join(f"`{r.value}`" for r in Role) + " |"]
        lines.append("|---|" + "---|" * len(Role))
        for manager, roles in ASSIGNABLE.items():
            lines.append(_row(f"{manager.label} `{manager.value}`", [r in roles for r in Role]))
        lines += ["", "| role | " + " | ".join(KINDS) + " |", "|---|" + "---|" * len(KINDS)]
        for role in Role:
            lines.append(
                _row(f"{role.label} `{role.value}`", [k in ROLE_UNIT_KINDS[role] for k in KINDS])
            )
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "打印 docs/permissions.md 中的三张权限表（由代码生成）。Print the permission tables."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(permission_tables(), ending="")
