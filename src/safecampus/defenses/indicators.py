"""The four 100% indicators (四个100%): a verdict per school with its reason, and the rates
of districts and the city (the share of schools that meet each indicator).

Verdicts are computed, never stored, from the records under the rule sets in force at each
school, so changing a school's rule set changes its verdicts at once. One school or all 1,587
of a city cost the same dozen queries: each kind of record is read once for all the schools
(a few aggregates), the rule set of each school is resolved in Python from the rule
partitions of the tree, and the verdicts are worked out in Python.

Which schools are assessed: the basic schools and kindergartens (中小学幼儿园,
`BASIC_SCHOOL_TYPES`) — the four 100% are a K-12 measure; universities and off-campus training
institutions keep guards and equipment (counted in the totals) but get no verdicts.

Decisions (documented in docs/architecture.md):
- guards: active, full-time, a licence number whose expiry (if any) is not past when the rule
  requires a licence, and younger than the rule's age limit this year (birth year only);
- gate posts: at least one active arrival post and one active dismissal post whose rosters
  together cover every school day (Mon–Fri). Sign-ins are shown as evidence on the school's
  page but do not decide the verdict: a verdict that flipped each morning before the first
  sign-in would make the rates meaningless;
- alarm + video: an active alarm button linked to the police and tested within the
  `equipment_check` interval, and an active camera at every place where the `protection_grade`
  rule requires video;
- the day: verdicts are those of `today` (the caller's day, today by default), from the records
  in service that day by their dates — guards by `hired_on`/`left_on`, cameras and buttons by
  `installed_on`/`removed_on`, roster entries by `since`/`until` — and the latest alarm test up
  to that day (`devices.AlarmTest`), so that a past day's verdicts can be recomputed (the demo
  city's four 100% as of the article's day). Closure records and gate posts carry no dates:
  their current state stands for every day.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from safecampus.core.dataversion import cached
from safecampus.hazards.selectors import rectification_rate
from safecampus.orgs.choices import BASIC_SCHOOL_TYPES, SchoolType
from safecampus.rules.selectors import EffectiveRule, RuleLookup

from .choices import SCHOOL_DAYS, WEEKDAY_LABELS, Employment, Indicator, Period
from .models import CampusSecurity, GatePost, GatePostDuty, Guard

INDICATORS = [i.value for i in Indicator]


@dataclass(frozen=True)
class Verdict:
    meets: bool
    reason: str


@dataclass
class SchoolVerdicts:
    school_id: int
    name: str
    code: str
    district_id: int | None
    district_name: str
    verdicts: dict[str, Verdict] = field(default_factory=dict)

    @property
    def meets_all(self) -> bool:
        return all(v.meets for v in self.verdicts.values())


def assessed_schools(schools: QuerySet) -> QuerySet:
    """The schools that get verdicts (中小学幼儿园) among the given (scoped) ones."""
    return schools.filter(school_type__in=BASIC_SCHOOL_TYPES)


def _n(value: int) -> str:
    return f"{value:,}"


# --- 1. guards -------------------------------------------------------------------------------


def _guards_verdict(
    school: Mapping[str, Any], guards: list[list[Any]], rule: EffectiveRule, r: Any, today: date
) -> Verdict:
    students, staff, boarders = school["students"], school["staff"], school["boarders"]
    required = r.required(students=students, staff=staff, boarders=boarders)
    if r.basis == "students_and_staff":
        head = _("师生 %(n)s 人（学生 %(s)s、教职工 %(t)s）") % {
            "n": _n(students + staff),
            "s": _n(students),
            "t": _n(staff),
        }
    else:
        head = _("学生 %(n)s 人") % {"n": _n(students)}
    if r.boarders_every and boarders:
        head += _("，寄宿生 %(n)s 人") % {"n": _n(boarders)}
    qualified, part_time, too_old, unlicensed, expired = 0, 0, 0, 0, 0
    for employment, birth_year, licence_no, expiry in guards:
        if employment != Employment.FULL_TIME:
            part_time += 1
        elif today.year - birth_year >= r.max_age:
            too_old += 1
        elif r.licence_required and not licence_no:
            unlicensed += 1
        elif r.licence_required and expiry is not None and expiry < today:
            expired += 1
        else:
            qualified += 1
    excluded = []
    if expired:
        excluded.append(_("%(n)d 名证件过期") % {"n": expired})
    if unlicensed:
        excluded.append(_("%(n)d 名无证") % {"n": unlicensed})
    if too_old:
        excluded.append(_("%(n)d 名年满 %(age)d 岁") % {"n": too_old, "age": r.max_age})
    if part_time:
        excluded.append(_("%(n)d 名兼职") % {"n": part_time})
    reason = _("%(head)s，%(rule)s应配专职保安员 ≥ %(required)d 名，现有合格 %(qualified)d 名") % {
        "head": head,
        "rule": rule.explain(),
        "required": required,
        "qualified": qualified,
    }
    if excluded:
        reason += _("（%(list)s）") % {"list": "，".join(excluded)}
    return Verdict(qualified >= required, reason)


# --- 2. closure ------------------------------------------------------------------------------


def _closure_verdict(security: Mapping[str, Any] | None) -> Verdict:
    if security is None:
        return Verdict(False, _("未填报封闭化管理情况"))
    missing = []
    if not security["closed_management"]:
        missing.append(_("未实行封闭化管理"))
    if not security["entry_registration"]:
        missing.append(_("未落实出入登记"))
    notes = []
    if not security["anti_ram_barriers"]:
        notes.append(_("校门未设防冲撞设施"))
    if not security["perimeter_fence"]:
        notes.append(_("周界无实体围墙或栅栏"))
    if not security["gate_house_24h"]:
        notes.append(_("门卫室未 24 小时值守"))
    reason = "；".join(missing) if missing else _("实行封闭化管理并落实出入登记")
    if notes:
        reason += _("（另：%(notes)s）") % {"notes": "、".join(notes)}
    return Verdict(not missing, reason)


# --- 3. one-button alarm and video -----------------------------------------------------------


def _alarm_video_verdict(
    school: Mapping[str, Any],
    alarms: list[list[Any]],
    cameras: dict[str, int],
    grade_rule: EffectiveRule,
    grades: Any,
    interval_days: int,
    today: date,
) -> Verdict:
    problems = []
    linked = [a for a in alarms if a[0]]
    tested = [a for a in linked if a[2] is not None and (today - a[2]).days <= interval_days]
    if not alarms:
        problems.append(_("未安装一键式紧急报警"))
    elif not linked:
        problems.append(_("一键式紧急报警未联网公安"))
    elif not tested:
        last = max((a[2] for a in linked if a[2] is not None), default=None)
        problems.append(
            _("一键式紧急报警最近测试于 %(d)s，超过 %(n)d 天")
            % {"d": last.isoformat(), "n": interval_days}
            if last
            else _("一键式紧急报警从未测试")
        )
    required = [p for p in grades.places if p.video]
    uncovered = [p.label for p in required if not cameras.get(p.place)]
    if uncovered:
        problems.append(_("%(places)s无视频监控") % {"places": "、".join(uncovered)})
    grade = grades.grade(
        kindergarten=school["school_type"] == SchoolType.KINDERGARTEN, students=school["students"]
    )
    basis = _("%(rule)s为%(grade)s级防护") % {
        "rule": grade_rule.explain(),
        "grade": "一二三"[grade - 1],
    }
    if problems:
        return Verdict(False, f"{'；'.join(problems)}（{basis}）")
    alarm = max(tested, key=lambda a: a[2])
    reason = _(
        "一键式紧急报警已联网%(police)s，%(d)s 测试；%(n)d 个须监控部位均有摄像头（共 %(c)s 路，%(basis)s）"
    ) % {
        "police": f"（{alarm[1]}）" if alarm[1] else "",
        "d": alarm[2].isoformat(),
        "n": len(required),
        "c": _n(sum(cameras.values())),
        "basis": basis,
    }
    return Verdict(True, reason)


# --- 4. gate posts ---------------------------------------------------------------------------


def _days(days: set[str]) -> str:
    return "、".join(str(WEEKDAY_LABELS[d]) for d in sorted(days))


def _gate_posts_verdict(posts: dict[str, int], covered: dict[str, set], people: int) -> Verdict:
    problems = []
    for period in Period:
        if not posts.get(period.value):
            problems.append(_("未设%(period)s护学岗") % {"period": period.label})
            continue
        gaps = set(SCHOOL_DAYS) - covered.get(period.value, set())
        if gaps == set(SCHOOL_DAYS):
            problems.append(_("%(period)s护学岗无人排班") % {"period": period.label})
        elif gaps:
            problems.append(
                _("%(period)s护学岗%(days)s无人在岗")
                % {"period": period.label, "days": _days(gaps)}
            )
    if problems:
        return Verdict(False, "；".join(problems))
    return Verdict(
        True,
        _("上学、放学护学岗周一至周五均有人在岗（排班 %(n)d 人次）") % {"n": people},
    )


# --- all four, for many schools at once ------------------------------------------------------


def school_verdicts(schools: QuerySet, today: date | None = None) -> list[SchoolVerdicts]:
    """The four verdicts of every assessed school among `schools` (a scoped School queryset),
    in path order. A fixed number of queries, whatever the number of schools; cached until a
    record or rule behind any verdict changes (the counter `defenses`, migration 0002), keyed
    by the SQL of the schools asked for (scope and filters) and the day."""
    today = today or timezone.localdate()
    schools = assessed_schools(schools).order_by()
    return cached(
        "defenses",
        ["verdicts", str(schools.query), today, get_language()],
        lambda: _school_verdicts(schools, today),
    )


def _in_service(
    today: date, start: str, end: str, *, active: bool = False, last_day: bool = False
) -> Q:
    """Records in service on `today` by their dates: started (or of unknown start) and not yet
    ended — an end date is the first day out (`removed_on`, `left_on`), or with `last_day` the
    last day in (a roster's `until`). With `active`, a record without an end date counts only
    while it is active (taken out of service without a date: not on any day)."""
    ended = Q(**{f"{end}__gte" if last_day else f"{end}__gt": today})
    started = Q(**{f"{start}__isnull": True}) | Q(**{f"{start}__lte": today})
    running = Q(**{f"{end}__isnull": True}) & (Q(active=True) if active else Q())
    return started & (running | ended)


def _tested_by(today: date, late: list[tuple[int, int, list[Any]]]) -> None:
    """For buttons whose latest test is after `today`, the latest test up to `today` from their
    dated tests (devices.AlarmTest), in place: verdicts as of a past day."""
    from safecampus.devices.models import AlarmTest

    if not late:
        return
    before = dict(
        AlarmTest.objects.filter(alarm_id__in=[a for _s, a, _r in late], tested_on__lte=today)
        .values("alarm_id")
        .annotate(last=Max("tested_on"))
        .values_list("alarm_id", "last")
    )
    for _school, alarm_id, row in late:
        row[2] = before.get(alarm_id)


def _school_verdicts(schools: QuerySet, today: date) -> list[SchoolVerdicts]:
    from safecampus.devices.models import AlarmButton, Camera

    rows = list(
        schools.order_by("unit__path").values(
            "pk",
            "unit__name",
            "unit__code",
            "unit__path",
            "district_id",
            "district__name",
            "school_type",
            "students",
            "staff",
            "boarders",
        )
    )
    if not rows:
        return []
    ids = schools.values("pk")

    guards = defaultdict(list)
    for school_id, *guard in (
        Guard.objects.filter(school__in=ids)
        .filter(_in_service(today, "hired_on", "left_on", active=True))
        .values_list("school_id", "employment", "birth_year", "licence_no", "licence_expiry")
    ):
        guards[school_id].append(guard)

    security = {
        row["school_id"]: row
        for row in CampusSecurity.objects.filter(school__in=ids).values(
            "school_id",
            "closed_management",
            "entry_registration",
            "anti_ram_barriers",
            "perimeter_fence",
            "gate_house_24h",
        )
    }

    alarms = defaultdict(list)
    late: list[tuple[int, int, list[Any]]] = []  # tested after `today`: find the test before
    installed = _in_service(today, "installed_on", "removed_on", active=True)
    for alarm_id, school_id, *alarm in (
        AlarmButton.objects.filter(school__in=ids)
        .filter(installed)
        .values_list("pk", "school_id", "linked_to_police", "police_unit", "last_tested_on")
    ):
        alarms[school_id].append(alarm)
        if isinstance(alarm[2], date) and alarm[2] > today:
            late.append((school_id, alarm_id, alarm))
    _tested_by(today, late)
    cameras: dict[int, dict[str, int]] = defaultdict(dict)
    for by_place in (
        Camera.objects.filter(school__in=ids)
        .filter(installed)
        .values("school_id", "place")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        cameras[by_place["school_id"]][by_place["place"]] = by_place["n"]

    posts: dict[int, dict[str, int]] = defaultdict(dict)
    for by_period in (
        GatePost.objects.filter(school__in=ids, active=True)
        .values("school_id", "period")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        posts[by_period["school_id"]][by_period["period"]] = by_period["n"]
    covered: dict[int, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    people: dict[int, int] = defaultdict(int)
    for school_id, period, weekdays in (
        GatePostDuty.objects.filter(post__school__in=ids, post__active=True)
        .filter(_in_service(today, "since", "until", last_day=True))
        .values_list("post__school_id", "post__period", "weekdays")
    ):
        covered[school_id][period].update(weekdays)
        people[school_id] += 1

    staffing, grades, checks = (
        RuleLookup("guard_staffing"),
        RuleLookup("protection_grade"),
        RuleLookup("equipment_check"),
    )
    out = []
    for row in rows:
        pk, path = row["pk"], row["unit__path"]
        guard_rule, grade_rule, check_rule = staffing.at(path), grades.at(path), checks.at(path)
        out.append(
            SchoolVerdicts(
                school_id=pk,
                name=row["unit__name"],
                code=row["unit__code"],
                district_id=row["district_id"],
                district_name=row["district__name"] or _("市直属"),
                verdicts={
                    Indicator.GUARDS: _guards_verdict(
                        row, guards[pk], guard_rule, staffing.rules(guard_rule), today
                    ),
                    Indicator.CLOSURE: _closure_verdict(security.get(pk)),
                    Indicator.ALARM_VIDEO: _alarm_video_verdict(
                        row,
                        alarms[pk],
                        cameras[pk],
                        grade_rule,
                        grades.rules(grade_rule),
                        checks.rules(check_rule).check_interval_days,
                        today,
                    ),
                    Indicator.GATE_POSTS: _gate_posts_verdict(posts[pk], covered[pk], people[pk]),
                },
            )
        )
    return out


def filter_verdicts(
    verdicts: list[SchoolVerdicts], indicator: str | None, meets: bool | None
) -> list[SchoolVerdicts]:
    """Schools meeting (or missing) one indicator; without an indicator, `meets=False` keeps
    the schools that miss any and `meets=True` those that meet all four."""
    if meets is None:
        return verdicts
    if indicator:
        return [v for v in verdicts if v.verdicts[indicator].meets == meets]
    return [v for v in verdicts if v.meets_all == meets]


def rates(verdicts: list[SchoolVerdicts]) -> dict:
    """Schools assessed, how many meet each indicator, and the rates in percent, cut (not
    rounded) to two decimals like the rectification rate: a report never states a share not
    yet reached. None when there is no school."""
    meets = {i: sum(1 for v in verdicts if v.verdicts[i].meets) for i in INDICATORS}
    return {
        "schools": len(verdicts),
        "meets": meets,
        "rates": {i: rectification_rate(meets[i], len(verdicts)) for i in INDICATORS},
        "meets_all": sum(1 for v in verdicts if v.meets_all),
    }


def district_rates(verdicts: list[SchoolVerdicts]) -> list[dict]:
    """The rates per district in the tree's order (市直属 last), for the dashboard table."""
    groups: dict[int | None, list[SchoolVerdicts]] = defaultdict(list)
    for v in verdicts:
        groups[v.district_id].append(v)
    rows = [
        {"district_id": key, "name": group[0].district_name, **rates(group)}
        for key, group in groups.items()
    ]
    # The verdicts come in path order, so the groups do too; sorted() is stable.
    return sorted(rows, key=lambda r: r["district_id"] is None)
