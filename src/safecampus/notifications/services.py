"""Sending notifications: stored at once (in the caller's transaction) together with their
deliveries on the other channels, which the task queue sends after commit — so a rolled-back
step notifies nobody and a slow mail server or webhook holds up no request. Also the webhook
endpoints that districts and the city configure."""

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from safecampus.access.scope import require
from safecampus.accounts.models import User
from safecampus.core.errors import BusinessRuleError
from safecampus.core.texts import Text
from safecampus.orgs.models import OrgUnit

from . import channels
from .dispatch import deliveries_plan, delivery_attempt
from .models import Delivery, Notification, WebhookEndpoint


@dataclass
class Notice:
    """One notification to send: the arguments of `notify`, for `notify_many`.

    `title` and `body` are messages (core/texts.Text) shown in each reader's language, or plain
    text shown as written (user data, such as an incident's description, as a body)."""

    users: Iterable[User | None]  # a missing user (None) is skipped
    kind: str
    title: Text | str
    body: Text | str = ""
    url: str = ""
    dedupe_key: str | None = None
    urgent: bool = False
    unit: OrgUnit | None = None
    # The candidate endpoints of `unit` (dispatch.endpoints_at) if the caller has them.
    endpoints: list[WebhookEndpoint] | None = None


def notify(
    users: Iterable[User | None],
    *,
    kind: str,
    title: Text | str,
    body: Text | str = "",
    url: str = "",
    dedupe_key: str | None = None,
    urgent: bool = False,
    unit: OrgUnit | None = None,
) -> list[Notification]:
    """Notify each user once; with a dedupe key, users (and endpoints) already notified under
    it are skipped. In-app and e-mail always; an urgent notification also goes out by SMS and
    to the webhook endpoints of `unit` (the school concerned) and the units above it."""
    notice = Notice(users, kind, title, body, url, dedupe_key, urgent, unit)
    return notify_many([notice])[0]


def notify_many(notices: list[Notice], *, keys_are_new: bool = False) -> list[list[Notification]]:
    """`notify` for several notices at once — one INSERT for all their notifications and one
    for all their deliveries (a batch of alarms). Answers each notice's notifications.

    `keys_are_new`: the caller knows that nothing was sent yet under any of the notices' dedupe
    keys (keys naming a row created in this very transaction, like a new incident's), so they
    are not looked up. The keys of one call must differ from each other."""
    recipients = [{u.pk: u for u in n.users if u is not None and u.is_active} for n in notices]
    keys = {n.dedupe_key for n in notices if n.dedupe_key}
    if keys and not keys_are_new:
        done = set(
            Notification.objects.filter(
                dedupe_key__in=keys, user_id__in={pk for users in recipients for pk in users}
            ).values_list("dedupe_key", "user_id")
        )
        recipients = [
            {pk: u for pk, u in users.items() if (n.dedupe_key, pk) not in done}
            for n, users in zip(notices, recipients, strict=True)
        ]
    # The channels beyond the bell have no reader: they get the platform's language. One
    # switch of language for the whole batch (a burst of alarms), not one per notice.
    with override(settings.LANGUAGE_CODE):
        texts = [(_stored(n.title), _stored(n.body)) for n in notices]
    messages = [(_message(n.title), _message(n.body)) for n in notices]
    rows = [
        [
            Notification(
                user=u,
                kind=n.kind,
                title=title[:200],
                body=body[:1000],
                title_i18n=title_i18n,
                body_i18n=body_i18n,
                url=n.url,
                dedupe_key=n.dedupe_key,
            )
            for u in users.values()
        ]
        for n, users, (title, body), (title_i18n, body_i18n) in zip(
            notices, recipients, texts, messages, strict=True
        )
    ]
    Notification.objects.bulk_create([row for group in rows for row in group])  # sets the ids
    planned = [
        deliveries_plan(
            group,
            kind=n.kind,
            title=title,
            body=body[:1000],
            url=n.url,
            urgent=n.urgent,
            unit=n.unit,
            dedupe_key=n.dedupe_key,
            endpoints=n.endpoints,
            key_is_new=keys_are_new,
        )
        for n, group, (title, body) in zip(notices, rows, texts, strict=True)
    ]
    Delivery.objects.bulk_create([d for group in planned for d in group])
    # One task per notice, as notify() always did: the deliveries of different alarms are sent
    # by whichever workers are free, not one after another in a single task.
    for group in planned:
        deliveries_enqueue([d.pk for d in group])
    return rows


def _stored(text: Text | str) -> str:
    return text.render() if isinstance(text, Text) else text


def _message(text: Text | str) -> dict[str, Any] | None:
    return text.to_json() if isinstance(text, Text) else None


def deliveries_enqueue(ids: list[int]) -> None:
    """Send the deliveries once the current transaction commits. If the queue cannot be
    reached then, the rows stay pending and the sweeper sends them (tasks.deliveries_sweep)."""
    if not ids:
        return
    from .tasks import deliveries_send

    transaction.on_commit(lambda: deliveries_send(ids), robust=True)


def notification_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, all) of the user's notifications read."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


# --- Webhook endpoints -----------------------------------------------------------------------

ENDPOINT_FIELDS = ("channel", "name", "url", "secret", "kinds", "active")
ENDPOINT_UNIT_KINDS = ("province", "city", "district")
KIND_PATTERN = re.compile(r"^[a-z0-9_*]+(\.[a-z0-9_*]+)*$")
MAX_KINDS = 20


