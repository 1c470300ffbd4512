"""The guard register import: rows match the school's guards by licence number, or by name
and birth year for a guard without one; matched guards are updated, the others added. Guards
missing from the file are left as they are (deactivate them on the page)."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.core.excel import as_text
from safecampus.imports.base import Errors, Importer, ImportResult, Row
from safecampus.orgs.models import School

from . import excel
from .models import Guard
from .selectors import defense_school_get

BAD_EMPLOYMENT = gettext_lazy("须为“专职”或“兼职”")
BAD_YES_NO = gettext_lazy("须为“是”或“否”")


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(as_text(value).replace("/", "-"))
    except ValueError:
        raise ValueError(_("须为日期，如 2030-06-30")) from None


def _year(value) -> int:
    text = as_text(value)
    if not text.isdigit():
        raise ValueError(_("须为四位年份，如 1975"))
    return int(text)


class GuardImporter(Importer):
    key = "guards"
    label = gettext_lazy("保安员花名册")
    unit = gettext_lazy("人")
    action = "defense.manage"
    per_school = True
    columns = excel.COLUMNS
    sheet_title = "保安员"
    example = excel.EXAMPLE
    instructions = (
        gettext_lazy(
            "按保安员证号匹配（无证号的按姓名和出生年份）：已有的保安员更新，新的新增；文件中没有的"
            "保安员不变。只要有一行有误，整个文件都不会导入，并列出每一处错误。"
        ),
    )

    @classmethod
    def school_for(cls, user, school_id: int) -> School:
        return defense_school_get(user=user, school_id=school_id)

    def parse(self, row: Row) -> dict | None:
        values = {
            "name": row.text("name"),
            "licence_no": row.text("licence_no"),
            "licence_expiry": row.parse("licence_expiry", _date),
            "birth_year": row.parse("birth_year", _year),
            "employment": row.choice("employment", excel.EMPLOYMENT_BY_LABEL, BAD_EMPLOYMENT),
            "company": row.text("company"),
            "active": row.choice("active", {excel.YES: True, excel.NO: False}, BAD_YES_NO),
        }
        if not values["name"]:
            row.error("name", _("不能为空"))
        if values["employment"] is None and not row.text("employment"):
            row.error("employment", str(BAD_EMPLOYMENT))
        values["active"] = values["active"] is not False
        return values if row.ok else None

    def check(self, rows: list[dict], errors: Errors) -> None:
        existing = list(Guard.objects.filter(school=self.school))
        by_licence = {g.licence_no: g for g in existing if g.licence_no}
        by_person = {(g.name, g.birth_year): g for g in existing if not g.licence_no}
        seen: dict[object, int] = {}
        self.planned = []
        for values in rows:
            number = values.pop("number")
            licence = values["licence_no"]
            key = licence or (values["name"], values["birth_year"])
            if key in seen:
                column = "licence_no" if licence else "name"
                errors.add(number, column, _("与第 %(row)d 行重复") % {"row": seen[key]})
                continue
            seen[key] = number
            guard = (
                by_licence.get(licence)
                if licence
                else by_person.get((values["name"], values["birth_year"]))
            ) or Guard(school=self.school)
            before = None if guard.pk is None else [getattr(guard, k) for k in excel.FIELDS]
            for field, value in values.items():
                setattr(guard, field, value)
            try:
                guard.full_clean(validate_unique=False)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        errors.add(number, field, message, getattr(guard, field, ""))
                continue
            self.planned.append((guard, before))

    def write(self, rows: list[dict]) -> ImportResult:
        result = ImportResult()
        for guard, before in self.planned:
            if before is None:
                result.created += 1
            elif before == [getattr(guard, k) for k in excel.FIELDS]:
                result.unchanged += 1
                continue
            else:
                result.updated += 1
            guard.save()  # one audited create/update per guard
        return result

    def back_url(self) -> str:
        return reverse("defenses:school", args=[self.school.pk]) + "#guards"
