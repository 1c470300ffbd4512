"""The demo city's three lists: those of the first school of each district (where the
school-level demo logins work), with measures in the hands of the demo people whose post they
name — the principal holds the head's duties (校长/园长: 第一责任人), the safety director the safety
office's, the guard the guards', the counsellor the psychology teacher's, and the staff member (a
teacher) a few class teachers' — each checked at its frequency up to now, about a quarter of
them due again, so that "my checks" has work, and record, for each of them."""

import random
from collections.abc import Iterable
from datetime import datetime, timedelta

from safecampus.access.roles import Role
from safecampus.accounts.models import User
from safecampus.demo.bulk import records_insert
from safecampus.demo.generator import DemoCity
from safecampus.demo.history import TZ, at
from safecampus.orgs.models import School
from safecampus.risks.choices import FREQUENCY_DAYS, CheckFrequency

from .models import MeasureCheck, ResponsibilityItem
from .services import lists_fill_from_catalog

# role -> the posts of the starter catalogs (K-12 and kindergarten) its holder may take, and
# how many of their measures (None: all).
DUTIES: dict[str, tuple[set[str], int | None]] = {
    Role.PRINCIPAL: ({"校长", "园长"}, None),
    Role.SAFETY_DIRECTOR: ({"分管安全副校长", "安全主任", "分管安全副园长", "安全专干"}, None),
    Role.GUARD: ({"保安员", "保安队长"}, None),
    Role.COUNSELLOR: ({"心理教师"}, None),
    Role.STAFF: ({"班主任", "班级教师", "体育教师"}, 8),
}


def school_lists(city: DemoCity) -> int:
    """The demo builder. Answers how many risk points the schools' lists hold."""
    schools = School.objects.filter(pk__in=city.first_schools.values()).select_related("unit")
    filled = school_lists_fill(schools=schools, people=city.holders)
    measure_checks(
        items=ResponsibilityItem.objects.filter(
            risk_point__school__in=schools, person__isnull=False
        ).order_by("pk"),
        rng=city.rng("measure-checks"),
        now=city.now,
    )
    return filled


# How many of its past checks a measure shows, by how often it is checked.
PAST_CHECKS = {"daily": 10, "weekly": 8, "monthly": 6, "quarterly": 4, "semester": 4, "yearly": 3}
DUE_SHARE = 0.25


def measure_checks(
    *, items: Iterable[ResponsibilityItem], rng: random.Random, now: datetime
) -> int:
    """The checks of the measures held by a person, one a period going back from now, by that
    person; about a quarter of the measures are due again. Answers how many."""
    today = now.astimezone(TZ).date()
    checks = []
    for item in items:
        period = FREQUENCY_DAYS[CheckFrequency(item.frequency)]
        # The last check: within the period, or (due) a little more than a period ago.
        last = today - timedelta(
            days=period + rng.randint(0, 3)
            if rng.random() < DUE_SHARE
            else rng.randint(0, period - 1)
        )
        for n in range(PAST_CHECKS[item.frequency]):
            day = last - timedelta(days=n * period)
            moment = at(day, rng.randint(8, 16), rng.randrange(60))
            if moment > now:
                moment = now - timedelta(minutes=rng.randint(10, 120))
            checks.append(
                {
                    "item_id": item.pk,
                    "at": moment,
                    "by_id": item.person_id,
                    "passed": True,
                    "note": rng.choice(("", "正常", "已落实")),
                }
            )
    return len(records_insert(MeasureCheck, checks))


def school_lists_fill(*, schools: Iterable[School], people: dict[str, dict[int, User]]) -> int:
    """The three lists of a few demo schools, each measure whose post a demo person of the
    school holds in that person's hands (`people`: role -> school id -> user)."""
    filled = 0
    for school in schools:
        filled += lists_fill_from_catalog(school)
        for role, (posts, limit) in DUTIES.items():
            person = people.get(role, {}).get(school.pk)
            if person is None:
                continue
            items = ResponsibilityItem.objects.filter(
                risk_point__school=school, post__in=posts, person__isnull=True
            ).order_by("risk_point__code", "pk")
            ids = list(items.values_list("pk", flat=True)[:limit])
            ResponsibilityItem.objects.filter(pk__in=ids).update(person=person)
    return filled
