"""The remediation workflow (core/workflow.py): who may take which step of a fire or seismic
remediation project, from which state, and how a step is written on its timeline. The services
take the steps; the pages and the API ask the same predicates to offer them."""

from typing import Any

from safecampus.access.scope import can
from safecampus.core.workflow import Step, Taken, Workflow, lines_in

from .choices import ProjectAction, ProjectStatus
from .models import ProjectEvent, RemediationProject

# The statuses in which the school may still change the plan, budget, dates and buildings.
EDITABLE = frozenset({ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS, ProjectStatus.REJECTED})


def manages(user: Any, project: RemediationProject) -> bool:
    """The school (and the district) keep the project: plan, works, progress."""
    return can(user, "building.manage", project.school.unit)


def accepts(user: Any, project: RemediationProject) -> bool:
    """The district or the city accepts the finished works."""
    return can(user, "remediation.accept", project.school.unit)


def may_edit(user: Any, project: RemediationProject) -> bool:
    return project.status in EDITABLE and manages(user, project)


_write = lines_in(ProjectEvent, "project")


def _line(taken: Taken[RemediationProject]) -> ProjectEvent:
    # Every line records the progress the project stands at.
    line = _write(taken, progress=taken.record.progress)
    assert isinstance(line, ProjectEvent)  # lines_in writes the model it was given
    return line


S = ProjectStatus
project_workflow: Workflow[RemediationProject] = Workflow(
    RemediationProject,
    steps=[
        Step(ProjectAction.START, frozenset({S.PLANNED}), S.IN_PROGRESS, manages),
        Step(ProjectAction.PROGRESS, frozenset({S.IN_PROGRESS}), None, manages),
        Step(ProjectAction.SUBMIT, frozenset({S.IN_PROGRESS}), S.AWAITING_ACCEPTANCE, manages),
        Step(ProjectAction.ACCEPT, frozenset({S.AWAITING_ACCEPTANCE}), S.ACCEPTED, accepts),
        Step(ProjectAction.REJECT, frozenset({S.AWAITING_ACCEPTANCE}), S.REJECTED, accepts),
        Step(ProjectAction.RESUME, frozenset({S.REJECTED}), S.IN_PROGRESS, manages),
    ],
    timeline=_line,
    states=ProjectStatus,
    actions=ProjectAction,
)
