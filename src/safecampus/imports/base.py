"""What an app writes to add an Excel import: an `Importer` subclass (its columns, how a row is
read, how the rows are written), named in `importers` on its AppConfig. Everything else —
upload, header and column recognition, limits, the row errors, preview, all-or-nothing,
audit, the pages, the API and the template — is the pipeline's (imports/pipeline.py)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, TypeVar

from django import forms
from django.db.models import Model
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from safecampus.access.scope import require
from safecampus.core.excel import Column, RowError, as_text, excerpt, template_bytes
from safecampus.core.pagination import MAX_ID
from safecampus.core.registry import each, load
from safecampus.core.texts import Text
from safecampus.core.types import AnyUser

V = TypeVar("V")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    obj: Model | None = None  # what the import made, when it is one record (a catalog)


class Errors:
    """The row errors of one run, capped at `limit`: past it they are counted, not kept, and
    the rows after are not checked."""

    def __init__(self, columns: Sequence[Column], limit: int):
        self.headers = {c.key: str(c.header) for c in columns}
        self.limit = limit
        self.listed: list[RowError] = []
        self.more = 0
        self.unchecked_rows = 0
        self.cells: dict[int, dict[str, Any]] = {}  # the raw cells of each row read, by number

    @property
    def full(self) -> bool:
        return len(self.listed) >= self.limit

    def add(self, row: int, key: str, message: str, value: Any = None) -> None:
        """An error of `row`'s column `key`; the value shown is the cell's unless given."""
        if value is None:
            value = self.cells.get(row, {}).get(key)
        if self.full:
            self.more += 1
            return
        header = self.headers.get(key, key)
        self.listed.append(RowError(row, header, str(message), excerpt(value)))


class Row:
    """One data row as an importer reads it: its number in the sheet, its cells by column key
    (a column absent from the file reads as empty) and the errors it reports."""

    def __init__(self, number: int, cells: dict[str, Any], errors: Errors):
        self.number, self.cells, self._errors = number, cells, errors
        self.ok = True

    def __getitem__(self, key: str) -> Any:
        return self.cells.get(key)

    def text(self, key: str) -> str:
        return as_text(self.cells.get(key))

    def error(self, key: str, message: str, value: Any = None) -> None:
        self.ok = False
        self._errors.add(self.number, key, message, value)

    def parse(self, key: str, parse: Callable[[Any], V]) -> V | None:
        """`parse(cell)`, or None with the ValueError's message as the cell's error."""
        try:
            return parse(self.cells.get(key))
        except ValueError as exc:
            self.error(key, str(exc))
            return None

    def choice(
        self, key: str, labels: Mapping[str, V], message: str | Promise | None = None
    ) -> V | None:
        """The value of a coded cell from its label; empty stays None. `message` is lazy
        (gettext_lazy) where given: it is translated only for a bad cell."""
        text = self.text(key)
        if not text:
            return None
        if text not in labels:
            self.error(key, str(message or _("应为：%(all)s") % {"all": "、".join(labels)}))
            return None
        return labels[text]


class Importer:
    """One kind of Excel import. Subclasses set the class attributes and implement `parse`
    (one row → values, or None after reporting its errors with `row.error`) and `write` (the
    checked rows → the result, inside the import's transaction); `check` looks across rows."""

    key: ClassVar[str]  # in the URLs: /imports/<key>/, /api/v1/imports/<key>
    label: ClassVar[str | Promise]  # what is imported: "学校"
    unit: ClassVar[str | Promise] = ""  # its measure word: "所", "栋" …
    action: ClassVar[str]  # the permission an import needs (at the school, if per school)
    columns: ClassVar[Sequence[Column]] = ()
    sheet_title: ClassVar[str | Promise] = ""
    instructions: ClassVar[Sequence[str | Promise]] = ()  # the template's 说明, the page's help
    example: ClassVar[Sequence[Any]] = ()  # one row, in the template
    per_school: ClassVar[bool] = False  # into one school, given as `school`
    # Further fields (a catalog's name …): a form class taking `user=` besides the data.
    options_form: ClassVar[Callable[..., forms.Form] | None] = None

    def __init__(
        self, *, user: AnyUser, school: Any = None, options: dict[str, Any] | None = None
    ) -> None:
        # `school` is an orgs.School (imports sits below orgs, so it cannot name the model):
        # the per-school importers use it as theirs.
        self.user, self.school, self.options = user, school, options or {}
        self.filename = ""  # the uploaded file's name, set by the pipeline

    # --- the importer's own part -----------------------------------------------------------

    def layout(self) -> Sequence[Column]:
        """The columns (a method, for layouts whose headers are translated when used)."""
        return self.columns

    @classmethod
    def school_for(cls, user: AnyUser, school_id: int) -> Any:
        """The school a per-school import goes into, if the user may see it (else 404): an
        orgs.School, which imports cannot name (see __init__)."""
        raise NotImplementedError

    def authorize(self) -> None:
        require(self.user, self.action, self.school.unit if self.school is not None else None)

    def parse(self, row: Row) -> dict[str, Any] | None:
        raise NotImplementedError

    def check(self, rows: list[dict[str, Any]], errors: Errors) -> None:
        """Checks across rows (duplicates, clashes with the database); each row dict holds
        its sheet row number as "number"."""

    def write(self, rows: list[dict[str, Any]]) -> ImportResult:
        raise NotImplementedError

    def audit_subject(self) -> Model | None:
        school: Model | None = self.school  # an orgs.School (see __init__)
        return school

    def summary(self, result: ImportResult) -> Text:
        return Text(
            N_("新增 %(c)d %(u)s，更新 %(n)d %(u)s，未变化 %(s)d %(u)s"),
            c=result.created,
            n=result.updated,
            s=result.unchanged,
            u=self.unit,
        )

    def done_url(self, result: ImportResult) -> str | None:
        """Where the page goes after an import (None: it shows the result itself)."""
        return None

    def back_url(self) -> str | None:
        return None

    def title(self) -> str:
        return _("导入%(what)s") % {"what": self.label}

    def template(self) -> bytes:
        """The template workbook: columns, dropdowns, the 说明 sheet with an example row."""
        return template_bytes(
            self.layout(),
            title=str(self.sheet_title or self.label),
            instructions=[self.title(), *map(str, self.instructions)],
            example=self.example,
        )


@cache
def importers() -> dict[str, type[Importer]]:
    """Every importer the installed apps declare, by key."""
    found: dict[str, type[Importer]] = {}
    for _app, path in each("importers"):
        importer = load(path)
        if importer.key in found:
            raise ValueError(f"two importers have the key {importer.key!r}")
        found[importer.key] = importer
    return found


def importer_class(key: str) -> type[Importer]:
    try:
        return importers()[key]
    except KeyError:
        raise Http404(key) from None


def _options_form(
    cls: type[Importer], user: AnyUser, data: Mapping[str, Any] | None
) -> forms.Form | None:
    if cls.options_form is None:
        return None
    return cls.options_form(data, user=user)


def importer_for(
    user: AnyUser,
    key: str,
    school_id: str | int | None = None,
    options_data: Mapping[str, Any] | None = None,
) -> tuple[Importer, forms.Form | None]:
    """The importer of `key` for `user` (into the school, for a per-school import), allowed
    to import (else 403); its options form bound to `options_data`, if it has one."""
    cls = importer_class(key)
    school = None
    if cls.per_school:
        if school_id is None:
            raise Http404(_("请指定学校"))
        try:
            number = int(school_id)
        except ValueError:
            raise Http404(_("请指定学校")) from None
        if not 1 <= number <= MAX_ID:  # no lookup may overflow the database
            raise Http404(_("请指定学校"))
        school = cls.school_for(user, number)
    form = _options_form(cls, user, options_data)
    options = form.cleaned_data if form is not None and form.is_valid() else {}
    importer = cls(user=user, school=school, options=options)
    importer.authorize()
    return importer, form
