"""Pages of the security administrator (三员分立): the policy, lockouts, second-factor resets
and the outbound allow-list. `security.manage` on each (403 for everyone else, the system
administrator and the auditor included); the services check it again."""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from safecampus.access.scope import require
from safecampus.core.errors import BusinessRuleError
from safecampus.core.listing import page_of

from . import security_services as services
from .models import POLICY_BOUNDS, OutboundNetwork, SecurityPolicy
from .policy import security_policy
from .second_factor import second_factor_reset
from .selectors import lockout_list, second_factor_list
from .types import UserRequest


class SecurityPolicyForm(forms.ModelForm):  # type: ignore[type-arg]  # no runtime generic
    class Meta:
        model = SecurityPolicy
        fields = list(POLICY_BOUNDS)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, (low, high) in POLICY_BOUNDS.items():
            self.fields[name].help_text = _("允许范围 %(low)d–%(high)d") % {
                "low": low,
                "high": high,
            }


class UnlockForm(forms.Form):
    username = forms.CharField(max_length=150)


class NetworkForm(forms.Form):
    network = forms.CharField(
        label=_lazy("网段"), max_length=43, help_text=_lazy("如 10.20.0.0/16 或 2001:db8::/48")
    )
    note = forms.CharField(label=_lazy("说明"), max_length=100, required=False)


def _page(request: UserRequest, template: str, context: dict[str, object]) -> HttpResponse:
    return render(request, f"accounts/{template}", {"section": template, **context})


@login_required
def policy_view(request: UserRequest) -> HttpResponse:
    require(request.user, "security.manage")
    form = SecurityPolicyForm(request.POST or None, instance=security_policy())
    if request.method == "POST" and form.is_valid():
        try:
            services.security_policy_update(
                admin=request.user, **{n: form.cleaned_data[n] for n in POLICY_BOUNDS}
            )
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("安全策略已保存，即时生效。"))
            return redirect("accounts:security_policy")
    return _page(request, "security_policy.html", {"form": form})


@login_required
def lockouts_view(request: UserRequest) -> HttpResponse:
    require(request.user, "security.manage")
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lockout_lift(admin=request.user, username=form.cleaned_data["username"])
        except BusinessRuleError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("已解除 %(name)s 的登录锁定。") % {"name": form.cleaned_data["username"]}
            )
        return redirect("accounts:security_lockouts")
    return _page(request, "security_lockouts.html", {"lockouts": lockout_list()})


@login_required
def second_factors_view(request: UserRequest) -> HttpResponse:
    require(request.user, "security.manage")
    q = request.GET.get("q", "").strip()[:100]
    page, query = page_of(request, second_factor_list(admin=request.user, q=q))
    return _page(request, "security_otp.html", {"page": page, "query": query, "q": q})


@login_required
@require_POST
def second_factor_reset_view(request: UserRequest, user_id: int) -> HttpResponse:
    require(request.user, "security.manage")
    target = second_factor_list(admin=request.user).filter(pk=user_id).first()
    if target is None:
        raise Http404
    try:
        second_factor_reset(admin=request.user, target=target)
    except BusinessRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("已重置 %(name)s 的动态口令，其下次登录须重新绑定。") % {"name": target.username},
        )
    return redirect(f"{reverse('accounts:security_otp')}?{urlencode({'q': target.username})}")


@login_required
def networks_view(request: UserRequest) -> HttpResponse:
    require(request.user, "security.manage")
    form = NetworkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.outbound_network_add(admin=request.user, **form.cleaned_data)
        except BusinessRuleError as exc:
            form.add_error("network", str(exc))
        else:
            messages.success(request, _("网段已放行。"))
            return redirect("accounts:security_networks")
    return _page(
        request,
        "security_networks.html",
        {
            "form": form,
            "networks": OutboundNetwork.objects.all(),
            "operator_networks": settings.SAFECAMPUS_OUTBOUND_ALLOW,
        },
    )


@login_required
@require_POST
def network_remove_view(request: UserRequest, network_id: int) -> HttpResponse:
    require(request.user, "security.manage")
    network = get_object_or_404(OutboundNetwork, pk=network_id)
    services.outbound_network_remove(admin=request.user, network=network)
    messages.success(request, _("网段 %(n)s 已移出白名单。") % {"n": network.network})
    return redirect("accounts:security_networks")
