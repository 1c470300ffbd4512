from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.access.scope import can, require, scoped
from safecampus.accounts import reauth
from safecampus.core.errors import BusinessRuleError
from safecampus.core.excel import xlsx_response
from safecampus.core.listing import filters_from_query, page_of
from safecampus.core.throttle import throttle
from safecampus.orgs.selectors import district_choices

from . import services
from .choices import GUARD_KIT, EquipmentKind, Indicator
from .excel import guards_export
from .filters import DefenseFilters, VerdictFilters
from .forms import DutyForm, EntryForm, EquipmentForm, GatePostForm, GuardForm, SecurityForm
from .indicators import district_rates, school_verdicts
from .models import GatePost, GatePostDuty, Guard
from .selectors import (
    check_interval_days,
    check_overdue,
    defense_school_get,
    defense_schools,
    defense_summary,
    duty_get,
    entry_get,
    entry_list,
    equipment_get,
    equipment_list,
    gate_post_get,
    gate_post_list,
    guard_get,
    guard_list,
    security_of,
    sign_in_list,
    verdict_list,
)

INDICATORS = [(i.value, i.label) for i in Indicator]


@login_required
def dashboard_view(request):
    """The four 100% of the user's scope: rates, counts, and the rates of each district."""
    require(request.user, "defense.view")
    filters = filters_from_query(request, DefenseFilters)
    summary = defense_summary(user=request.user, filters=filters)
    rows = district_rates(school_verdicts(defense_schools(user=request.user, filters=filters)))
    return render(
        request,
        "defenses/dashboard.html",
        {
            "summary": summary,
            "indicators": [
                {
                    "key": key,
                    "label": label,
                    "rate": summary["rates"][key],
                    "meets": summary["meets"][key],
                }
                for key, label in INDICATORS
            ],
            "rows": [
                {
                    **row,
                    "cells": [
                        (key, row["rates"][key], row["meets"][key]) for key, _l in INDICATORS
                    ],
                }
                for row in rows
            ],
            "query": request.GET.urlencode(),
        },
    )


@login_required
def school_list_view(request):
    """Schools with their four verdicts; filtered to those missing an indicator, the reason."""
    require(request.user, "defense.view")
    filters = filters_from_query(request, VerdictFilters)
    verdicts = verdict_list(user=request.user, filters=filters)
    page, query = page_of(request, verdicts)
    page.object_list = [
        {
            "school_id": v.school_id,
            "name": v.name,
            "district_name": v.district_name,
            "cells": [
                {"key": key, "meets": v.verdicts[key].meets, "reason": v.verdicts[key].reason}
                for key, _label in INDICATORS
            ],
        }
        for v in page.object_list
    ]
    return render(
        request,
        "defenses/school_list.html",
        {
            "page": page,
            "query": query,
            "filters": filters,
            "indicators": INDICATORS,
            "indicator_label": dict(INDICATORS).get(filters.indicator or ""),
            "districts": district_choices(user=request.user),
        },
    )


def _devices_url(school) -> str | None:
    """The school's page of the devices app, once that app has one."""
    try:
        return reverse("devices:school", args=[school.pk])
    except NoReverseMatch:
        return None


def _technical(user, school) -> dict:
    from safecampus.devices.models import AlarmButton, Camera, Place

    labels = dict(Place.choices)
    by_place = (
        scoped(Camera.objects.filter(school=school, active=True), user, "device.view")
        .values("place")
        .annotate(n=Count("pk"))
        .order_by("place")
    )
    return {
        "cameras": [(labels.get(r["place"], r["place"]), r["n"]) for r in by_place],
        "camera_total": sum(r["n"] for r in by_place),
        "alarms": list(
            scoped(AlarmButton.objects.filter(school=school), user, "device.view").order_by(
                "-active", "name"
            )
        ),
        "url": _devices_url(school),
    }


