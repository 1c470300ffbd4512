"""Pages where city administrators, district officers and principals manage accounts."""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.access.models import RoleAssignment
from safecampus.access.roles import Role
from safecampus.access.scope import require
from safecampus.core.errors import BusinessRuleError
from safecampus.core.listing import page_of
from safecampus.core.throttle import query_given, throttle
from safecampus.orgs.models import OrgUnit

from . import reauth, services
from .models import User
from .selectors import locked_usernames, manageable_units, user_get, user_list
from .types import UserRequest
from .user_forms import RoleAssignmentForm, UserCreateForm, UserEditForm

T = TypeVar("T")


def _unit_suggestions(manager: User) -> list[OrgUnit]:
    return list(manageable_units(manager).only("code", "name", "path")[:3000])


def _run(request: UserRequest, form: forms.Form, action: Callable[[], T]) -> T | None:
    """Call a service; its refusals become form errors instead of error pages."""
    try:
        return action()
    except BusinessRuleError as exc:
        form.add_error(None, str(exc))
    except PermissionDenied:
        form.add_error(None, _("您无权在该单位授予此角色。"))
    return None


@login_required
@throttle("search", when=query_given("q"))
def user_list_view(request: UserRequest) -> HttpResponse:
    require(request.user, "user.manage")
    active = {"1": True, "0": False}.get(request.GET.get("active", ""))
    users = user_list(
        manager=request.user,
        q=request.GET.get("q", "").strip(),
        role=request.GET.get("role", ""),
        active=active,
    )
    page, query = page_of(request, users)
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "locked": locked_usernames(u.username for u in page),
            "roles": Role.choices,
            "query": query,
        },
    )


@login_required
def user_create_view(request: UserRequest) -> HttpResponse:
    require(request.user, "user.manage")
    if request.method == "POST" and not reauth.recent(request):  # it gives a role
        return reauth.to_reauth(request, request.path)
    form = UserCreateForm(request.POST or None, manager=request.user)
    if request.method == "POST" and form.is_valid():
        created = _run(
            request, form, lambda: services.user_create(manager=request.user, **form.cleaned_data)
        )
        if created:
            user, password = created
            return render(
                request,
                "accounts/user_password.html",
                {"target": user, "password": password, "created": True},
            )
    return render(
        request, "accounts/user_form.html", {"form": form, "units": _unit_suggestions(request.user)}
    )


@login_required
def user_detail_view(request: UserRequest, user_id: int) -> HttpResponse:
    require(request.user, "user.manage")
    target = user_get(manager=request.user, user_id=user_id)
    edit_form = UserEditForm(
        request.POST if request.POST.get("form") == "edit" else None,
        initial={"full_name": target.full_name, "phone": target.phone, "email": target.email},
    )
    role_form = RoleAssignmentForm(
        request.POST if request.POST.get("form") == "role" else None,
        manager=request.user,
    )
    posted = edit_form if edit_form.is_bound else role_form if role_form.is_bound else None
    if posted is role_form and not reauth.recent(request):
        return reauth.to_reauth(request, request.path)
    if posted is not None and posted.is_valid():
        done: User | RoleAssignment | None
        if posted is edit_form:
            done = _run(
                request,
                posted,
                lambda: services.user_update(
                    manager=request.user, target=target, **posted.cleaned_data
                ),
            )
            message = _("账号资料已保存。")
        else:
            done = _run(
                request,
                posted,
                lambda: services.role_assignment_add(
                    manager=request.user, target=target, **posted.cleaned_data
                ),
            )
            message = _("角色已添加。")
        if done:
            messages.success(request, message)
            return redirect("accounts:user_detail", user_id=target.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "edit_form": edit_form,
            "role_form": role_form,
            "locked": bool(locked_usernames([target.username])),
            "units": _unit_suggestions(request.user),
        },
    )


def _action(
    request: UserRequest, user_id: int, action: Callable[[User], object], success: str
) -> HttpResponse:
    require(request.user, "user.manage")
    target = user_get(manager=request.user, user_id=user_id)
    try:
        result = action(target)
    except BusinessRuleError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:user_detail", user_id=target.pk)
    if isinstance(result, str):
        return render(
            request, "accounts/user_password.html", {"target": target, "password": result}
        )
    messages.success(request, success)
    return redirect("accounts:user_detail", user_id=target.pk)


@login_required
@require_POST
def user_active_view(request: UserRequest, user_id: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    return _action(
        request,
        user_id,
        lambda t: services.user_set_active(manager=request.user, target=t, active=active),
        _("账号已启用。") if active else _("账号已停用，其会话与 API 令牌均已失效。"),
    )


@login_required
@require_POST
def user_password_reset_view(request: UserRequest, user_id: int) -> HttpResponse:
    return _action(
        request, user_id, lambda t: services.user_password_reset(manager=request.user, target=t), ""
    )


@login_required
@require_POST
@reauth.reauth_required
def role_remove_view(request: UserRequest, user_id: int, assignment_id: int) -> HttpResponse:
    require(request.user, "user.manage")
    target = user_get(manager=request.user, user_id=user_id)
    assignment = get_object_or_404(
        RoleAssignment.objects.select_related("user", "unit"), pk=assignment_id, user=target
    )
    return _action(
        request,
        user_id,
        lambda t: services.role_assignment_remove(manager=request.user, assignment=assignment),
        _("角色已移除。"),
    )
