from django.http import HttpRequest
from ninja import Router, Schema

from safecampus.access.scope import require

router = Router(tags=["throwaway"])


class DutyPingOut(Schema):
    ok: bool


@router.get("/ping", response=DutyPingOut, summary="值班签到模块")
def ping(request: HttpRequest) -> dict[str, bool]:
    require(request.auth, "duty.view")
    return {"ok": True}
