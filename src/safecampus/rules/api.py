from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.params import functions as param

from safecampus.access.scope import require, scoped_get
from safecampus.accounts import reauth
from safecampus.accounts.types import ApiRequest
from safecampus.core.pagination import MAX_ID, LimitOffset
from safecampus.core.schemas import Error, RecordId
from safecampus.orgs.models import OrgUnit

from .kinds import kinds
from .models import RuleSet, RuleSetAssignment
from .selectors import assignment_list, effective_rule_set, rule_set_get, rule_set_list
from .services import rule_set_assign, rule_set_copy, rule_set_unassign

router = Router(tags=["rules"])


class RuleSetOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    version: str
    effective_from: date
    authority: str
    source: str
    builtin: bool
    is_default: bool
    unit_id: int | None
    data: dict[str, Any]
    created_at: datetime


class RuleSetAssignmentOut(Schema):
    id: int
    kind: str
    unit_id: int
    unit_name: str = Field(..., alias="unit.name")
    rule_set_id: int
    rule_set_name: str = Field(..., alias="rule_set.name")
    rule_set_version: str = Field(..., alias="rule_set.version")


class EffectiveOut(Schema):
    rule_set: RuleSetOut
    chosen_at_unit_id: int | None
    explanation: str


class CopyIn(Schema):
    unit_id: int = Field(..., ge=1, le=MAX_ID, description="发布单位")
    name: str = Field(..., min_length=1, max_length=100)
    version: str = Field(..., min_length=1, max_length=20)
    effective_from: date
    authority: str = Field(..., min_length=1, max_length=100)
    data: dict[str, Any] = Field(..., description="规则内容，结构与原规则集相同")


class RuleSetAssignIn(Schema):
    unit_id: int = Field(..., ge=1, le=MAX_ID)
    rule_set_id: int = Field(..., ge=1, le=MAX_ID)


def _kind(kind: str) -> str:
    """`kind`, if an app declares it; else 400."""
    if kind not in kinds():
        raise HttpError(400, _("未知的规则类别：%(kind)s") % {"kind": kind})
    return kind


@router.get(
    "/rule-sets",
    response={200: list[RuleSetOut], 400: Error, 403: Error},
    summary="规则集（内置与本地）",
)
@paginate(LimitOffset)
def rule_sets(
    request: ApiRequest, kind: str | None = param.Query(None, max_length=40)
) -> QuerySet[RuleSet]:
    require(request.auth, "rules.view")
    return rule_set_list(user=request.auth, kind=_kind(kind) if kind is not None else None)


@router.get(
    "/rule-sets/effective",
    response={200: EffectiveOut, 400: Error, 403: Error, 404: Error},
    summary="某单位现行的规则集及其来由",
)
def rule_set_effective(
    request: ApiRequest,
    kind: str = param.Query(..., max_length=40),
    unit_id: int = param.Query(..., ge=1, le=MAX_ID),
) -> dict[str, Any]:
    unit = scoped_get(OrgUnit.objects.all(), request.auth, "rules.view", pk=unit_id)
    effective = effective_rule_set(_kind(kind), unit)
    return {
        "rule_set": effective.rule_set,
        "chosen_at_unit_id": effective.chosen_at.pk if effective.chosen_at else None,
        "explanation": effective.explain(),
    }


@router.get(
    "/rule-sets/{rule_set_id}",
    response={200: RuleSetOut, 403: Error, 404: Error},
    summary="规则集详情",
)
def rule_set_detail(request: ApiRequest, rule_set_id: RecordId) -> RuleSet:
    return rule_set_get(user=request.auth, rule_set_id=rule_set_id)


@router.post(
    "/rule-sets/{rule_set_id}/copy",
    response={201: RuleSetOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="复制规则集并修改（发布为本单位的新规则集）",
    description=reauth.REAUTH_NOTE,
)
def rule_set_copy_api(
    request: ApiRequest, rule_set_id: RecordId, payload: CopyIn
) -> Status[RuleSet]:
    source = rule_set_get(user=request.auth, rule_set_id=rule_set_id)
    unit = scoped_get(OrgUnit.objects.all(), request.auth, "rules.manage", pk=payload.unit_id)
    reauth.require_recent(request)
    data = payload.dict()
    data.pop("unit_id")
    return Status(201, rule_set_copy(user=request.auth, source=source, unit=unit, **data))


@router.get(
    "/rule-set-assignments",
    response={200: list[RuleSetAssignmentOut], 400: Error, 403: Error},
    summary="各单位选用的规则集",
)
@paginate(LimitOffset)
def assignments(
    request: ApiRequest, kind: str | None = param.Query(None, max_length=40)
) -> QuerySet[RuleSetAssignment]:
    require(request.auth, "rules.view")
    return assignment_list(user=request.auth, kind=_kind(kind) if kind is not None else None)


@router.post(
    "/rule-set-assignments",
    response={201: RuleSetAssignmentOut, 400: Error, 403: Error, 404: Error, 422: Error},
    summary="为某单位及其下级选用规则集",
    description=reauth.REAUTH_NOTE,
)
def assign(request: ApiRequest, payload: RuleSetAssignIn) -> Status[RuleSetAssignment]:
    unit = scoped_get(OrgUnit.objects.all(), request.auth, "rules.manage", pk=payload.unit_id)
    rule_set = rule_set_get(user=request.auth, rule_set_id=payload.rule_set_id)
    reauth.require_recent(request)
    return Status(201, rule_set_assign(user=request.auth, unit=unit, rule_set=rule_set))


@router.delete(
    "/rule-set-assignments/{assignment_id}",
    response={204: None, 403: Error, 404: Error},
    summary="取消选用（恢复上级或默认规则集）",
    description=reauth.REAUTH_NOTE,
)
def unassign(request: ApiRequest, assignment_id: RecordId) -> Status[None]:
    assignment = scoped_get(
        RuleSetAssignment.objects.select_related("unit"),
        request.auth,
        "rules.manage",
        pk=assignment_id,
    )
    reauth.require_recent(request)
    rule_set_unassign(user=request.auth, assignment=assignment)
    return Status(204, None)
