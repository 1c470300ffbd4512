"""Writes to the org tree. Every write is transactional and leaves audit entries."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from safecampus.access.scope import require
from safecampus.audit.models import AuditAction
from safecampus.audit.services import audit_event
from safecampus.core.errors import BusinessRuleError
from safecampus.core.texts import Text
from safecampus.core.types import AnyUser

from . import excel
from .models import OrgUnit, School


@transaction.atomic
def school_update(*, user: AnyUser, school: School, **changes: object) -> School:
    """Change a school's profile (the caller has checked it is in scope)."""
    require(user, "school.change", school.unit)
    unit_fields = {"name", "longitude", "latitude"}
    unit_changes = {k: v for k, v in changes.items() if k in unit_fields}
    school_changes = {k: v for k, v in changes.items() if k not in unit_fields}
    if "name" in unit_changes:
        clash = OrgUnit.objects.filter(
            parent_id=school.unit.parent_id, name=unit_changes["name"]
        ).exclude(pk=school.pk)
        if clash.exists():
            raise BusinessRuleError(_("同一上级下已有同名学校"))
    if unit_changes:
        for key, value in unit_changes.items():
            setattr(school.unit, key, value)
        school.unit.full_clean()
        school.unit.save()
    if school_changes:
        for key, value in school_changes.items():
            setattr(school, key, value)
        if school.boarders > school.students:
            raise BusinessRuleError(_("寄宿生数不能大于学生数"))
        school.boarding = school.boarding or school.boarders > 0
        school.full_clean()
        school.save()
    return school


def schools_export(*, user: AnyUser, schools: QuerySet[School]) -> bytes:
    """The workbook of the given (already scoped) schools; the export is audited."""
    data = excel.workbook_bytes(excel.school_row(s) for s in schools)
    audit_event(
        AuditAction.EXPORT, message=Text(N_("导出学校 %(count)s 所"), count=schools.count())
    )
    return data
