"""The demo city's three lists: those of the first school of each district (where the
school-level demo logins work), with measures in the hands of the demo people whose post they
name — the principal holds the head's duties (校长/园长: 第一责任人), the safety director the safety
office's, the guard the guards', the counsellor the psychology teacher's, and the staff member (a
teacher) a few class teachers' — so that "my checks" has work for each of them."""

from collections.abc import Iterable

from safecampus.access.roles import Role
from safecampus.accounts.models import User
from safecampus.demo.generator import DemoCity
from safecampus.orgs.models import School

from .models import ResponsibilityItem
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
    return school_lists_fill(schools=schools, people=city.holders)


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
