"""Who hears of a hazard's steps: notifications sent with each step (stored in its
transaction, e-mailed after commit)."""

from django.urls import reverse

from safecampus.access.models import RoleAssignment
from safecampus.accounts.models import User
from safecampus.notifications.services import notify

from .choices import HazardAction


def _school_managers(hazard):
    return User.objects.filter(
        assignments__unit=hazard.school.unit_id,
        assignments__role__in=["principal", "safety_director"],
        is_active=True,
    ).distinct()


def officers_of(unit_ids, roles=("district_officer",)):
    return User.objects.filter(
        pk__in=RoleAssignment.objects.filter(unit_id__in=unit_ids, role__in=roles).values(
            "user_id"
        ),
        is_active=True,
    )


def hazard_step_notify(hazard, action: str) -> None:
    url = reverse("hazards:detail", args=[hazard.pk])
    subject = f"{hazard.school.unit.name}：{hazard.description[:40]}"
    if action == HazardAction.ASSIGN:
        notify(
            [hazard.owner],
            kind="hazard.assigned",
            title=f"整改任务：{subject}",
            body=f"整改期限 {hazard.deadline}",
            url=url,
        )
    elif action == HazardAction.SUBMIT:
        notify(
            _school_managers(hazard),
            kind="hazard.submitted",
            title=f"待验收：{subject}",
            body=hazard.result,
            url=url,
        )
    elif action == HazardAction.REJECT:
        notify(
            [hazard.owner],
            kind="hazard.rejected",
            title=f"验收未通过，请继续整改：{subject}",
            url=url,
        )
    elif action == HazardAction.SUPERVISE:
        notify(
            _school_managers(hazard),
            kind="hazard.supervised",
            title=f"挂牌督办：{subject}",
            body=f"督办单位 {hazard.supervised_by}，期限 {hazard.supervision_deadline}",
            url=url,
        )
