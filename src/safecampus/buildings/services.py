"""Writes: the building register, its Excel import, and the remediation workflow. Every write
is one transaction with its audit entries; a rule broken is refused in words, changing nothing."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from safecampus.access.scope import grants_for, require
from safecampus.audit.models import AuditAction
from safecampus.audit.services import audit_event
from safecampus.core.errors import BusinessRuleError
from safecampus.core.excel import as_text
from safecampus.core.texts import Text
from safecampus.orgs.models import OrgUnit, School

from . import excel
from .choices import (
    KINDS_COUNTING_FOR,
    FireStatus,
    ProjectAction,
    ProjectStatus,
    RemediationKind,
    SeismicStatus,
)
from .models import Building, ProjectBuilding, ProjectEvent, RemediationProject
from .workflow import EDITABLE, manages, project_workflow

MAX_STOREYS = 200
MAX_AREA = Decimal("1000000")
MAX_BUDGET = Decimal("1000000000000")
EARLIEST_YEAR = 1800

# ---------------------------------------------------------------------------------------------
# Buildings


def building_problems(fields: dict) -> dict[str, str]:
    """The rule each field breaks, by field name (the same rules for forms, API and Excel)."""
    problems = {}
    if "name" in fields and not str(fields["name"]).strip():
        problems["name"] = _("请填写楼栋名称")
    storeys = fields.get("storeys")
    if storeys is not None and not (1 <= storeys <= MAX_STOREYS):
        problems["storeys"] = _("层数须在 1 到 %(n)d 之间") % {"n": MAX_STOREYS}
    area = fields.get("floor_area_m2")
    if area is not None and not (Decimal("0") < area <= MAX_AREA):
        problems["floor_area_m2"] = _("建筑面积须大于 0 且不超过 1,000,000 m²")
    year = fields.get("year_built")
    if year is not None and not (EARLIEST_YEAR <= year <= timezone.localdate().year):
        problems["year_built"] = _("建成年份须在 %(low)d 到今年之间") % {"low": EARLIEST_YEAR}
    return problems


def _check_building(fields: dict) -> None:
    problems = building_problems(fields)
    if problems:
        raise BusinessRuleError("；".join(problems.values()))


def _check_name_free(school, name: str, exclude_pk=None) -> None:
    clash = Building.objects.filter(school=school, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise BusinessRuleError(_("该校已有名为“%(name)s”的楼栋") % {"name": name})


@transaction.atomic
def building_create(*, user, school: School, **fields) -> Building:
    """Add a building to a school's register."""
    require(user, "building.manage", school.unit)
    fields["name"] = str(fields.get("name", "")).strip()
    _check_building(fields)
    _check_name_free(school, fields["name"])
    try:
        # A savepoint: two people adding the same name at once meet at the unique constraint.
        with transaction.atomic():
            return Building.objects.create(school=school, **fields)
    except IntegrityError:
        raise BusinessRuleError(
            _("该校已有名为“%(name)s”的楼栋") % {"name": fields["name"]}
        ) from None


@transaction.atomic
def building_update(*, user, building: Building, **changes) -> Building:
    require(user, "building.manage", building.school.unit)
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
    _check_building(changes)
    if "name" in changes:
        _check_name_free(building.school, changes["name"], exclude_pk=building.pk)
    for key, value in changes.items():
        setattr(building, key, value)
    building.save()
    return building


@transaction.atomic
def building_delete(*, user, building: Building) -> None:
    """Remove a building entered by mistake; one that a project covers stays (its history)."""
    require(user, "building.manage", building.school.unit)
    if ProjectBuilding.objects.filter(building=building).exists():
        raise BusinessRuleError(_("该楼栋已列入整改项目，不能删除"))
    building.delete()


def as_whole(value) -> int:
    text = as_text(value)
    if not text.lstrip("-").isdigit():
        raise ValueError(_("须为整数"))
    return int(text)


