"""One workflow engine for every stateful record: hazards, remediation projects and incidents
today; reports, debriefs, assessments, appeals, drills and counselling cases as they come.

A record's workflow is declared once, beside its model (`<app>/workflow.py`): its steps — which
states each may start from, the state it ends in (or none: a note, a progress update) and who
may take it — and how a step is written on the record's timeline. `Workflow.take()` is the one
locked step every service goes through:

    lock the row → check who may take the step → check the state → apply the changes and save
    (the audit entry follows from AuditedModel) → write the timeline line → run the effects
    (notifications stored with the step; anything reaching outside the database deferred by
    the effect itself to commit)

all in the caller's transaction, or nothing. Pages and the API ask `workflow.may(...)` or
`workflow.steps_for(...)` — the same predicates the step checks — to offer a step, instead of
repeating the rule.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _

from .errors import BusinessRuleError

R = TypeVar("R", bound=models.Model)


@dataclass(frozen=True)
class Step:
    """One step of a workflow.

    `sources`: the states it may be taken from; `target`: the state it leads to (None keeps the
    state); `allowed(user, record)`: whether this person may take it on this record, whatever
    the state (None as user is the platform itself, which the engine does not ask)."""

    action: str
    sources: frozenset[str]
    target: str | None
    allowed: Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Taken(Generic[R]):
    """What the timeline writer and the effects are given about a step just taken."""

    record: R
    action: str
    by: Any  # the user, or None for the platform
    from_state: str
    to_state: str
    note: str
    line: dict[str, Any] = field(default_factory=dict)  # extra fields of the timeline line


class Workflow(Generic[R]):
    """The declared steps of one model and the one way to take them."""

    def __init__(
        self,
        model: type[R],
        *,
        steps: Iterable[Step],
        timeline: Callable[[Taken[R]], Any],
        states: type[models.TextChoices],
        actions: type[models.TextChoices],
        effects: Callable[[Taken[R], Any], None] | None = None,
        state_field: str = "status",
    ):
        self.model = model
        self.steps = {step.action: step for step in steps}
        self.timeline = timeline
        self.states = states
        self.actions = actions
        self.effects = effects
        self.state_field = state_field

    def step(self, action: str) -> Step:
        return self.steps[action]

    def require(self, user: Any, record: R, action: str) -> None:
        """Refuse (PermissionDenied) a person who may not take `action` on `record` in any
        state: services ask this before checking their input, so that a stranger learns
        nothing from the validation."""
        if not self.steps[action].allowed(user, record):
            raise PermissionDenied

    def may(self, user: Any, record: R, action: str) -> bool:
        """May `user` take `action` on `record` now (right state, and their right)?"""
        step = self.steps[action]
        return getattr(record, self.state_field) in step.sources and step.allowed(user, record)

    def steps_for(self, user: Any, record: R) -> list[str]:
        """The actions `user` may take on `record` now, in declaration order."""
        return [action for action in self.steps if self.may(user, record, action)]

    def lock(self, record: R) -> R:
        """The record's row, locked until the end of the transaction (for a service that must
        read it before taking a step; `take` locks it again, which costs nothing more)."""
        return self.model._default_manager.select_for_update(of=("self",)).get(pk=record.pk)

    def take(
        self,
        record: R,
        action: str,
        *,
        by: Any,
        note: str = "",
        line: dict[str, Any] | None = None,
        **changes: Any,
    ) -> R:
        """Take one step: see the module docstring. Answers the locked, saved record. Raises
        PermissionDenied if `by` may not take it, BusinessRuleError (in words) if the record
        is not in a state the step starts from."""
        step = self.steps[action]
        with transaction.atomic():
            locked = self.lock(record)
            if by is not None and not step.allowed(by, locked):
                raise PermissionDenied
            before = getattr(locked, self.state_field)
            if before not in step.sources:
                raise BusinessRuleError(self.refusal(before, step))
            for name, value in changes.items():
                setattr(locked, name, value)
            if step.target is not None:
                setattr(locked, self.state_field, step.target)
            locked.save()
            taken = Taken(
                record=locked,
                action=action,
                by=by,
                from_state=before,
                to_state=getattr(locked, self.state_field),
                note=note.strip()[:1000],
                line=line or {},
            )
            event = self.timeline(taken)
            if self.effects is not None:
                self.effects(taken, event)
        return locked

    def refusal(self, state: str, step: Step) -> str:
        """Why the step cannot be taken from `state`, in words."""
        need = _("或").join(f"“{s.label}”" for s in self.states if s in step.sources)
        return _("当前状态为“%(now)s”，不能执行“%(action)s”（需处于%(need)s）") % {
            "now": self.states(state).label,
            "action": self.actions(step.action).label,
            "need": need,
        }


def lines_in(model: type[models.Model], record_field: str) -> Callable[..., models.Model]:
    """A timeline writer for the usual shape of a timeline model: a foreign key to the record
    (`record_field`), `by`, `action`, `from_status`, `to_status`, `note`, and whatever the step
    adds (`Taken.line`, then `defaults` for the fields it leaves out)."""

    def write(taken: Taken[Any], **defaults: Any) -> models.Model:
        return model._default_manager.create(
            **{record_field: taken.record},
            by=taken.by,
            action=taken.action,
            from_status=taken.from_state,
            to_status=taken.to_state,
            note=taken.note,
            **{**defaults, **taken.line},
        )

    return write
