from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from safecampus.access.scope import scoped
from safecampus.accounts.models import User
from safecampus.orgs.choices import SchoolType
from safecampus.orgs.fields import UnitCodeField
from safecampus.orgs.models import OrgUnit
from safecampus.risks.models import Aspect, RiskCatalog

from .models import CampaignKind, ChecklistTemplate


class ChecklistForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("发布单位"), queryset=OrgUnit.objects.none())
    catalog = forms.ModelChoiceField(
        label=_("依据的风险清单库"), queryset=RiskCatalog.objects.none()
    )
    name = forms.CharField(label=_("检查表名称"), max_length=100)
    aspects = forms.ModelMultipleChoiceField(
        label=_("方面（不选为全部）"),
        queryset=Aspect.objects.all(),
        required=False,
        to_field_name="code",
    )
    limit = forms.IntegerField(label=_("最多检查项"), min_value=1, max_value=500, initial=40)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit, catalog = self.fields["unit"], self.fields["catalog"]
        assert isinstance(unit, forms.ModelChoiceField)
        assert isinstance(catalog, forms.ModelChoiceField)
        unit.queryset = scoped(OrgUnit.objects.exclude(kind="province"), user, "inspection.plan")
        catalog.queryset = scoped(RiskCatalog.objects.filter(is_current=True), user, "catalog.view")


class CampaignForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("组织单位"), queryset=OrgUnit.objects.none())
    name = forms.CharField(label=_("行动名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=CampaignKind.choices)
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    template = forms.ModelChoiceField(label=_("检查表"), queryset=ChecklistTemplate.objects.none())
    school_types = forms.MultipleChoiceField(
        label=_("学校类型（不选为全部）"), choices=SchoolType.choices, required=False
    )

    def __init__(
        self, *args: Any, user: User, templates: QuerySet[ChecklistTemplate], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        unit, template = self.fields["unit"], self.fields["template"]
        assert isinstance(unit, forms.ModelChoiceField)
        assert isinstance(template, forms.ModelChoiceField)
        unit.queryset = scoped(OrgUnit.objects.exclude(kind="province"), user, "inspection.plan")
        template.queryset = templates


class TeamField(forms.ModelMultipleChoiceField):
    """The inspection team, ticked from the campaign's candidates (selectors.team_candidates)."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})

    def __init__(self, **kwargs):
        super().__init__(
            label=_("检查组成员"),
            queryset=User.objects.none(),
            required=False,
            help_text=_("检查组成员可在现场开始检查并提交结果；抽查开始前，受检学校看不到。"),
            **kwargs,
        )

    def label_from_instance(self, obj):
        return f"{obj.full_name or obj.username}（{obj.username}）"


class PlanForm(forms.Form):
    school = UnitCodeField(label=_("学校代码"))
    planned_on = forms.DateField(
        label=_("计划日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    team = TeamField()

    def __init__(
        self, *args: Any, units: QuerySet[OrgUnit], candidates: QuerySet[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        school, team = self.fields["school"], self.fields["team"]
        assert isinstance(school, UnitCodeField)
        assert isinstance(team, TeamField)
        school.units = units
        team.queryset = candidates


class SelectForm(forms.Form):
    count = forms.IntegerField(label=_("抽取学校数"), min_value=1, max_value=500, initial=5)
    seed = forms.IntegerField(
        label=_("随机种子（相同种子结果相同）"), min_value=0, max_value=2**31, initial=2026
    )
    planned_on = forms.DateField(
        label=_("计划日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    team = TeamField()

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, TeamField)
        team.queryset = candidates