def as_area(value) -> Decimal:
    try:
        number = Decimal(as_text(value))
    except InvalidOperation:
        raise ValueError(_("须为数字")) from None
    if not number.is_finite() or abs(number) > MAX_AREA:
        raise ValueError(_("须为不超过 1,000,000 的数字"))
    return number.quantize(Decimal("0.01"))


def buildings_export(*, user, buildings) -> bytes:
    """The workbook of the given (already scoped) buildings; the export is audited."""
    data = excel.workbook_bytes(excel.building_row(b) for b in buildings)
    audit_event(
        AuditAction.EXPORT, message=Text(N_("导出校舍 %(count)s 栋"), count=buildings.count())
    )
    return data


# ---------------------------------------------------------------------------------------------
# Remediation projects


def _check_project(fields: dict) -> None:
    if "name" in fields and not fields["name"].strip():
        raise BusinessRuleError(_("请填写项目名称"))
    if "plan" in fields and not fields["plan"].strip():
        raise BusinessRuleError(_("请填写整改方案"))
    budget = fields.get("budget_yuan")
    if budget is not None and not (Decimal("0") <= budget < MAX_BUDGET):
        raise BusinessRuleError(_("预算须为不小于 0 的金额（元）"))
    start, end = fields.get("planned_start"), fields.get("planned_end")
    if start and end and end < start:
        raise BusinessRuleError(_("计划完工日期不能早于计划开工日期"))


def _check_buildings(school: School, buildings, kind: str, project=None) -> list[Building]:
    """The buildings of a project: at least one, all of the project's school, and none already
    in another unfinished project of an overlapping kind (the works would be counted twice)."""
    buildings = list(buildings)
    if not buildings:
        raise BusinessRuleError(_("请至少选择一栋涉及的楼栋"))
    foreign = [b.name for b in buildings if b.school_id != school.pk]
    if foreign:
        raise BusinessRuleError(
            _("楼栋不属于该校，不能列入本项目：%(names)s") % {"names": "、".join(foreign)}
        )
    overlapping = {k for k, counts in KINDS_COUNTING_FOR.items() if kind in counts}
    overlapping |= set(KINDS_COUNTING_FOR[kind])
    busy = (
        ProjectBuilding.objects.filter(building__in=buildings, project__kind__in=overlapping)
        .exclude(project__status=ProjectStatus.ACCEPTED)
        .select_related("building", "project")
    )
    if project is not None:
        busy = busy.exclude(project=project)
    clash = next(iter(busy), None)
    if clash is not None:
        raise BusinessRuleError(
            _("楼栋“%(b)s”已在未完成的整改项目“%(p)s”中")
            % {"b": clash.building.name, "p": clash.project.name}
        )
    return buildings


@transaction.atomic
def project_create(
    *,
    user,
    school: School,
    name: str,
    kind: str,
    buildings,
    plan: str,
    budget_yuan: Decimal,
    planned_start: date,
    planned_end: date,
    client_key: str | None = None,
) -> tuple[RemediationProject, bool]:
    """Open a remediation project (规划中) for some of a school's buildings. Answers (project,
    created): a retry with the same client key finds the first project."""
    require(user, "building.manage", school.unit)
    if client_key:
        existing = RemediationProject.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.created_by_id != user.pk or existing.school_id != school.pk:
                raise BusinessRuleError(_("该提交编号已被使用"))
            return existing, False
    fields = {
        "name": name,
        "plan": plan,
        "budget_yuan": budget_yuan,
        "planned_start": planned_start,
        "planned_end": planned_end,
    }
    _check_project(fields)
    buildings = _check_buildings(school, buildings, kind)
    try:
        with transaction.atomic():  # two racing retries meet at the unique key
            project = RemediationProject.objects.create(
                school=school,
                kind=RemediationKind(kind),
                created_by=user,
                client_key=client_key or None,
                **{k: v.strip() if isinstance(v, str) else v for k, v in fields.items()},
            )
    except IntegrityError:
        if client_key:
            existing = RemediationProject.objects.filter(
                client_key=client_key, created_by=user
            ).first()
            if existing is not None:
                return existing, False
        raise
    ProjectBuilding.objects.bulk_create(
        [ProjectBuilding(project=project, building=b) for b in buildings]
    )
    ProjectEvent.objects.create(
        project=project,
        by=user,
        action=ProjectAction.CREATE,
        to_status=project.status,
        on=timezone.localdate(),
        progress=project.progress,
    )
    return project, True


