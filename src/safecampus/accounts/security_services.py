"""The security administrator's writes (三员分立): the password and lockout policy, lifting
lockouts and the networks outgoing requests may reach. Each checks `security.manage`, which
only the security administrator holds, and is in the audit trail (the second-factor reset is
`second_factor.second_factor_reset`)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from safecampus.access.scope import require
from safecampus.audit.models import AuditAction
from safecampus.audit.services import audit_event
from safecampus.core.errors import BusinessRuleError, model_errors
from safecampus.core.texts import Text

from .models import OutboundNetwork, SecurityPolicy, User, network_check
from .policy import security_policy
from .selectors import locked_usernames


@transaction.atomic
def security_policy_update(*, admin: User, **values: Any) -> SecurityPolicy:
    """Change the rules in force; every value inside POLICY_BOUNDS (refused in words naming
    the field otherwise, nothing saved)."""
    require(admin, "security.manage")
    policy = security_policy()
    for name, value in values.items():
        setattr(policy, name, value)
    try:
        policy.full_clean(exclude=["updated_at"])
    except ValidationError as exc:
        raise model_errors(exc, SecurityPolicy) from None
    policy.save()  # the row's first save is its `create`, later ones `update` (audited)
    return policy


def lockout_lift(*, admin: User, username: str) -> None:
    """Lift the login lockout of a username (an account's, or a name someone tried)."""
    from axes.utils import reset

    require(admin, "security.manage")
    if username not in locked_usernames([username]):
        raise BusinessRuleError(_("“%(name)s”当前没有被锁定") % {"name": username})
    reset(username=username)
    target = User.objects.filter(username=username).first()
    audit_event(
        AuditAction.UNLOCK,
        target,
        message=Text(N_("安全管理员解除 %(name)s 的登录锁定"), name=username),
    )


@transaction.atomic
def outbound_network_add(*, admin: User, network: str, note: str = "") -> OutboundNetwork:
    require(admin, "security.manage")
    try:
        value = network_check(network)
    except ValidationError as exc:
        raise BusinessRuleError(" ".join(exc.messages)) from None
    row = OutboundNetwork(network=value, note=note.strip())
    try:
        row.full_clean(exclude=["network"])
        with transaction.atomic():
            row.save()
    except ValidationError as exc:
        raise model_errors(exc, OutboundNetwork) from None
    except IntegrityError:
        raise BusinessRuleError(_("网段 %(n)s 已在白名单中") % {"n": value}) from None
    return row


@transaction.atomic
def outbound_network_remove(*, admin: User, network: OutboundNetwork) -> None:
    require(admin, "security.manage")
    network.delete()


def outbound_networks() -> list[str]:
    """The security administrator's networks (core.outbound asks for them at send time)."""
    return list(OutboundNetwork.objects.values_list("network", flat=True))
