"""Reads of the patrols through the access choke point, and the daily completeness of the
key areas against the `patrol` rule set in force at each school."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.access.scope import scoped, scoped_get
from safecampus.rules.selectors import EffectiveRule, RuleLookup, effective_rule_set

from .models import CheckPoint, PatrolVisit


def checkpoint_list(*, user, school=None, action: str = "patrol.view") -> QuerySet[CheckPoint]:
    qs = scoped(CheckPoint.objects.select_related("school__unit"), user, action)
    return qs.filter(school=school) if school is not None else qs


def checkpoint_get(*, user, check_point_id: int, action: str = "patrol.view") -> CheckPoint:
    return scoped_get(
        CheckPoint.objects.select_related("school__unit", "school__district"),
        user,
        action,
        pk=check_point_id,
    )


def checkpoint_for_scan(*, user, token: str) -> CheckPoint:
    """The check point a scanned code names: 404 outside the user's scope (a code of another
    school reveals nothing), 403 for someone who sees it but does not patrol (an officer)."""
    return scoped_get(
        CheckPoint.objects.select_related("school__unit", "school__district"),
        user,
        "patrol.scan",
        token=token,
    )


def visit_list(*, user) -> QuerySet[PatrolVisit]:
    return scoped(
        PatrolVisit.objects.select_related("check_point__school__unit", "user", "hazard"),
        user,
        "patrol.view",
    )


def day_end(day: date) -> datetime:
    """The first instant after `day` in local time."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def explain(rule: EffectiveRule, required: int) -> str:
    """E.g. "按GB/T 29315-2022 巡查要求（2022）（平台默认）：重点部位每日 ≥ 5 次"."""
    return _("%(rule)s：重点部位每日 ≥ %(n)d 次") % {"rule": rule.explain(), "n": required}


def completeness_rate(complete: int, total: int) -> float | None:
    """Complete ÷ total in percent, cut (not rounded) to two decimals like every rate the
    bureau reports: a rate never states a figure not yet reached."""
    if not total:
        return None
    return float(
        (Decimal(complete) * 100 / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    )


@dataclass
class PointDay:
    check_point: CheckPoint
    visits: list[PatrolVisit]
    required: int | None  # None: not a key area, no quota
    counted: bool  # part of the day's verdict (an active key area that existed that day)

    @property
    def count(self) -> int:
        return len(self.visits)

    @property
    def done(self) -> bool:
        return self.required is None or self.count >= self.required


@dataclass
class SchoolDay:
    school: object
    day: date
    rule: EffectiveRule
    required: int
    points: list[PointDay] = field(default_factory=list)

    @property
    def key_areas(self) -> list[PointDay]:
        return [p for p in self.points if p.counted]

    @property
    def key_areas_done(self) -> int:
        return sum(1 for p in self.key_areas if p.done)

    @property
    def complete(self) -> bool | None:
        """Every active key area reached its quota; None when the school has no key area."""
        if not self.key_areas:
            return None
        return self.key_areas_done == len(self.key_areas)

    @property
    def explanation(self) -> str:
        return explain(self.rule, self.required)

    @property
    def visits(self) -> int:
        return sum(p.count for p in self.points)


def school_day(*, user, school, day: date) -> SchoolDay:
    """One school's patrols on one day: each check point's visits (who, when) against the
    quota of the rule set in force at the school. Inactive check points show only when they
    were visited; check points set up after the day do not count for it."""
    rule = effective_rule_set("patrol", school.unit)
    required = rule.rules.key_area_visits_per_day
    end = day_end(day)
    by_point = defaultdict(list)
    for visit in (
        visit_list(user=user)
        .filter(check_point__school=school, day=day)
        .select_related(None)
        .select_related("user", "hazard")
        .order_by("visited_at", "pk")
    ):
        by_point[visit.check_point_id].append(visit)
    result = SchoolDay(school, day, rule, required)
    for point in checkpoint_list(user=user, school=school).order_by("-is_key_area", "name"):
        existed = point.created_at < end
        if not by_point[point.pk] and not (point.active and existed):
            continue
        result.points.append(
            PointDay(
                point,
                by_point[point.pk],
                required if point.is_key_area else None,
                counted=point.is_key_area and point.active and existed,
            )
        )
    return result


@dataclass
class SchoolVerdict:
    school_id: int
    name: str
    district_id: int | None
    required: int
    key_areas: int
    key_areas_done: int

    @property
    def complete(self) -> bool:
        return self.key_areas_done == self.key_areas


@dataclass
class RollupRow:
    district_id: int  # 0 = directly affiliated (市直属)
    name: str
    schools: int
    complete: int

    @property
    def missing(self) -> int:
        return self.schools - self.complete

    @property
    def rate(self) -> float | None:
        return completeness_rate(self.complete, self.schools)


@dataclass
class Rollup:
    day: date
    rows: list[RollupRow]
    verdicts: list[SchoolVerdict]

    @property
    def schools(self) -> int:
        return len(self.verdicts)

    @property
    def complete(self) -> int:
        return sum(1 for v in self.verdicts if v.complete)

    @property
    def rate(self) -> float | None:
        return completeness_rate(self.complete, self.schools)

    def missing(self, district_id: int | None = None) -> list[SchoolVerdict]:
        """The schools that missed the day, of one district (0 = 市直属) or of all."""
        return [
            v
            for v in self.verdicts
            if not v.complete and (district_id is None or (v.district_id or 0) == district_id)
        ]


def patrol_rollup(*, user, day: date) -> Rollup:
    """A day's completeness over the schools in scope that have active key areas: per school
    (key areas that reached the quota of the school's rule set), per district and in all.
    A fixed number of queries, whatever the number of schools."""
    key_areas = scoped(
        CheckPoint.objects.filter(active=True, is_key_area=True, created_at__lt=day_end(day)),
        user,
        "patrol.view",
    ).values_list(
        "pk",
        "school_id",
        "school__unit__path",
        "school__unit__name",
        "school__district_id",
        "school__district__name",
        "school__district__code",
    )
    counts = dict(
        scoped(
            PatrolVisit.objects.filter(
                day=day, check_point__active=True, check_point__is_key_area=True
            ),
            user,
            "patrol.view",
        )
        .order_by()
        .values("check_point")
        .annotate(n=Count("pk"))
        .values_list("check_point", "n")
    )
    rules = RuleLookup("patrol")
    verdicts: dict[int, SchoolVerdict] = {}
    districts: dict[int, tuple[str, str]] = {}
    for pk, school_id, path, name, district_id, district_name, code in key_areas:
        verdict = verdicts.get(school_id)
        if verdict is None:
            quota = rules.rules(rules.at(path)).key_area_visits_per_day
            verdict = verdicts[school_id] = SchoolVerdict(school_id, name, district_id, quota, 0, 0)
            districts[district_id or 0] = (code or "", district_name or _("市直属"))
        verdict.key_areas += 1
        verdict.key_areas_done += counts.get(pk, 0) >= verdict.required
    rows = {key: RollupRow(key, name, 0, 0) for key, (_code, name) in districts.items()}
    for verdict in verdicts.values():
        row = rows[verdict.district_id or 0]
        row.schools += 1
        row.complete += verdict.complete
    # Districts in the order of their codes, the directly-affiliated schools last.
    ordered = sorted(rows.values(), key=lambda r: (r.district_id == 0, districts[r.district_id]))
    return Rollup(day, ordered, sorted(verdicts.values(), key=lambda v: v.name))