@transaction.atomic
def project_update(*, user, project: RemediationProject, buildings=None, **changes):
    """Change the plan, budget, dates or buildings while the project is still the school's to
    change (not once submitted for acceptance or accepted)."""
    if not manages(user, project):
        raise PermissionDenied
    locked = RemediationProject.objects.select_for_update().get(pk=project.pk)
    if locked.status not in EDITABLE:
        raise BusinessRuleError(_("“%(s)s”的项目不能再修改") % {"s": locked.get_status_display()})
    merged = {
        "planned_start": locked.planned_start,
        "planned_end": locked.planned_end,
        **changes,
    }
    _check_project(merged)
    for key, value in changes.items():
        setattr(locked, key, value.strip() if isinstance(value, str) else value)
    locked.save()
    if buildings is None and "kind" in changes:
        buildings = list(Building.objects.filter(projectbuilding__project=locked))
    if buildings is not None:
        checked = _check_buildings(locked.school, buildings, locked.kind, project=locked)
        wanted = {b.pk: b for b in checked}
        links = ProjectBuilding.objects.filter(project=locked)
        have = set(links.values_list("building_id", flat=True))
        for link in links.exclude(building_id__in=wanted):
            link.delete()  # one by one: each removal is in the trail
        ProjectBuilding.objects.bulk_create(
            [
                ProjectBuilding(project=locked, building=b)
                for pk, b in wanted.items()
                if pk not in have
            ]
        )
    return locked


def _check_day(on: date, after: date | None, after_label: str) -> None:
    if on > timezone.localdate():
        raise BusinessRuleError(_("日期不能晚于今天"))
    if after is not None and on < after:
        raise BusinessRuleError(
            _("日期不能早于%(what)s（%(d)s）") % {"what": after_label, "d": after.isoformat()}
        )


def _mark_buildings(project, *, seismic: dict, fire: dict) -> None:
    """Move the covered buildings' statuses (each change audited) for the project's kind."""
    covered = Building.objects.filter(
        pk__in=ProjectBuilding.objects.filter(project=project).values("building_id")
    )
    if project.kind in (RemediationKind.SEISMIC, RemediationKind.BOTH):
        for old, new in seismic.items():
            covered.filter(seismic_status__in=old).update(seismic_status=new)
    if project.kind in (RemediationKind.FIRE, RemediationKind.BOTH):
        for old, new in fire.items():
            covered.filter(fire_status__in=old).update(fire_status=new)


@transaction.atomic
def project_start(*, user, project: RemediationProject, on: date | None = None, note: str = ""):
    """开工: the covered buildings that need it go to 加固中 / 整改中."""
    project_workflow.require(user, project, ProjectAction.START)
    on = on or timezone.localdate()
    _check_day(on, None, "")
    project = project_workflow.take(
        project, ProjectAction.START, by=user, note=note, line={"on": on}, actual_start=on
    )
    _mark_buildings(
        project,
        seismic={
            (SeismicStatus.NEEDS_RETROFIT, SeismicStatus.NEEDS_REBUILD): SeismicStatus.RETROFITTING
        },
        fire={(FireStatus.HAZARD,): FireStatus.RECTIFYING},
    )
    return project


