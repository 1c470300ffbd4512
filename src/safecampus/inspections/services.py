"""Writes of checks: templates from the catalogs, campaigns, risk-weighted selection of
schools for spot checks, and the on-site inspection (start, item photos, submit with results)."""

import hashlib
import math
import random
from collections import defaultdict
from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.access.scope import Permission, can, require
from safecampus.core.errors import BusinessRuleError
from safecampus.core.images import image_clean
from safecampus.hazards.choices import HazardLevel, HazardSource, HazardStatus
from safecampus.hazards.models import HazardPhoto
from safecampus.hazards.services import hazard_report
from safecampus.orgs.models import School

from .models import (
    Campaign,
    CampaignKind,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionPhoto,
    InspectionResult,
    InspectionStatus,
    Outcome,
)

# Photos of one checklist item (the same bound as a hazard's, which the failed item's become).
MAX_PHOTOS_PER_ITEM = 9


@transaction.atomic
def checklist_from_catalog(
    *, user, unit, catalog, name: str, aspects=None, limit: int = 60
) -> ChecklistTemplate:
    """A checklist of the catalog's risk points (official ones first), optionally of some aspects."""
    require(user, "inspection.plan", unit)
    points = catalog.points.select_related("aspect").order_by("generated", "code")
    if aspects:
        points = points.filter(aspect__code__in=aspects)
    points = list(points[:limit])
    if not points:
        raise BusinessRuleError(_("所选范围内没有风险点，无法生成检查表"))
    template = ChecklistTemplate.objects.create(unit=unit, name=name)
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(
                template=template,
                order=n,
                text=f"{p.name}（{p.place}）：{p.hazard}",
                aspect=p.aspect,
                catalog_point=p,
            )
            for n, p in enumerate(points)
        ]
    )
    return template


@transaction.atomic
def campaign_create(
    *, user, unit, name: str, kind: str, starts_on: date, ends_on: date, template, school_types=()
) -> Campaign:
    require(user, "inspection.plan", unit)
    if ends_on < starts_on:
        raise BusinessRuleError(_("结束日期不能早于开始日期"))
    if kind in (CampaignKind.SPOT, CampaignKind.CROSS) and unit.kind not in (
        "city",
        "district",
        "province",
    ):
        raise BusinessRuleError(_("抽查和交叉检查由区市或市组织"))
    return Campaign.objects.create(
        unit=unit,
        name=name,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        template=template,
        school_types=list(school_types),
        created_by=user,
    )


def campaign_schools(campaign: Campaign):
    """The schools a campaign covers: below its organizer, of its school types."""
    qs = School.objects.filter(unit__path__startswith=campaign.unit.path).select_related("unit")
    return qs.filter(school_type__in=campaign.school_types) if campaign.school_types else qs


def _check_team(campaign: Campaign, school, team) -> None:
    """Team members see the inspection by being on it (scope_member_lookup). For a cross
    check they come from another district than the school's; otherwise from its scope."""
    cross = campaign.kind == CampaignKind.CROSS
    for member in team:
        if not member.is_active or not can(
            member, "inspection.view", None if cross else school.unit
        ):
            raise BusinessRuleError(_("检查组成员 %(name)s 无权检查该校") % {"name": member})
        if (
            cross
            and school.district_id
            and any(g.unit_id == school.district_id for g in member.assignments.all())
        ):
            # 交叉检查: inspectors come from another district than the school's own.
            raise BusinessRuleError(
                _("交叉检查的检查组不能包含本区市人员：%(name)s") % {"name": member}
            )


@transaction.atomic
def inspection_plan(
    *, user, campaign: Campaign, school, team=(), planned_on=None, reason: str = ""
) -> Inspection:
    require(user, "inspection.plan", campaign.unit)
    if not campaign_schools(campaign).filter(pk=school.pk).exists():
        raise BusinessRuleError(_("该校不在本次行动的范围内"))
    if Inspection.objects.filter(campaign=campaign, school=school).exists():
        raise BusinessRuleError(_("该校已在本次行动的检查名单中"))
    _check_team(campaign, school, team)
    inspection = Inspection.objects.create(
        campaign=campaign, school=school, planned_on=planned_on, selection_reason=reason[:300]
    )
    inspection.team.set(team)
    return inspection