def _checked_kinds(kinds: str | Iterable[object] | None) -> list[str]:
    """The kinds filter of an endpoint: patterns as a list, or as text separated by commas,
    semicolons or spaces (the page's form)."""
    if isinstance(kinds, str):
        kinds = re.split(r"[\s,，;；]+", kinds)
    cleaned: list[str] = []
    for item in kinds or ():
        pattern = str(item).strip()
        if not pattern:
            continue
        if len(pattern) > 40 or not KIND_PATTERN.match(pattern):
            raise BusinessRuleError(
                _("消息类别“%(p)s”无效：如 incident.* 或 incident.raised") % {"p": pattern[:40]}
            )
        if pattern not in cleaned:
            cleaned.append(pattern)
    if len(cleaned) > MAX_KINDS:
        raise BusinessRuleError(_("消息类别最多 %(n)s 项") % {"n": MAX_KINDS})
    return cleaned


# An endpoint's field values by name (text, and the kinds: a list or the form's text).
EndpointData = dict[str, Any]


def _checked_endpoint(
    unit: OrgUnit, data: EndpointData, exclude_pk: int | None = None
) -> EndpointData:
    channel = channels.get(data["channel"])
    if channel is None or channel.audience != "endpoint":
        raise BusinessRuleError(_("推送类型无效"))
    name = (data["name"] or "").strip()
    if not name or len(name) > 60:
        raise BusinessRuleError(_("请填写名称（不超过 60 个字）"))
    clash = WebhookEndpoint.objects.filter(unit=unit, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise BusinessRuleError(_("本单位已有名为“%(name)s”的推送地址") % {"name": name})
    url = (data["url"] or "").strip()
    if not url or len(url) > 500:
        raise BusinessRuleError(_("请填写地址（不超过 500 个字符）"))
    secret = (data["secret"] or "").strip()
    if len(secret) > 200:
        raise BusinessRuleError(_("密钥不能超过 200 个字符"))
    try:
        channel.check_endpoint(url, secret)
    except ValueError as exc:
        raise BusinessRuleError(str(exc)) from None
    return {
        **data,
        "name": name,
        "url": url,
        "secret": secret,
        "kinds": _checked_kinds(data["kinds"]),
    }


@transaction.atomic
def endpoint_create(
    *,
    user: User,
    unit: OrgUnit,
    channel: str,
    name: str,
    url: str,
    secret: str = "",
    kinds: str | Iterable[str] = ("incident.*",),
    active: bool = True,
) -> WebhookEndpoint:
    """A new endpoint of a district or the city. A webhook without a secret gets a generated
    one (read it from the returned endpoint: it is not shown again)."""
    require(user, "notification.manage", unit)
    if unit.kind not in ENDPOINT_UNIT_KINDS:
        raise BusinessRuleError(_("推送地址设在市或区市，学校的紧急消息推送到其上级单位"))
    spec = channels.get(channel)
    if spec is not None and spec.needs_secret and not (secret or "").strip():
        secret = secrets.token_urlsafe(32)
    data = _checked_endpoint(
        unit,
        {"channel": channel, "name": name, "url": url, "secret": secret, "kinds": kinds},
    )
    try:
        with transaction.atomic():
            return WebhookEndpoint.objects.create(unit=unit, active=active, **data)
    except IntegrityError:
        raise BusinessRuleError(
            _("本单位已有名为“%(name)s”的推送地址") % {"name": data["name"]}
        ) from None


@transaction.atomic
def endpoint_update(*, user: User, endpoint: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    """Change an endpoint (`changes`: field values by name, of ENDPOINT_FIELDS); `secret` left
    out (or blank) keeps the old one; active=False deactivates it (its deliveries stay in the
    log)."""
    require(user, "notification.manage", endpoint.unit)
    unknown = set(changes) - set(ENDPOINT_FIELDS)
    if unknown:
        raise BusinessRuleError(_("不能修改：%(f)s") % {"f": "、".join(sorted(unknown))})
    locked = WebhookEndpoint.objects.select_for_update().select_related("unit").get(pk=endpoint.pk)
    if not (changes.get("secret") or "").strip():
        changes.pop("secret", None)
    active = changes.pop("active", locked.active)
    data = _checked_endpoint(
        locked.unit,
        {f: changes.get(f, getattr(locked, f)) for f in ENDPOINT_FIELDS if f != "active"},
        exclude_pk=locked.pk,
    )
    for key, value in data.items():
        setattr(locked, key, value)
    locked.active = bool(active)
    locked.save()
    return locked


def endpoint_test_send(*, user: User, endpoint: WebhookEndpoint) -> Delivery:
    """Send a test message to the endpoint now, once, and answer the logged delivery (sent,
    or failed with the reason). Not atomic: the row is committed before the request goes out,
    and the request holds no lock."""
    require(user, "notification.manage", endpoint.unit)
    channel = channels.get(endpoint.channel)
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        unit=endpoint.unit,
        channel=endpoint.channel,
        kind="test",
        title=_("测试消息：%(name)s") % {"name": endpoint.name},
        payload={
            "body": _("这是平安校园平台发出的测试消息，收到即表示推送地址配置正确。"),
            "url": "",
            "unit_code": endpoint.unit.code,
            "unit_name": endpoint.unit.name,
        },
        target=(channel.mask(endpoint.url) if channel else endpoint.url)[:300],
        is_test=True,
        next_attempt_at=timezone.now(),
    )
    delivery_attempt(delivery.pk, retry=False)
    delivery.refresh_from_db()
    return delivery
