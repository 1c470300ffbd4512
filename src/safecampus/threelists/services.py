"""Writes of a school's three lists: the risk list instantiated from its catalog and
tailored, the responsibility list of measures with their people, and the checks that feed
the rectification list (a failed check opens a hazard)."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.access.scope import can, require
from safecampus.accounts.models import User
from safecampus.core.errors import BusinessRuleError
from safecampus.hazards.choices import HazardLevel, HazardSource
from safecampus.hazards.services import hazard_report
from safecampus.orgs.models import School
from safecampus.risks.choices import RiskLevel
from safecampus.risks.models import Aspect
from safecampus.rules.selectors import effective_rule_set

from .models import MeasureCheck, ResponsibilityItem, SchoolRiskPoint
from .selectors import school_catalog


@transaction.atomic
def risk_list_instantiate(*, user: User, school: School) -> int:
    """Fill the school's risk and responsibility lists from its catalog (points it already has,
    by code, are kept as the school tailored them). Answers how many points were added."""
    require(user, "risklist.manage", school.unit)
    return lists_fill_from_catalog(school)


def lists_fill_from_catalog(school: School) -> int:
    """The work of risk_list_instantiate, for callers that checked permission (and the demo)."""
    catalog = school_catalog(school)
    if catalog is None:
        raise BusinessRuleError(_("尚未发布适用于本校的风险清单库"))
    have = set(SchoolRiskPoint.objects.filter(school=school).values_list("code", flat=True))
    points = [
        p
        for p in catalog.points.prefetch_related("measures").order_by("code")
        if p.code not in have
    ]
    created = SchoolRiskPoint.objects.bulk_create(
        [
            SchoolRiskPoint(
                school=school,
                catalog_point=p,
                aspect_id=p.aspect_id,
                code=p.code,
                place=p.place,
                name=p.name,
                hazard=p.hazard,
                accident=p.accident,
                level=p.level,
            )
            for p in points
        ],
        batch_size=500,
    )
    ResponsibilityItem.objects.bulk_create(
        [
            ResponsibilityItem(
                risk_point=sp,
                text=m.text,
                department=m.department,
                post=m.post,
                frequency=m.frequency,
            )
            for sp, p in zip(created, points, strict=True)
            for m in p.measures.all()
        ],
        batch_size=1000,
    )
    return len(created)


@transaction.atomic
def risk_point_assess(
    *, user: User, point: SchoolRiskPoint, likelihood: int, severity: int
) -> SchoolRiskPoint:
    """Re-assess a risk point on the school's risk matrix (the rule set in force there)."""
    require(user, "risklist.manage", point.school.unit)
    matrix = effective_rule_set("risk_matrix", point.school.unit).rules
    if not (1 <= likelihood <= len(matrix.likelihood)) or not (
        1 <= severity <= len(matrix.severity)
    ):
        raise BusinessRuleError(
            _("可能性须在 1–%(l)d、严重程度须在 1–%(s)d 之间")
            % {"l": len(matrix.likelihood), "s": len(matrix.severity)}
        )
    point.likelihood, point.severity = likelihood, severity
    point.level = matrix.level(likelihood, severity)
    point.assessed_at = timezone.now()
    point.save()
    return point


@transaction.atomic
def risk_point_add(
    *,
    user: User,
    school: School,
    aspect: Aspect,
    code: str,
    place: str,
    name: str,
    hazard: str,
    accident: str,
    level: str,
) -> SchoolRiskPoint:
    """A risk point the catalog does not have, particular to this school."""
    require(user, "risklist.manage", school.unit)
    if SchoolRiskPoint.objects.filter(school=school, code=code).exists():
        raise BusinessRuleError(_("本校风险清单中已有编码“%(code)s”") % {"code": code})
    return SchoolRiskPoint.objects.create(
        school=school,
        aspect=aspect,
        code=code,
        place=place,
        name=name,
        hazard=hazard,
        accident=accident,
        level=RiskLevel(level),
    )


@transaction.atomic
def risk_point_remove(*, user: User, point: SchoolRiskPoint) -> None:
    """Take a point off the school's list (kept for the record, with its checks)."""
    require(user, "risklist.manage", point.school.unit)
    point.active = False
    point.save()


class MeasureRetired(BusinessRuleError):
    """The measure is no longer on the school's list."""


def _in_force(item: ResponsibilityItem) -> None:
    """Refuse a write to a measure that is no longer on the school's list: its risk point was
    removed (kept for the record) or the measure itself was retired. Read from the database,
    not the caller's copy, so that a removal just committed is seen."""
    point_active, item_active = (
        ResponsibilityItem.objects.filter(pk=item.pk)
        .values_list("risk_point__active", "active")
        .get()
    )
    if not point_active:
        raise MeasureRetired(_("该措施所属的风险点已移出本校风险清单，不能再落实责任或检查"))
    if not item_active:
        raise MeasureRetired(_("该措施已停用，不能再落实责任或检查"))


@transaction.atomic
def responsibility_assign(
    *,
    user: User,
    item: ResponsibilityItem,
    department: str,
    post: str,
    person: User | None,
    frequency: str,
) -> ResponsibilityItem:
    school = item.risk_point.school
    require(user, "risklist.manage", school.unit)
    _in_force(item)
    if person is not None and not (person.is_active and can(person, "risklist.view", school.unit)):
        raise BusinessRuleError(_("责任人须是本校在岗的用户"))
    item.department, item.post, item.person, item.frequency = department, post, person, frequency
    item.save()
    return item


@transaction.atomic
def measure_check_record(
    *,
    user: User,
    item: ResponsibilityItem,
    passed: bool,
    note: str = "",
    client_key: str | None = None,
    level: str = HazardLevel.GENERAL,
) -> tuple[MeasureCheck, bool]:
    """Record a check by the person responsible (or a list manager). A failed check puts a
    hazard on the rectification list. A retried submission (same key) is recorded once."""
    school = item.risk_point.school
    if item.person_id != user.pk and not can(user, "risklist.manage", school.unit):
        raise PermissionDenied
    _in_force(item)
    if client_key:
        existing = MeasureCheck.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.by_id != user.pk:
                raise BusinessRuleError(_("该提交编号已被使用"))
            return existing, False
    if not passed and not note.strip():
        raise BusinessRuleError(_("不合格时请说明发现的问题"))
    check = MeasureCheck(
        item=item,
        at=timezone.now(),
        by=user,
        passed=passed,
        note=note.strip(),
        client_key=client_key or None,
    )
    if not passed:
        point = item.risk_point
        check.hazard, _created = hazard_report(
            user=user,
            school=school,
            source=HazardSource.MEASURE_CHECK,
            level=level,
            place=point.place,
            aspect=point.aspect,
            catalog_point=point.catalog_point,
            description=_("%(point)s：%(note)s（检查措施：%(measure)s）")
            % {"point": point.name, "note": check.note, "measure": item.text},
        )
    try:
        with transaction.atomic():  # savepoint: a racing retry meets the unique key
            check.save()
    except IntegrityError:
        existing = (
            MeasureCheck.objects.filter(client_key=client_key, by=user).first()
            if client_key
            else None
        )
        if existing is None:
            raise
        raise BusinessRuleError(_("该检查已记录")) from None
    return check, True