def selection_weights(schools, today: date | None = None) -> dict[int, tuple[float, str]]:
    """Risk weight of each school for spot checks, with the reason in words: open, overdue
    and major hazards, and the time since the school was last inspected."""
    today = today or timezone.localdate()
    open_hazards = Q(hazards__status__in=[s for s in HazardStatus if s != HazardStatus.CLOSED])
    rows = School.objects.filter(pk__in=[s.pk for s in schools]).annotate(
        open_n=Count("hazards", filter=open_hazards, distinct=True),
        overdue_n=Count(
            "hazards", filter=open_hazards & Q(hazards__deadline__lt=today), distinct=True
        ),
        major_n=Count(
            "hazards", filter=open_hazards & Q(hazards__level=HazardLevel.MAJOR), distinct=True
        ),
        last=Max("inspections__submitted_at"),
    )
    weights = {}
    for row in rows:
        days = (today - timezone.localtime(row.last).date()).days if row.last else None
        since = min(days, 730) / 180 if days is not None else 2.0
        weight = 1.0 + row.open_n + 3 * row.overdue_n + 4 * row.major_n + since
        reason = _("未销号隐患 %(o)d 处、逾期 %(d)d 处、重大 %(m)d 处，%(since)s") % {
            "o": row.open_n,
            "d": row.overdue_n,
            "m": row.major_n,
            "since": _("距上次检查 %(n)d 天") % {"n": days}
            if days is not None
            else _("从未接受检查"),
        }
        weights[row.pk] = (weight, f"{reason}（权重 {weight:.1f}）")
    return weights


def weighted_draw(items, weight_of, rng: random.Random, count: int) -> list:
    """`count` items drawn without replacement, each with probability in proportion to its
    weight (Efraimidis–Spirakis: the largest u^(1/w) win); reproducible for a seeded rng."""
    return sorted(items, key=lambda item: math.log(rng.random()) / weight_of(item), reverse=True)[
        :count
    ]


@transaction.atomic
def spot_check_select(
    *, user, campaign: Campaign, count: int, seed: int, team=(), planned_on=None
) -> list[Inspection]:
    """Draw `count` schools for the campaign, weighted by risk, reproducibly for a seed
    (weighted sampling without replacement: the largest u^(1/w) win), and plan them."""
    require(user, "inspection.plan", campaign.unit)
    taken = set(Inspection.objects.filter(campaign=campaign).values_list("school_id", flat=True))
    candidates = [s for s in campaign_schools(campaign).order_by("pk") if s.pk not in taken]
    if count < 1 or count > len(candidates):
        raise BusinessRuleError(_("抽取数量须在 1 到 %(n)d 之间") % {"n": len(candidates)})
    weights = selection_weights(candidates)
    keyed = weighted_draw(candidates, lambda s: weights[s.pk][0], random.Random(seed), count)
    return [
        inspection_plan(
            user=user,
            campaign=campaign,
            school=school,
            team=team,
            planned_on=planned_on,
            reason=weights[school.pk][1],
        )
        for school in keyed
    ]


def _team_finds_at(user, unit) -> bool:
    """On the team of a check under way at this school, or may report there anyway."""
    return (
        can(user, "hazard.report", unit)
        or Inspection.objects.filter(
            school__unit=unit, status=InspectionStatus.IN_PROGRESS, team=user
        ).exists()
    )


# What a check finds goes on the school's rectification list in the name of the inspector who
# found it, also when the team comes from another district (a cross check).
TEAM_FINDING = Permission("inspection.team_finding", _team_finds_at)


def _require_inspector(user, inspection: Inspection) -> None:
    if not inspection.team.filter(pk=user.pk).exists() and not can(
        user, "inspection.plan", inspection.campaign.unit
    ):
        raise PermissionDenied


@transaction.atomic
def inspection_start(*, user, inspection: Inspection) -> Inspection:
    """The inspectors arrive: from now on the school sees the check."""
    _require_inspector(user, inspection)
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if locked.status != InspectionStatus.PLANNED:
        return locked  # starting twice (a retried tap) changes nothing
    locked.status, locked.started_at = InspectionStatus.IN_PROGRESS, timezone.now()
    locked.save()
    return locked


