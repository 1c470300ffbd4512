"""Who hears of a hazard's steps: notifications sent with each step (stored in its
transaction, e-mailed after commit)."""

from django.urls import reverse
from django.utils.translation import gettext_noop as N_

from safecampus.access.models import RoleAssignment
from safecampus.accounts.models import User
from safecampus.core.texts import Text
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
    # The school and the hazard stay as written; the rest is shown in each reader's language.
    subject = {"school": hazard.school.unit.name, "hazard": hazard.description[:40]}
    if action == HazardAction.ASSIGN:
        notify(
            [hazard.owner],
            kind="hazard.assigned",
            title=Text(N_("整改任务：%(school)s：%(hazard)s"), **subject),
            body=Text(N_("整改期限 %(deadline)s"), deadline=hazard.deadline),
            url=url,
        )
    elif action == HazardAction.SUBMIT:
        notify(
            _school_managers(hazard),
            kind="hazard.submitted",
            title=Text(N_("待验收：%(school)s：%(hazard)s"), **subject),
            body=hazard.result,
            url=url,
        )
    elif action == HazardAction.REJECT:
        notify(
            [hazard.owner],
            kind="hazard.rejected",
            title=Text(N_("验收未通过，请继续整改：%(school)s：%(hazard)s"), **subject),
            url=url,
        )
    elif action == HazardAction.SUPERVISE:
        notify(
            _school_managers(hazard),
            kind="hazard.supervised",
            title=Text(N_("挂牌督办：%(school)s：%(hazard)s"), **subject),
            body=Text(
                N_("督办单位 %(unit)s，期限 %(deadline)s"),
                unit=str(hazard.supervised_by),
                deadline=hazard.supervision_deadline,
            ),
            url=url,
        )
