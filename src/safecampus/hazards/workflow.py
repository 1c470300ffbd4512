"""The rectification workflow (core/workflow.py): who may take which step of a hazard, from
which state, and how a step is written on its timeline. The services take the steps; the
pages and the API ask the same predicates to offer them."""

from typing import Any

from safecampus.access.scope import can
from safecampus.core.workflow import Step, Taken, Workflow, lines_in

from .choices import HazardAction, HazardLevel, HazardStatus
from .flows import hazard_step_notify
from .models import Hazard, HazardEvent

OPEN = frozenset(s for s in HazardStatus if s != HazardStatus.CLOSED)


def manages(user: Any, hazard: Hazard) -> bool:
    """Assigns, verifies and closes: the school's leaders and the officers above it."""
    return can(user, "hazard.manage", hazard.school.unit)


def rectifies(user: Any, hazard: Hazard) -> bool:
    """The owner rectifies; so may whoever manages hazards at the school."""
    return hazard.owner_id == user.pk or manages(user, hazard)


def supervises(user: Any, hazard: Hazard) -> bool:
    """A district or the city may put a major hazard of its schools under listed supervision."""
    return hazard.level == HazardLevel.MAJOR and can(user, "hazard.supervise", hazard.school.unit)


def works_on(user: Any, hazard: Hazard) -> bool:
    """The reporter and the school's people who work the hazard (they add its photos)."""
    return user.pk in (hazard.found_by_id, hazard.owner_id) or manages(user, hazard)


def may_add_photo(user: Any, hazard: Hazard) -> bool:
    return hazard.status != HazardStatus.CLOSED and works_on(user, hazard)


def _notify(taken: Taken[Hazard], event: HazardEvent) -> None:
    hazard_step_notify(taken.record, taken.action)


S = HazardStatus
hazard_workflow: Workflow[Hazard] = Workflow(
    Hazard,
    steps=[
        Step(HazardAction.ASSIGN, frozenset({S.REPORTED}), S.ASSIGNED, manages),
        Step(HazardAction.START, frozenset({S.ASSIGNED}), S.RECTIFYING, rectifies),
        Step(HazardAction.SUBMIT, frozenset({S.RECTIFYING}), S.AWAITING_VERIFICATION, rectifies),
        Step(HazardAction.ACCEPT, frozenset({S.AWAITING_VERIFICATION}), S.CLOSED, manages),
        Step(HazardAction.REJECT, frozenset({S.AWAITING_VERIFICATION}), S.RECTIFYING, manages),
        Step(HazardAction.SUPERVISE, OPEN, None, supervises),
    ],
    timeline=lines_in(HazardEvent, "hazard"),
    effects=_notify,
    states=HazardStatus,
    actions=HazardAction,
)