@login_required
def school_view(request, school_id: int):
    """One school's three defenses and its four verdicts with their reasons."""
    school = defense_school_get(user=request.user, school_id=school_id)
    user, unit, today = request.user, school.unit, timezone.localdate()
    verdicts = school_verdicts(defense_schools(user=user).filter(pk=school.pk))
    interval = check_interval_days(school)
    order = list(EquipmentKind.values)
    rows = sorted(equipment_list(user=user, school=school), key=lambda e: order.index(e.kind))
    equipment = [
        {"row": e, "overdue": check_overdue(e, interval, today), "kit": e.kind in GUARD_KIT}
        for e in rows
    ]
    signed = defaultdict(list)
    for s in sign_in_list(user=user, school=school, on_date=today):
        signed[s.post_id].append(s)
    posts = [
        {
            "post": p,
            "signed": signed.get(p.pk, []),
            "mine": any(s.user_id == user.pk for s in signed.get(p.pk, [])),
        }
        for p in gate_post_list(user=user, school=school)
    ]
    guards = list(guard_list(user=user, school=school))
    return render(
        request,
        "defenses/school.html",
        {
            "school": school,
            "breadcrumbs": unit.ancestors(),
            "verdicts": [
                {"key": key, "label": label, "verdict": verdicts[0].verdicts[key]}
                for key, label in INDICATORS
            ]
            if verdicts
            else [],
            "guards": guards,
            "active_guards": sum(1 for g in guards if g.active),
            "posts": posts,
            "equipment": equipment,
            "equipment_total": sum(e.quantity for e in rows),
            "interval": interval,
            "security": security_of(school),
            "entries": entry_list(user=user, school=school)[:20],
            "technical": _technical(user, school),
            "today": today,
            "can_manage": can(user, "defense.manage", unit),
            "can_sign": can(user, "gatepost.sign", unit),
            "can_register": can(user, "visitor.register", unit),
        },
    )


def _form_page(request, *, school, title, form, back, testid="record-form", extra=None):
    return render(
        request,
        "defenses/form.html",
        {
            "school": school,
            "breadcrumbs": school.unit.ancestors(),
            "title": title,
            "form": form,
            "back": back,
            "testid": testid,
            **(extra or {}),
        },
    )


