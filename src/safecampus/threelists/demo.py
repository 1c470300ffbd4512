"""The demo city's three lists: those of the first school of each district (where the
school-level demo logins work), with measures in the hands of the demo staff member."""

from collections.abc import Iterable

from safecampus.accounts.models import User
from safecampus.demo.generator import DemoCity
from safecampus.orgs.models import School

from .models import ResponsibilityItem
from .services import lists_fill_from_catalog


def school_lists(city: DemoCity) -> int:
    """The demo builder. Answers how many risk points the schools' lists hold."""
    schools = School.objects.filter(pk__in=city.first_schools.values()).select_related("unit")
    return school_lists_fill(schools=schools, staff_by_school=city.staff)


def school_lists_fill(*, schools: Iterable[School], staff_by_school: dict[int, User]) -> int:
    """The three lists of a few demo schools (the first of each district), with some measures
    in the hands of the school's demo staff member so that "my checks" has work in it."""
    filled = 0
    for school in schools:
        filled += lists_fill_from_catalog(school)
        staff = staff_by_school.get(school.pk)
        if staff is not None:
            items = ResponsibilityItem.objects.filter(risk_point__school=school).order_by(
                "risk_point__code", "pk"
            )[:8]
            ResponsibilityItem.objects.filter(pk__in=[i.pk for i in items]).update(person=staff)
    return filled
