"""Reads of the technical-defense registry and of device state. Every read of business data goes
through `access.scope.scoped()`; the online threshold comes from the `device_status` rule set
governing each school (`rules.selectors.rule_partitions`), so a roll-up over thousands of
schools aggregates once per rule set instead of resolving a rule per school."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import BooleanField, Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from safecampus.access.scope import scoped, scoped_get
from safecampus.orgs.choices import UnitKind
from safecampus.orgs.models import OrgUnit, School
from safecampus.rules.selectors import rule_partitions

from .filters import DeviceFilters
from .models import AlarmButton, Camera, DeviceToken, Place, Status

MODELS: dict[str, type[Camera] | type[AlarmButton]] = {"camera": Camera, "alarm": AlarmButton}


def online_condition(now=None, prefix: str = "") -> Q:
    """Rows that are online: heard from within the missed-heartbeat threshold of the
    `device_status` rule set governing their school. `prefix` reaches the state from another
    model ("state__" from a Camera or AlarmButton); without it the rows are DeviceStates."""
    now = now or timezone.now()
    condition = Q(pk__in=[])
    for rule, governs in rule_partitions("device_status", "school__unit__path"):
        since = now - timedelta(seconds=rule.rules.offline_after_s)
        condition |= governs & Q(**{f"{prefix}last_seen_at__gte": since})
    return condition


def status_condition(status: str, *, prefix: str = "", now=None) -> Q:
    """Rows in a derived status: offline (not heard from in time, or never), fault (online and
    its last report a fault), online (online without a fault). Offline wins over a fault: a
    device not heard from may have been mended or may be burning, nobody knows."""
    online = online_condition(now, prefix)
    faulty = ~Q(**{f"{prefix}fault_code": ""}) & Q(**{f"{prefix}fault_code__isnull": False})
    if status == Status.OFFLINE:
        return ~online
    if status == Status.FAULT:
        return online & faulty
    return online & ~faulty


def with_status(qs: QuerySet, now=None) -> QuerySet:
    """Registry rows with `is_online` worked out in the query (the threshold differs per rule
    set, so it cannot be applied to a row in Python without another query)."""
    return qs.annotate(
        is_online=Case(
            When(online_condition(now, "state__"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def status_of(device) -> str:
    """The derived status of a registry row annotated by `with_status`."""
    if not device.is_online:
        return Status.OFFLINE
    state = getattr(device, "state", None)
    return Status.FAULT if state is not None and state.fault_code else Status.ONLINE


def camera_counts(schools: QuerySet, now=None) -> dict:
    """Cameras registered and cameras online at the given schools (a scoped School queryset)."""
    return Camera.objects.filter(school__in=schools, active=True).aggregate(
        cameras=Count("pk"), cameras_online=Count("pk", filter=online_condition(now, "state__"))
    )


def device_list(
    *, user, kind: str, filters: DeviceFilters | None = None, action: str = "device.view"
) -> QuerySet:
    """Cameras or alarm buttons in the user's scope, each with its state and `is_online`."""
    model = MODELS[kind]
    qs = scoped(model.objects.select_related("school__unit", "state"), user, action)
    qs = filters.filter(qs) if filters is not None else qs.filter(active=True)
    # Places in the rule's order (gate outside first, corridors late), not alphabetically.
    place_order = Case(
        *(When(place=p, then=Value(i)) for i, p in enumerate(Place.values)),
        default=Value(99),
        output_field=IntegerField(),
    )
    return with_status(qs).order_by("school__unit__path", place_order, "name", "pk")


def device_get(*, user, kind: str, pk: int, action: str = "device.view"):
    model = MODELS[kind]
    return scoped_get(
        with_status(model.objects.select_related("school__unit", "school__district", "state")),
        user,
        action,
        pk=pk,
    )