def _save_form(request, form) -> bool:
    """Validate a model form and save its record through the service; errors go on the form."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        services.record_save(user=request.user, record=form.instance)
    except BusinessRuleError as exc:
        form.add_error(None, str(exc))
        return False
    messages.success(request, _("已保存。"))
    return True


def _back(school, section: str) -> str:
    return reverse("defenses:school", args=[school.pk]) + f"#{section}"


@login_required
def guard_edit_view(request, school_id: int | None = None, guard_id: int | None = None):
    if guard_id is not None:
        guard = guard_get(user=request.user, guard_id=guard_id, action="defense.manage")
        school = guard.school
    elif school_id is not None:
        school = defense_school_get(user=request.user, school_id=school_id, action="defense.manage")
        guard = Guard(school=school)
    else:  # the URLs give one or the other
        raise Http404
    form = GuardForm(request.POST or None, instance=guard)
    if _save_form(request, form):
        return redirect(_back(school, "guards"))
    title = _("修改保安员") if guard.pk else _("新增保安员")
    return _form_page(request, school=school, title=title, form=form, back=_back(school, "guards"))


@login_required
@throttle("export")
def guards_export_view(request, school_id: int):
    school = defense_school_get(user=request.user, school_id=school_id)
    if not reauth.recent(request):  # personal data: the guards' names, licences, ages
        return reauth.to_reauth(request)
    data = guards_export(school=school, guards=guard_list(user=request.user, school=school))
    return xlsx_response(data, f"guards-{school.unit.code}.xlsx")


@login_required
def post_edit_view(request, school_id: int | None = None, post_id: int | None = None):
    if post_id is not None:
        post = gate_post_get(user=request.user, post_id=post_id, action="defense.manage")
        school = post.school
    elif school_id is not None:
        school = defense_school_get(user=request.user, school_id=school_id, action="defense.manage")
        post = GatePost(school=school)
    else:  # the URLs give one or the other
        raise Http404
    posted = request.POST.get("form") if request.method == "POST" else None
    form = GatePostForm(request.POST if posted == "post" else None, instance=post)
    duty_form = DutyForm(
        request.POST if posted == "duty" else None, instance=GatePostDuty(post=post)
    )
    if posted == "post" and _save_form(request, form):
        return redirect("defenses:post_edit", post_id=post.pk)
    if posted == "duty" and post.pk and _save_form(request, duty_form):
        return redirect("defenses:post_edit", post_id=post.pk)
    title = _("护学岗 · %(name)s") % {"name": post.name} if post.pk else _("新增护学岗")
    return _form_page(
        request,
        school=school,
        title=title,
        form=form,
        back=_back(school, "gate-posts"),
        extra={
            "form_name": "post",
            "post": post if post.pk else None,
            "duties": post.duties.all() if post.pk else [],
            "duty_form": duty_form,
        },
    )


@login_required
@require_POST
def duty_remove_view(request, duty_id: int):
    duty = duty_get(user=request.user, duty_id=duty_id, action="defense.manage")
    services.record_delete(user=request.user, record=duty)
    messages.success(request, _("已移出排班：%(name)s") % {"name": duty.name})
    return redirect("defenses:post_edit", post_id=duty.post_id)


@login_required
@require_POST
def sign_in_view(request, post_id: int):
    post = gate_post_get(user=request.user, post_id=post_id)
    try:
        record, created = services.gate_post_sign_in(
            user=request.user, post=post, client_key=request.POST.get("client_key") or None
        )
    except BusinessRuleError as exc:
        messages.error(request, str(exc))
    else:
        text = _("已签到：%(post)s %(time)s") if created else _("已签到过：%(post)s %(time)s")
        messages.success(
            request,
            text
            % {"post": post.name, "time": timezone.localtime(record.signed_at).strftime("%H:%M")},
        )
    return redirect(_back(post.school, "gate-posts"))


@login_required
def equipment_edit_view(request, school_id: int):
    school = defense_school_get(user=request.user, school_id=school_id, action="defense.manage")
    initial = {}
    if request.GET.get("kind"):
        existing = (
            equipment_list(user=request.user, school=school)
            .filter(kind=request.GET["kind"])
            .first()
        )
        if existing is not None:
            initial = {
                "kind": existing.kind,
                "quantity": existing.quantity,
                "last_checked_on": existing.last_checked_on,
                "note": existing.note,
            }
    form = EquipmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.equipment_set(user=request.user, school=school, **form.cleaned_data)
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect(_back(school, "equipment"))
    return _form_page(
        request,
        school=school,
        title=_("登记防护器材"),
        form=form,
        back=_back(school, "equipment"),
        extra={"hint": _("每种器材一条记录：再次登记同一种器材即更新其数量和检查日期。")},
    )


@login_required
@require_POST
def equipment_remove_view(request, equipment_id: int):
    record = equipment_get(user=request.user, equipment_id=equipment_id, action="defense.manage")
    services.record_delete(user=request.user, record=record)
    messages.success(request, _("已删除。"))
    return redirect(_back(record.school, "equipment"))


@login_required
def security_edit_view(request, school_id: int):
    from .models import CampusSecurity

    school = defense_school_get(user=request.user, school_id=school_id, action="defense.manage")
    record = security_of(school) or CampusSecurity(school=school)
    form = SecurityForm(request.POST or None, instance=record)
    if _save_form(request, form):
        return redirect(_back(school, "closure"))
    return _form_page(
        request,
        school=school,
        title=_("封闭化管理与周界防护"),
        form=form,
        back=_back(school, "closure"),
    )


@login_required
def entry_new_view(request, school_id: int):
    school = defense_school_get(user=request.user, school_id=school_id, action="visitor.register")
    form = EntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.entry_register(
                user=request.user,
                school=school,
                visitor_name=data["visitor_name"],
                id_last4=data["id_last4"],
                reason=data["reason"],
                host=data["host"],
                client_key=data["client_key"] or None,
            )
        except BusinessRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已登记进校。"))
            return redirect(_back(school, "closure"))
    return _form_page(
        request,
        school=school,
        title=_("来访人员进校登记"),
        form=form,
        back=_back(school, "closure"),
        testid="entry-form",
        extra={"client_key_name": f"entry-{school.pk}"},
    )


@login_required
@require_POST
def entry_leave_view(request, entry_id: int):
    entry = entry_get(user=request.user, entry_id=entry_id, action="visitor.register")
    try:
        services.entry_leave(user=request.user, entry=entry)
    except BusinessRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已登记离校：%(name)s") % {"name": entry.visitor_name})
    return redirect(_back(entry.school, "closure"))
