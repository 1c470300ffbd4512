import uuid
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.access.scope import scoped
from safecampus.accounts.models import User
from safecampus.orgs.fields import SchoolChoiceField
from safecampus.orgs.models import School

from .choices import IncidentType, Severity


def _schools(user: User, action: str) -> QuerySet[School]:
    return scoped(School.objects.select_related("unit"), user, action).order_by("unit__path")


class PressForm(forms.Form):
    """The one-button alarm on a page or a phone. The client key is made when the page is
    drawn, so a double tap or a resubmitted form is the same alarm."""

    school = SchoolChoiceField(label=_("学校"), queryset=School.objects.none())
    place = forms.CharField(
        label=_("位置"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：东门、3号教学楼二楼")}),
    )
    note = forms.CharField(
        label=_("情况（可不填）"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=8)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schools = _schools(user, "alarm.raise")
        school = self.fields["school"]
        assert isinstance(school, SchoolChoiceField)
        school.queryset = schools
        if len(schools) == 1:
            school.initial = schools[0]
            school.widget = forms.HiddenInput()
        self.fields["client_key"].initial = uuid.uuid4().hex


class RaiseForm(forms.Form):
    school = SchoolChoiceField(label=_("学校"), queryset=School.objects.none())
    incident_type = forms.ChoiceField(label=_("事件类型"), choices=IncidentType.choices)
    severity = forms.TypedChoiceField(
        label=_("事件等级"), choices=Severity.choices, coerce=int, initial=Severity.IV
    )
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    description = forms.CharField(
        label=_("情况描述"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
    raised_at = forms.DateTimeField(
        label=_("发生时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    is_drill = forms.BooleanField(label=_("演练（不惊动市局，不自动上报）"), required=False)
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schools = _schools(user, "incident.raise")
        school = self.fields["school"]
        assert isinstance(school, SchoolChoiceField)
        school.queryset = schools
        if len(schools) == 1:
            school.initial = schools[0]
        self.fields["raised_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["client_key"].initial = uuid.uuid4().hex


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredNoteForm(forms.Form):
    note = forms.CharField(
        label=_("处置记录"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("现场负责人"), queryset=User.objects.none())
    note = forms.CharField(label=_("说明"), max_length=1000, required=False)

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)
        assignee.queryset = candidates


class ClassifyForm(forms.Form):
    incident_type = forms.ChoiceField(label=_("事件类型"), choices=IncidentType.choices)
    severity = forms.TypedChoiceField(label=_("事件等级"), choices=Severity.choices, coerce=int)


class CloseForm(forms.Form):
    report = forms.CharField(
        label=_("总结报告"),
        max_length=20000,
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": _("经过、处置措施、伤亡与损失、原因、整改与教训")}
        ),
    )


class ResetForm(forms.Form):
    alarm = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_("复位说明"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("现场核实情况，如：误触，已核实无警情")}),
    )