def school_devices_summary(*, user, school: School, now=None) -> dict:
    """The figures of one school's devices page (the school already reached through scope)."""
    rows = _counts_by_school(School.objects.filter(pk=school.pk), now)
    return _figures(rows.get(school.pk, {}))


def _counts_by_school(schools: QuerySet, now=None) -> dict[int, dict]:
    """{school id: {cameras, online, fault, alarms, alarms_online}} in two grouped queries."""
    online = online_condition(now, "state__")
    fault = online & ~Q(state__fault_code="")
    out: dict[int, dict] = defaultdict(dict)
    for model, names in (
        (Camera, ("cameras", "online", "fault")),
        (AlarmButton, ("alarms", "alarms_online", "alarms_fault")),
    ):
        rows = (
            model.objects.filter(school__in=schools, active=True)
            .order_by()
            .values("school_id")
            .annotate(
                total=Count("pk"),
                online=Count("pk", filter=online),
                fault=Count("pk", filter=fault),
            )
        )
        for row in rows:
            out[row["school_id"]].update(
                {names[0]: row["total"], names[1]: row["online"], names[2]: row["fault"]}
            )
    return out


def online_rate(online: int, total: int) -> float | None:
    """Online ÷ registered in percent, cut (not rounded) to two decimals like every rate the
    bureau reports (hazards.selectors.rectification_rate)."""
    from safecampus.hazards.selectors import rectification_rate

    return rectification_rate(online, total)


def _figures(counts: dict) -> dict:
    cameras, online = counts.get("cameras", 0), counts.get("online", 0)
    alarms, alarms_online = counts.get("alarms", 0), counts.get("alarms_online", 0)
    return {
        "cameras": cameras,
        "cameras_online": online,
        "cameras_offline": cameras - online,
        "cameras_fault": counts.get("fault", 0),
        "camera_rate": online_rate(online, cameras),
        "alarms": alarms,
        "alarms_online": alarms_online,
        "alarms_offline": alarms - alarms_online,
        "alarms_fault": counts.get("alarms_fault", 0),
        "alarm_rate": online_rate(alarms_online, alarms),
    }


def online_rates(*, user, unit: OrgUnit, now=None) -> dict:
    """Online rates at `unit` and for each unit directly below it that the user sees (cities of
    a province, districts and directly-affiliated schools of a city, schools of a district),
    from one grouped count per device kind, rolled up in Python."""
    schools = scoped(School.objects.filter(unit__path__startswith=unit.path), user, "device.view")
    counts = _counts_by_school(schools, now)
    depth = unit.path.count("/") - 1  # path segments of `unit` itself
    child_of: dict[int, str] = {}
    for pk, path in schools.values_list("pk", "unit__path"):
        child_of[pk] = path.strip("/").split("/")[depth] if path != unit.path else ""
    children = (
        list(
            scoped(
                OrgUnit.objects.filter(parent=unit).order_by("kind", "code"), user, "device.view"
            )
        )
        if unit.kind != UnitKind.SCHOOL
        else []
    )
    per_child: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    total: dict = defaultdict(int)
    for school_id, row in counts.items():
        for key, value in row.items():
            per_child[child_of.get(school_id, "")][key] += value
            total[key] += value
    rows = [
        {
            "unit_id": c.pk,
            "code": c.code,
            "name": c.name,
            "kind": c.kind,
            **_figures(per_child.get(c.code, {})),
        }
        for c in children
        if c.kind != UnitKind.SCHOOL or c.pk in counts
    ]
    if unit.kind == UnitKind.DISTRICT:
        # Problem schools first: the lowest camera online rate at the top.
        rows.sort(key=lambda r: (r["camera_rate"] is None, r["camera_rate"] or 0, r["code"]))
    return {"unit": unit, "totals": _figures(total), "rows": rows}


def token_list(*, user, school: School) -> QuerySet[DeviceToken]:
    return scoped(
        DeviceToken.objects.filter(school=school).select_related("created_by"),
        user,
        "device.manage",
    )
