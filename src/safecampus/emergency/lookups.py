"""What writing an alarm reads besides the alarm itself: the plan its incident opens, the
people notified at once, and the webhook endpoints above the school — read once for a whole
batch of alarms (one query each for all the batch's schools), and by the ingestor kept for a
short while (`ttl`), so that at 100 alarms a second it hardly reads them at all.

Why a minute of staleness is acceptable here, and only here (the ingestor's AlarmHandler; a
single alarm from the API or a phone uses a fresh `AlarmLookups()` and reads everything now):

* **Who is notified.** The role assignments are exact: the cache of recipients is dropped
  whenever the `access` data version moves (any write to role assignments or the org tree,
  core/dataversion.py), read at most once a second. What may be up to `ttl` old are the
  people's own records: an account deactivated in the last minute can still get the in-app
  message (it cannot log in to read it); a changed e-mail address or phone number is used
  from the next minute. Every alarm also appears on the district and city boards at once.
* **The plan.** An incident opens the plan that applied up to `ttl` ago: a plan adopted or
  edited in the last minute applies to alarms from the next minute on. The incident keeps a
  snapshot of the steps anyway, and plans change by administrative decision, not by the minute.
* **Webhook endpoints.** An endpoint added in the last minute gets alarms from the next
  minute on; one deactivated in the last minute can still get one. Endpoints are configured
  by administrators, rarely; the people themselves are notified from the exact assignments.
"""

import time
from collections.abc import Iterable

from safecampus.access.models import RoleAssignment
from safecampus.access.scope import ancestor_paths
from safecampus.accounts.models import User
from safecampus.core.dataversion import version
from safecampus.notifications.dispatch import endpoints_at

from .models import EmergencyPlan

# Notified at once of an incident raised at a school (flows.incident_raised_notify).
SCHOOL_ROLES = ("principal", "safety_director")
DISTRICT_ROLES = ("district_officer",)

# How often the access data version is read when recipients are cached.
ACCESS_CHECK_S = 1.0


def _paths(school) -> list[str]:
    """The school's unit path and those of the units above it."""
    path = school.unit.path
    return [*ancestor_paths(path), path]


class AlarmLookups:
    """Plans, recipients and endpoints of a batch of alarms. `prepare(schools, type)` reads
    what is missing (or older than `ttl` seconds) for all of them; the getters then answer
    from memory. With ttl=0 nothing outlives the batch it was prepared for."""

    def __init__(self, ttl: float = 0.0, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._plans: dict[tuple[str, str], tuple[float, EmergencyPlan | None]] = {}
        self._people: dict[tuple[int, int | None], tuple[float, list]] = {}
        self._endpoints: dict[str, tuple[float, list]] = {}
        self._access: int | None = None
        self._access_checked = float("-inf")

    def _fresh(self, cache: dict, key, now: float) -> bool:
        hit = cache.get(key)
        return hit is not None and hit[0] > now

    def prepare(self, schools: Iterable, incident_type: str) -> None:
        now = self.clock()
        if self.ttl > 0:
            self._check_access(now)
            until = now + self.ttl
        else:  # no keeping: what is read now serves this batch, until the next prepare()
            self._plans.clear()
            self._people.clear()
            self._endpoints.clear()
            until = float("inf")
        schools = {s.pk: s for s in schools}.values()
        plans = [
            s for s in schools if not self._fresh(self._plans, (s.unit.path, incident_type), now)
        ]
        if plans:
            self._plans_read(plans, incident_type, until)
        people = [s for s in schools if not self._fresh(self._people, (s.pk, s.district_id), now)]
        if people:
            self._people_read(people, until)
        posts = [s for s in schools if not self._fresh(self._endpoints, s.unit.path, now)]
        if posts:
            self._endpoints_read(posts, until)

    # --- answers (after prepare) ---------------------------------------------------------------

    def plan(self, school, incident_type: str) -> EmergencyPlan | None:
        return self._plans[(school.unit.path, incident_type)][1]

    def recipients(self, school) -> list:
        """The principal, the safety director and the district's duty officers (active)."""
        return self._people[(school.pk, school.district_id)][1]

    def endpoints(self, school) -> list:
        """The active endpoints at and above the school (notifications.dispatch.endpoints_at)."""
        return self._endpoints[school.unit.path][1]

    # --- reads ---------------------------------------------------------------------------------

    def _check_access(self, now: float) -> None:
        if now - self._access_checked < ACCESS_CHECK_S:
            return
        current = version("access")
        if current != self._access:
            self._people.clear()
            self._access = current
        self._access_checked = now

    def _plans_read(self, schools, incident_type: str, until: float) -> None:
        """services.plan_for for many schools in one query: the school's own active plan for
        the type, else the nearest one above (ties: the newest, then the first made)."""
        paths = {p for s in schools for p in _paths(s)}
        candidates = list(
            EmergencyPlan.objects.filter(
                unit__path__in=paths, incident_type=incident_type, active=True
            ).select_related("unit")
        )
        candidates.sort(key=lambda p: (-p.unit.depth, -p.updated_at.timestamp(), p.pk))
        for school in schools:
            own = set(_paths(school))
            best = next((p for p in candidates if p.unit.path in own), None)
            self._plans[(school.unit.path, incident_type)] = (until, best)

    def _people_read(self, schools, until: float) -> None:
        """flows._holders of the school's roles and the district's, for many schools at once."""
        units = {s.pk for s in schools} | {s.district_id for s in schools if s.district_id}
        held: dict[tuple[int, str], list] = {}
        for assignment in RoleAssignment.objects.filter(
            unit_id__in=units, role__in=(*SCHOOL_ROLES, *DISTRICT_ROLES), user__is_active=True
        ).select_related("user"):
            held.setdefault((assignment.unit_id, assignment.role), []).append(assignment.user)
        for school in schools:
            people: dict[int, User] = {}
            for unit_id, roles in ((school.pk, SCHOOL_ROLES), (school.district_id, DISTRICT_ROLES)):
                for role in roles:
                    for user in held.get((unit_id, role), ()):
                        people.setdefault(user.pk, user)
            self._people[(school.pk, school.district_id)] = (until, list(people.values()))

    def _endpoints_read(self, schools, until: float) -> None:
        found = endpoints_at({p for s in schools for p in _paths(s)})
        for school in schools:
            own = set(_paths(school))
            self._endpoints[school.unit.path] = (until, [e for e in found if e.unit.path in own])
