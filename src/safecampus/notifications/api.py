from datetime import datetime

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from safecampus.core.pagination import LimitOffset
from safecampus.core.schemas import Error, RecordId

from .models import Notification
from .services import notification_read

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class Count(Schema):
    count: int


@router.get("/notifications", response=list[NotificationOut], summary="我的消息")
@paginate(LimitOffset)
def notifications(request, unread: bool = False):
    qs = Notification.objects.filter(user=request.auth)
    return qs.filter(read_at__isnull=True) if unread else qs


@router.post(
    "/notifications/{notification_id}/read", response={200: Count, 404: Error}, summary="标记已读"
)
def read(request, notification_id: RecordId):
    if not Notification.objects.filter(user=request.auth, pk=notification_id).exists():
        from django.http import Http404

        raise Http404
    return {"count": notification_read(user=request.auth, notification_id=notification_id)}


@router.post("/notifications/read-all", response=Count, summary="全部标记已读")
def read_all(request):
    return Status(200, {"count": notification_read(user=request.auth)})
