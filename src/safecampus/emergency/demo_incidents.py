"""The demo city's incidents, alarms and drills from the 2019 autumn term to today, each with its
timeline as the services write it: raised by a school's leader (or an officer above it) or by a
one-button alarm, acknowledged, assigned, responded to step by step along the school's plan, the
latched alarm reset by hand, resolved and closed with a report.

- real incidents, ~170 a year in a Yantai-sized city: illnesses and injuries most, then
  intruders, bullying, traffic, weather, outbreaks, a few fires in a kitchen or a switchboard, a
  rare food poisoning or drowning; about a fifth of the alarms from buttons are false (误触);
- every November, the fire-safety month, a drill at half the schools and kindergartens (each
  school every other year): fire evacuation, earthquake, or an intruder with the button pressed;
- today: an alarm pressed this morning still latched while the school responds, and an outbreak
  acknowledged yesterday — the open incidents of the command board.

Deterministic for a seed and a moment; raw multi-row inserts (demo/bulk.py).
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection

from safecampus.access.roles import Role
from safecampus.demo.bulk import records_insert, rows_insert
from safecampus.demo.generator import DemoCity
from safecampus.demo.history import HISTORY_START, TZ, at, day_between
from safecampus.devices.models import AlarmButton
from safecampus.emergency.choices import (
    AlarmSource,
    EventKind,
    IncidentSource,
    IncidentStatus,
    IncidentType,
    Severity,
)
from safecampus.emergency.models import Alarm, EmergencyPlan, Incident, IncidentEvent
from safecampus.orgs.choices import BASIC_SCHOOL_TYPES, SchoolType
from safecampus.orgs.models import OrgUnit, School

T = IncidentType
REAL_PER_YEAR = 170
# type -> (weight, [(what happened, place at a school, place at a kindergarten)], not at a
# kindergarten). {kid}: 学生 / 幼儿.
REAL: dict[str, tuple[int, list[tuple[str, str, str]], bool]] = {
    T.MEDICAL: (
        34,
        [
            ("{kid}体育活动中突发晕厥，现场急救后送医", "操场", "户外活动场"),
            ("{kid}课间追逐摔倒致手臂骨折，已送医治疗", "教学楼走廊", "活动室"),
            ("{kid}进餐后腹痛呕吐，处置后由家长接回就医", "学生食堂", "活动室"),
            ("{kid}高烧抽搐，现场处置后送医", "教室", "午睡室"),
        ],
        False,
    ),
    T.INTRUSION: (
        10,
        [
            ("可疑人员在门口徘徊并试图进入，保安员拦截并报警", "校门口", "园门口"),
            ("校外人员翻越围墙进入，保安员控制后移交派出所", "围墙", "围墙"),
            ("醉酒人员在门口滋事，民警到场处置", "校门口", "园门口"),
        ],
        False,
    ),
    T.BULLYING: (
        8,
        [
            ("{kid}反映在厕所遭同学推搡辱骂，班主任调查核实", "教学楼厕所", ""),
            ("放学后{kid}在校门外被他人围堵索要财物", "校门外", ""),
        ],
        True,
    ),
    T.TRAFFIC: (
        8,
        [
            ("{kid}放学途中在门外路口被电动车撞倒，轻微擦伤", "校门外路口", "园门外路口"),
            ("接送车辆倒车剐蹭{kid}，已送医检查", "接送等候区", "接送等候区"),
        ],
        False,
    ),
    T.FIRE: (
        4,
        [
            ("后厨油锅起火，工作人员用灭火毯扑灭", "食堂后厨", "幼儿园厨房"),
            ("配电箱冒烟，电工断电后排除故障", "配电室", "配电间"),
        ],
        False,
    ),
    T.FOOD_POISONING: (
        2,
        [("多名{kid}午餐后出现腹泻呕吐症状，已送医并封存留样", "学生食堂", "幼儿园厨房")],
        False,
    ),
    T.STAMPEDE: (1, [("放学时楼梯口拥挤，一名{kid}摔倒擦伤", "教学楼楼梯", "楼梯")], False),
    T.NATURAL_DISASTER: (
        6,
        [
            ("暴雨致校园积水，一楼房间进水，已组织转移", "教学楼一楼", "活动室"),
            ("大风吹倒门口临时围挡，无人员受伤", "校门口", "园门口"),
        ],
        False,
    ),
    T.PUBLIC_HEALTH: (
        7,
        [
            ("班级出现多例发热病例，疑似流感聚集，已报告疾控", "教室", "活动室"),
            ("出现诺如病毒感染聚集病例，已消毒并报告疾控", "教学楼", "活动室"),
        ],
        False,
    ),
    T.DROWNING: (2, [("{kid}周末在水库游泳溺水，被救起后送医", "校外水库", "")], True),
    T.OTHER: (
        8,
        [
            ("门口发现不明包裹，报警后查明为遗失快递", "校门口", "园门口"),
            ("{kid}放学后未按时回家，家长报告后在同学家找到", "校外", "校外"),
        ],
        False,
    ),
}
SEVERE: dict[str, int] = {T.FOOD_POISONING: Severity.III, T.DROWNING: Severity.II}
FALSE_ALARMS = 0.2  # of the alarms from buttons
DRILLS = [
    (T.FIRE, 60, "消防疏散演练：全体师生按预案疏散至操场，用时 {m} 分 {s} 秒"),
    (T.EARTHQUAKE, 25, "防震避险演练：听到警报后就地避险，随后疏散至集合点，用时 {m} 分 {s} 秒"),
    (T.INTRUSION, 15, "防暴力侵害演练：模拟可疑人员闯入，门卫按下一键报警，保安员持械处置"),
]


@dataclass
class _Incident:
    school: School
    kind: str
    raised: datetime
    description: str
    place: str
    severity: int = Severity.IV
    source: str = IncidentSource.MANUAL
    drill: bool = False
    button: tuple[int, str] | None = None  # (pk, device id) of the button pressed
    false_alarm: bool = False
    halt: str | None = None  # the first line not yet taken (the open ones of today)
    events: list[tuple] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    alarm: dict | None = None


class _Plans:
    """Each school's plan of a type (its adopted copy) and the steps an incident copies from it,
    encoded once per distinct list of steps."""

    def __init__(self, city: OrgUnit):
        steps_field = EmergencyPlan._meta.get_field("steps")
        self.encode = lambda steps: steps_field.get_db_prep_save(steps, connection)
        self.copies: dict[tuple[int, str], tuple[int, int, int]] = {}
        wanted = set()  # the plans whose steps the copies show: the adapted copies' own
        for pk, unit_id, kind, source_pk, version in EmergencyPlan.objects.filter(
            unit__path__startswith=city.path, unit__kind="school", active=True
        ).values_list("pk", "unit_id", "incident_type", "adopted_from_id", "version"):
            self.copies[(unit_id, kind)] = (pk, source_pk, version)
            wanted.add(pk if version > 1 else source_pk)
        self.steps = dict(EmergencyPlan.objects.filter(pk__in=wanted).values_list("pk", "steps"))
        self.encoded: dict[int, object] = {}

    def of(self, school: School, kind: str) -> tuple[int | None, list, object]:
        """(plan id, its steps, the steps' DB value) of the school's plan of `kind`."""
        copy = self.copies.get((school.pk, kind))
        if copy is None:
            return None, [], self.encode([])
        pk, source_pk, version = copy
        key = pk if version > 1 else source_pk
        if key not in self.encoded:
            self.encoded[key] = self.encode(self.steps[key])
        return pk, self.steps[key], self.encoded[key]


def incidents(city: DemoCity) -> int:
    """The demo builder: each city's incidents and drills. Answers how many incidents."""
    return sum(
        incidents_of(city=unit, demo=city, rng=city.rng("incidents", unit.code))
        for unit in city.cities
    )


def incidents_of(*, city: OrgUnit, demo: DemoCity, rng: random.Random) -> int:
    now, today = demo.now, demo.today
    schools = list(
        School.objects.filter(unit__path__startswith=city.path, school_type__in=BASIC_SCHOOL_TYPES)
        .select_related("unit")
        .order_by("pk")
    )
    buttons: dict[int, list[tuple]] = {}
    for row in AlarmButton.objects.filter(school__in=[s.pk for s in schools]).values_list(
        "school_id", "pk", "device_id", "installed_on", "removed_on"
    ):
        buttons.setdefault(row[0], []).append(row[1:])

    def button(school: School, day: date) -> tuple[int, str] | None:
        for pk, device_id, installed, removed in buttons.get(school.pk, []):
            if (installed is None or installed <= day) and (removed is None or removed > day):
                return pk, device_id
        return None

    made: list[_Incident] = []
    # Real incidents, weighted by size.
    weights = [max(s.students, 30) ** 0.5 for s in schools]
    kinds = list(REAL)
    years = (today - HISTORY_START).days / 365
    for _ in range(round(REAL_PER_YEAR * years)):
        school = rng.choices(schools, weights)[0]
        kindergarten = school.school_type == SchoolType.KINDERGARTEN
        kind = rng.choices(kinds, [REAL[k][0] for k in kinds])[0]
        if kindergarten and REAL[kind][2]:  # no bullying or drowning at a kindergarten
            kind = T.MEDICAL
        stories = REAL[kind][1]
        story, place, kg_place = rng.choice(stories)
        day = day_between(rng, HISTORY_START, today - timedelta(days=3))
        if kind == T.DROWNING:
            day = day_between(rng, date(day.year, 6, 10), date(day.year, 8, 25), weekdays=False)
            day = min(day, today - timedelta(days=3))
        raised = at(day, rng.randint(7, 17), rng.randrange(60))
        incident = _Incident(
            school=school,
            kind=kind,
            raised=raised,
            description=story.format(kid="幼儿" if kindergarten else "学生"),
            place=kg_place if kindergarten else place,
            severity=SEVERE.get(kind, Severity.III if rng.random() < 0.04 else Severity.IV),
        )
        pressed = button(school, day) if kind == T.INTRUSION and rng.random() < 0.6 else None
        if pressed:
            incident.source, incident.button = IncidentSource.DEVICE, pressed
            incident.place = "门卫室"
        elif rng.random() < 0.1:
            incident.source = IncidentSource.OFFICER
        made.append(incident)
    # False alarms from buttons.
    for _ in range(round(REAL_PER_YEAR * FALSE_ALARMS * years)):
        school = rng.choice(schools)
        day = day_between(rng, HISTORY_START, today - timedelta(days=3), weekdays=False)
        pressed = button(school, day)
        if pressed:
            made.append(
                _Incident(
                    school=school,
                    kind=T.INTRUSION,
                    raised=at(day, rng.randint(0, 23), rng.randrange(60)),
                    description="",
                    place="门卫室",
                    source=IncidentSource.DEVICE,
                    button=pressed,
                    false_alarm=True,
                )
            )
    # Every other year at each school (half the schools a year), the drill of the fire-safety
    # month recorded through the platform.
    for year in range(HISTORY_START.year, today.year + 1):
        first, last = date(year, 11, 1), date(year, 11, 24)
        if last >= today:
            continue
        for school in schools[year % 2 :: 2]:
            kind, _w, story = rng.choices(DRILLS, [w for _k, w, _s in DRILLS])[0]
            day = day_between(rng, first, last)
            drill = _Incident(
                school=school,
                kind=kind,
                raised=at(day, rng.choice((9, 10, 14, 15)), rng.randrange(0, 60, 5)),
                description=story.format(m=rng.randint(1, 2), s=rng.randint(0, 59)),
                place="操场" if kind != T.INTRUSION else "门卫室",
                drill=True,
            )
            pressed = button(school, day) if kind == T.INTRUSION else None
            if pressed:
                drill.source, drill.button = IncidentSource.DEVICE, pressed
            made.append(drill)
    made += _today(schools, button, now, rng)
    return _write(made, city, demo, rng)


def _today(schools, button, now: datetime, rng: random.Random) -> list[_Incident]:
    """The open incidents of today: an alarm pressed this morning, still latched while the
    school responds; an outbreak acknowledged yesterday."""
    open_now = []
    school = next(
        (s for s in rng.sample(schools, len(schools)) if button(s, now.astimezone(TZ).date())),
        None,
    )
    if school is not None:
        pressed = now - timedelta(minutes=40)
        open_now.append(
            _Incident(
                school=school,
                kind=T.INTRUSION,
                raised=pressed,
                description="可疑人员在门口徘徊并试图进入，保安员拦截并报警",
                place="门卫室",
                source=IncidentSource.DEVICE,
                button=button(school, pressed.astimezone(TZ).date()),
                halt=EventKind.ALARM_RESET,
            )
        )
    school = rng.choice(schools)
    open_now.append(
        _Incident(
            school=school,
            kind=T.PUBLIC_HEALTH,
            raised=at(now.astimezone(TZ).date() - timedelta(days=1), 10, 20),
            description="班级出现多例发热病例，疑似流感聚集，已报告疾控",
            place="活动室" if school.school_type == SchoolType.KINDERGARTEN else "教室",
            halt=EventKind.RESPONDING,
        )
    )
    return open_now


def _write(made: list[_Incident], city: OrgUnit, demo: DemoCity, rng: random.Random) -> int:
    plans = _Plans(city)
    data_field = IncidentEvent._meta.get_field("data")
    empty = data_field.get_db_prep_save({}, connection)
    for incident in made:
        _timeline(incident, plans, demo, rng)
    ids = records_insert(Incident, [i.values for i in made])
    alarms = [(pk, i.alarm) for pk, i in zip(ids, made, strict=True) if i.alarm is not None]
    alarm_ids = records_insert(Alarm, [{**a, "incident_id": pk} for pk, a in alarms])
    alarm_of = {pk: alarm_id for (pk, _a), alarm_id in zip(alarms, alarm_ids, strict=True)}
    rows = []
    for pk, incident in zip(ids, made, strict=True):
        for moment, by, kind, note, data in incident.events:
            if "alarm" in data:
                data = {**data, "alarm": alarm_of[pk]}
            encoded = data_field.get_db_prep_save(data, connection) if data else empty
            rows.append((pk, moment, by, kind, note[:1000], encoded))
    rows_insert(
        IncidentEvent._meta.db_table,
        ["incident_id", "at", "by_id", "kind", "note", "data"],
        rows,
    )
    return len(made)


def _timeline(i: _Incident, plans: _Plans, demo: DemoCity, rng: random.Random) -> None:
    """The incident's lines and its row: each step a few minutes after the last, up to `until`
    for the open ones of today."""
    school = i.school
    principal = demo.holder(Role.PRINCIPAL, school.pk)
    director = demo.holder(Role.SAFETY_DIRECTOR, school.pk) or principal
    guard = demo.holder(Role.GUARD, school.pk) or director
    officer = demo.holder(Role.DISTRICT_OFFICER, school.district_id) if school.district_id else None
    reporter = (
        officer
        if i.source == IncidentSource.OFFICER
        else principal
        if rng.random() < 0.4
        else director
    )
    pk = lambda user: user.pk if user is not None else None  # noqa: E731
    plan_id, steps, encoded = plans.of(school, i.kind)
    moment = i.raised
    status = IncidentStatus.RAISED
    halted = False

    def line(kind: str, by, note: str = "", minutes: tuple[float, float] = (1, 6), **data) -> bool:
        nonlocal moment, halted
        halted = halted or kind == i.halt
        if halted:
            return False
        moment = moment + timedelta(minutes=rng.uniform(*minutes)) if i.events else moment
        i.events.append((moment, pk(by), kind, note, data))
        return True

    if i.button is not None:
        line(
            EventKind.ALARM,
            None,
            "",
            alarm=0,
            source=AlarmSource.DEVICE,
            device=i.button[1],
            place=i.place,
        )
        i.alarm = {
            "school_id": school.pk,
            "source": AlarmSource.DEVICE,
            "origin": i.button[1],
            "event_id": f"{i.button[1]}-{int(i.raised.timestamp())}",
            "device_id": i.button[0],
            "place": i.place,
            "pressed_at": i.raised,
            "received_at": i.raised + timedelta(milliseconds=rng.randint(80, 900)),
            "reporter_id": None,
            "reset_at": None,
            "reset_by_id": None,
            "reset_note": "",
        }
    else:
        line(EventKind.RAISED, reporter, i.description)
    acknowledged = acknowledged_by = assignee = resolved = closed = None
    if line(EventKind.ACKNOWLEDGED, director):
        status, acknowledged, acknowledged_by = IncidentStatus.ACKNOWLEDGED, moment, director
    if (
        status == IncidentStatus.ACKNOWLEDGED
        and not i.false_alarm
        and line(
            EventKind.ASSIGNED,
            director,
            "",
            assignee=pk(director),
            assignee_name=str(director or ""),
        )
    ):
        assignee = director
    if status == IncidentStatus.ACKNOWLEDGED and line(EventKind.RESPONDING, director):
        status = IncidentStatus.RESPONDING
    if status == IncidentStatus.RESPONDING and not i.false_alarm:
        for n, step in enumerate(steps[: rng.randint(2, 3) if i.drill else rng.randint(1, 3)]):
            if not line(EventKind.STEP, director, step.get("text", ""), (2, 10), step=n):
                break
    if i.alarm is not None and status == IncidentStatus.RESPONDING:
        note = (
            "误触，已核实无警情"
            if i.false_alarm
            else "演练结束，复位"
            if i.drill
            else "现场已处置，复位报警"
        )
        if line(EventKind.ALARM_RESET, guard, note, (5, 20), alarm=0):
            i.alarm.update(reset_at=moment, reset_by_id=pk(guard), reset_note=note)
    if status == IncidentStatus.RESPONDING:
        note = (
            "演练按预案完成"
            if i.drill
            else "误触，现场核实无警情"
            if i.false_alarm
            else "现场处置完毕"
        )
        if line(EventKind.RESOLVED, director, note, (10, 240)):
            status, resolved = IncidentStatus.RESOLVED, moment
    report = ""
    if status == IncidentStatus.RESOLVED:
        report = (
            f"{i.description}。演练按预案完成，各岗位职责落实，发现的问题已纳入整改。"
            if i.drill
            else "经核实为误触，已提醒门卫规范使用报警按钮。"
            if i.false_alarm
            else f"{i.description}。已按预案处置完毕，相关情况已告知家长并做好后续跟进。"
        )
        if line(EventKind.CLOSED, principal, "", (60 * 20.0, 60 * 24 * 4.0)):
            status, closed = IncidentStatus.CLOSED, moment
        else:
            report = ""
    i.values = {
        "school_id": school.pk,
        "incident_type": i.kind,
        "severity": i.severity,
        "status": status,
        "source": i.source,
        "is_drill": i.drill,
        "place": i.place,
        "description": i.description,
        "reporter_id": pk(reporter) if i.button is None else None,
        "raised_at": i.raised,
        "acknowledged_at": acknowledged,
        "acknowledged_by_id": pk(acknowledged_by),
        "assignee_id": pk(assignee),
        "resolved_at": resolved,
        "closed_at": closed,
        "escalated_at": None,
        "report": report,
        "plan_id": plan_id,
        "plan_steps": encoded,
        "client_key": None,
    }
