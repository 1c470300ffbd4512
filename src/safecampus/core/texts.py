"""Texts that are stored now and read later, each reader in their own language.

A notification or an audit entry is written once, in whatever language the writing process
runs, and read by Chinese and English readers alike. So it keeps its text as a message id (the
Chinese source string, marked for translation with `gettext_noop`) and parameters, and renders
it with gettext when shown:

    Text(gettext_noop("整改任务：%(school)s：%(hazard)s"), school=unit.name, hazard=description)

Parameters are user data (a school's name, a hazard's description) and stay as written. A
parameter that is itself a label of the platform (an incident type) is a nested Text, which
`label()` makes from a choice's lazily translated label; it is translated with the rest.

Stored as JSON: {"msgid": "…", "params": {"name": value or nested text}}. Beside it the caller
keeps the text rendered in the platform's default language (`Text.stored()`), for readers with
no language (e-mail, SMS, webhooks) and for rows written before texts were stored this way.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext, override

Scalar = str | int | float | bool | None


class Text:
    """A translatable message and its parameters."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, /, **params: object) -> None:
        self.msgid = str(msgid)
        self.params: dict[str, Scalar | Text] = {k: _param(v) for k, v in params.items()}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.msgid, self.params) == (other.msgid, other.params)

    def __hash__(self) -> int:
        return hash(self.msgid)

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, **{self.params!r})"

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """In the active language. A translation whose placeholders do not fit the parameters
        (a broken catalogue entry) falls back to the source text."""
        if not self.params:
            return gettext(self.msgid)
        values = {k: v.render() if isinstance(v, Text) else v for k, v in self.params.items()}
        try:
            return gettext(self.msgid) % values
        except (KeyError, ValueError, TypeError):
            return self.msgid % values

    def stored(self) -> str:
        """In the platform's default language (zh-hans): the text kept beside the message."""
        with override(settings.LANGUAGE_CODE):
            return self.render()

    def to_json(self, *, cap: int | None = None) -> dict[str, Any]:
        """The stored form; `cap` cuts every text parameter to that many characters."""
        params: dict[str, Any] = {}
        for key, value in self.params.items():
            if isinstance(value, Text):
                params[key] = value.to_json(cap=cap)
            elif isinstance(value, str) and cap is not None:
                params[key] = value[:cap]
            else:
                params[key] = value
        return {"msgid": self.msgid, "params": params}

    @classmethod
    def from_json(cls, data: object) -> Text | None:
        """The text of a stored message; None for a row without one or with a malformed one."""
        if not isinstance(data, Mapping) or not isinstance(data.get("msgid"), str):
            return None
        params = data.get("params") or {}
        if not isinstance(params, Mapping):
            return None
        text = cls(data["msgid"])
        for key, value in params.items():
            text.params[str(key)] = cls.from_json(value) if isinstance(value, Mapping) else value
        return text


def _param(value: object) -> Scalar | Text:
    if isinstance(value, Promise):
        return label(value)
    if value is None or isinstance(value, str | int | float | bool | Text):
        return value
    if isinstance(value, datetime.date | datetime.time | Decimal):
        return str(value)  # as an f-string showed it: 2026-03-01
    raise TypeError(f"a text parameter must be a plain value or a Text, not {type(value)}")


# A choice's label is one lazy object for the life of the process, so its message id is looked up
# once, not for every alarm that names its type and grade. Bounded: a caller making fresh lazy
# strings gets correct texts, only uncached.
_msgids: dict[int, tuple[Promise | str, str]] = {}
MSGID_CACHE_SIZE = 1000


def label(lazy: Promise | str) -> Text:
    """A label of the platform (a choice's `gettext_lazy` label) as a nested Text: its message id
    is the label in no language at all, i.e. the source string."""
    hit = _msgids.get(id(lazy))
    if hit is not None and hit[0] is lazy:
        return Text(hit[1])
    with override(None):
        msgid = str(lazy)
    if len(_msgids) < MSGID_CACHE_SIZE:
        _msgids[id(lazy)] = (lazy, msgid)  # the reference keeps the id from being reused
    return Text(msgid)


def rendered(data: object, fallback: str) -> str:
    """A stored message in the active language, else (a row written before messages were
    stored, or an unreadable one) the text stored beside it."""
    text = Text.from_json(data)
    if text is None:
        return fallback
    try:
        return text.render()
    except (KeyError, ValueError, TypeError):
        return fallback