@transaction.atomic
def inspection_submit(
    *, user, inspection: Inspection, results: list[dict], client_key: str | None = None
) -> tuple[Inspection, bool]:
    """Record every item's outcome at once; each failed item puts a hazard on the school's
    rectification list. A retried submission (same key, or an already submitted check) is
    answered with the first one and changes nothing."""
    _require_inspector(user, inspection)
    locked = (
        Inspection.objects.select_for_update()
        .select_related("campaign__template", "school__unit")
        .get(pk=inspection.pk)
    )
    if locked.status == InspectionStatus.SUBMITTED:
        if client_key and locked.client_key == client_key:
            return locked, False
        raise BusinessRuleError(_("该检查已提交"))
    if locked.status != InspectionStatus.IN_PROGRESS:
        raise BusinessRuleError(_("请先开始检查（到达现场后点击“开始检查”）"))
    if (
        client_key
        and Inspection.objects.filter(client_key=client_key).exclude(pk=locked.pk).exists()
    ):
        raise BusinessRuleError(_("该提交编号已被使用"))
    items = {
        i.pk: i for i in locked.campaign.template.items.select_related("aspect", "catalog_point")
    }
    given = {r["item_id"]: r for r in results}
    missing = [i.order + 1 for pk, i in items.items() if pk not in given]
    unknown = [pk for pk in given if pk not in items]
    if unknown:
        raise BusinessRuleError(_("检查项不属于本检查表：%(ids)s") % {"ids": unknown})
    if missing:
        raise BusinessRuleError(
            _("还有 %(n)d 项未填写结果（第 %(first)d 项起）")
            % {"n": len(missing), "first": min(missing)}
        )
    for pk, r in given.items():
        if r["outcome"] == Outcome.FAIL and not (r.get("note") or "").strip():
            raise BusinessRuleError(_("第 %(n)d 项不合格，请说明问题") % {"n": items[pk].order + 1})
    now = timezone.now()
    photos = defaultdict(list)
    for photo in locked.photos.all():
        photos[photo.item_id].append(photo)
    rows, hazard_photos = [], []
    for pk, r in given.items():
        item = items[pk]
        result = InspectionResult(
            inspection=locked,
            item=item,
            outcome=r["outcome"],
            note=(r.get("note") or "").strip()[:500],
            taken_at=now,
            latitude=r.get("latitude"),
            longitude=r.get("longitude"),
        )
        if r["outcome"] == Outcome.FAIL:
            result.hazard, _created = hazard_report(
                user=user,
                permission=TEAM_FINDING,
                school=locked.school,
                source=HazardSource.INSPECTION,
                aspect=item.aspect,
                catalog_point=item.catalog_point,
                place=item.catalog_point.place if item.catalog_point else "",
                description=_("%(campaign)s：%(item)s——%(note)s")
                % {"campaign": locked.campaign.name, "item": item.text[:200], "note": result.note},
            )
            # The photos taken of the failed item show the hazard as found; the hazard row
            # refers to the same stored file.
            hazard_photos += [
                HazardPhoto(
                    hazard=result.hazard,
                    stage="found",
                    image=photo.image.name,
                    width=photo.width,
                    height=photo.height,
                    uploaded_by_id=photo.uploaded_by_id,
                    uploaded_at=photo.uploaded_at,
                )
                for photo in photos[pk]
            ]
        rows.append(result)
    InspectionResult.objects.bulk_create(rows)
    HazardPhoto.objects.bulk_create(hazard_photos)
    locked.status, locked.submitted_at, locked.client_key = (
        InspectionStatus.SUBMITTED,
        now,
        client_key or None,
    )
    locked.save()
    return locked, True


def _file_digest(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def inspection_photo_add(
    *, user, inspection: Inspection, item_id: int, upload
) -> tuple[InspectionPhoto, bool]:
    """Attach a photo taken on site to one item of an inspection in progress (checked,
    re-encoded, metadata stripped). Answers (photo, created): the same file sent again for the
    same item — a retried upload — answers the first photo and stores nothing."""
    _require_inspector(user, inspection)
    # The row lock orders uploads of one inspection against each other and against the
    # submit, so the per-item limit holds and no photo slips in after the submission.
    locked = (
        Inspection.objects.select_for_update()
        .select_related("campaign__template")
        .get(pk=inspection.pk)
    )
    item = locked.campaign.template.items.filter(pk=item_id).first()
    if item is None:
        raise BusinessRuleError(_("检查项不属于本检查表：%(ids)s") % {"ids": [item_id]})
    digest = _file_digest(upload)
    existing = InspectionPhoto.objects.filter(inspection=locked, item=item, digest=digest).first()
    if existing is not None:
        return existing, False
    if locked.status == InspectionStatus.SUBMITTED:
        raise BusinessRuleError(_("该检查已提交，不能再添加照片"))
    if locked.status != InspectionStatus.IN_PROGRESS:
        raise BusinessRuleError(_("请先开始检查（到达现场后点击“开始检查”）"))
    if InspectionPhoto.objects.filter(inspection=locked, item=item).count() >= MAX_PHOTOS_PER_ITEM:
        raise BusinessRuleError(_("每个检查项最多 %(n)d 张照片") % {"n": MAX_PHOTOS_PER_ITEM})
    clean = image_clean(upload)  # an empty or broken file is refused here, in words
    photo = InspectionPhoto(
        inspection=locked,
        item=item,
        width=clean.width,
        height=clean.height,
        digest=digest,
        uploaded_by=user,
    )
    photo.image.save(f"{locked.pk}-{item.pk}.jpg", ContentFile(clean.data), save=False)
    photo.save()
    return photo, True


@transaction.atomic
def inspection_photo_remove(*, user, photo: InspectionPhoto) -> None:
    """Take back a photo (the wrong one was sent) while the inspection is still in progress;
    once submitted, the photos are part of the record."""
    _require_inspector(user, photo.inspection)
    locked = Inspection.objects.select_for_update().get(pk=photo.inspection_id)
    if locked.status != InspectionStatus.IN_PROGRESS:
        raise BusinessRuleError(_("该检查已提交，照片不能再删除"))
    name, storage = photo.image.name, photo.image.storage
    assert name is not None  # the image is required: every photo has its file
    photo.delete()
    # Only this row refers to the file until the submit shares it with a hazard.
    transaction.on_commit(lambda: storage.delete(name))
