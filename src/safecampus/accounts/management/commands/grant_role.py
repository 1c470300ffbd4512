from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from safecampus.access.roles import ROLE_UNIT_KINDS, Role
from safecampus.accounts.models import User
from safecampus.accounts.services import (
    _temporary_password,
    role_assignment_grant,
    role_grant_check,
)
from safecampus.audit.context import Actor, acting_as
from safecampus.core.errors import BusinessRuleError
from safecampus.orgs.models import OrgUnit


class Command(BaseCommand):
    help = (
        "由运维人员授予角色（首个市级管理员、审计员、安全管理员）。Grant a role as the operator: the "
        "first city administrator, and the auditors and security administrators, whom no "
        "administrator may appoint (三员分立: nobody holds two of the three)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=[r.value for r in Role])
        parser.add_argument("unit_code", help="code of the org unit the role is held at")
        parser.add_argument("--full-name", default="")

    @transaction.atomic
    def handle(
        self, *args: Any, username: str, role: str, unit_code: str, full_name: str, **options: Any
    ) -> None:
        try:
            unit = OrgUnit.objects.get(code=unit_code)
        except OrgUnit.DoesNotExist:
            raise CommandError(f"没有代码为“{unit_code}”的组织机构") from None
        if unit.kind not in ROLE_UNIT_KINDS[Role(role)]:
            raise CommandError(f"“{Role(role).label}”不能设在“{unit.get_kind_display()}”一级")
        user = User.objects.filter(username=username).first()
        if user is not None:
            try:
                role_grant_check(user, role)
            except BusinessRuleError as exc:
                raise CommandError(str(exc)) from None
        with acting_as(Actor(channel="cli", username="operator")):
            if user is None:
                password = _temporary_password()
                user = User(username=username, full_name=full_name)
                user.set_password(password)
                user.password_changed_at = None  # a temporary password: changed at first login
                user.save()
                self.stdout.write(f"已创建用户 {username}，临时密码（仅显示一次）：{password}")
            _, created = role_assignment_grant(user=user, unit=unit, role=role)
        self.stdout.write(
            f"{username} 在 {unit.name} 的角色“{Role(role).label}”{'已授予' if created else '已存在'}"
        )