@transaction.atomic
def project_progress(
    *,
    user,
    project: RemediationProject,
    percent: int,
    on: date | None = None,
    note: str = "",
    client_key: str | None = None,
) -> tuple[RemediationProject, bool]:
    """A dated progress update on the timeline. A retry with the same client key is recorded
    once; progress never goes back."""
    project_workflow.require(user, project, ProjectAction.PROGRESS)
    if client_key:
        existing = ProjectEvent.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.by_id != user.pk or existing.project_id != project.pk:
                raise BusinessRuleError(_("该提交编号已被使用"))
            return RemediationProject.objects.get(pk=project.pk), False
    if not (0 <= percent <= 100):
        raise BusinessRuleError(_("进度须在 0 到 100 之间"))
    on = on or timezone.localdate()
    current = RemediationProject.objects.select_for_update().get(pk=project.pk)
    if current.status != ProjectStatus.IN_PROGRESS:
        raise BusinessRuleError(
            _("当前状态为“%(now)s”，只有施工中的项目才能更新进度")
            % {"now": current.get_status_display()}
        )
    _check_day(on, current.actual_start, _("实际开工日期"))
    if percent < current.progress:
        raise BusinessRuleError(_("进度不能低于上次填报的 %(p)d%%") % {"p": current.progress})
    try:
        with transaction.atomic():  # two racing retries meet at the unique key
            current = project_workflow.take(
                current,
                ProjectAction.PROGRESS,
                by=user,
                note=note,
                line={"on": on, "client_key": client_key or None},
                progress=percent,
            )
    except IntegrityError:
        raise BusinessRuleError(_("该进度已记录")) from None
    return current, True


@transaction.atomic
def project_submit(*, user, project: RemediationProject, on: date | None = None, note: str = ""):
    """竣工: the works are finished (100%) and the project waits for acceptance."""
    project_workflow.require(user, project, ProjectAction.SUBMIT)
    on = on or timezone.localdate()
    _check_day(on, project.actual_start, _("实际开工日期"))
    return project_workflow.take(
        project,
        ProjectAction.SUBMIT,
        by=user,
        note=note,
        line={"on": on},
        actual_end=on,
        progress=100,
    )


@transaction.atomic
def project_resume(*, user, project: RemediationProject, note: str = ""):
    """Back to work after a failed acceptance."""
    return project_workflow.take(
        project,
        ProjectAction.RESUME,
        by=user,
        note=note,
        line={"on": timezone.localdate()},
        actual_end=None,
    )


def _accepting_unit(user, school: School) -> OrgUnit:
    """The unit in whose name the user accepts: their nearest grant above the school."""
    grant = max(
        (g for g in grants_for(user, "remediation.accept") if g.covers(school.unit.path)),
        key=lambda g: len(g.path),
    )
    return OrgUnit.objects.get(pk=grant.unit_id)


@transaction.atomic
def project_accept(
    *,
    user,
    project: RemediationProject,
    passed: bool,
    on: date | None = None,
    note: str = "",
) -> RemediationProject:
    """验收 by the district or the city. Passed: the covered buildings are marked 已加固 /
    已整改 and count as remediated from that date; not passed: back to the school, with the
    reason."""
    action = ProjectAction.ACCEPT if passed else ProjectAction.REJECT
    project_workflow.require(user, project, action)
    on = on or timezone.localdate()
    _check_day(on, project.actual_end, _("实际完工日期"))
    if not passed and not note.strip():
        raise BusinessRuleError(_("验收不通过须说明原因"))
    project = project_workflow.take(
        project,
        action,
        by=user,
        note=note,
        line={"on": on},
        acceptance_on=on,
        acceptance_by=user,
        acceptance_unit=_accepting_unit(user, project.school),
        acceptance_passed=passed,
        acceptance_note=note.strip()[:1000],
    )
    if passed:
        _mark_buildings(
            project,
            seismic={
                tuple(s for s in SeismicStatus if s != SeismicStatus.RETROFITTED): (
                    SeismicStatus.RETROFITTED
                )
            },
            fire={
                tuple(s for s in FireStatus if s != FireStatus.REMEDIATED): FireStatus.REMEDIATED
            },
        )
    return project
