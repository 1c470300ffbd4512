"""Password rules of 等保 level 3: several character classes, no reuse of recent passwords, a
length cap, and no password that is easy to guess (common, patterned or built from the
person's own details). The numbers of the first two are the security administrator's policy in
force (accounts.policy), unless a validator is given its own in AUTH_PASSWORD_VALIDATORS'
OPTIONS."""

import string
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from zxcvbn import zxcvbn
from zxcvbn.matching import add_frequency_lists

from .models import User
from .policy import security_policy


class CharacterClassValidator:
    CLASSES: tuple[tuple[str, Callable[[str], bool]], ...] = (
        ("lower", lambda c: c in string.ascii_lowercase),
        ("upper", lambda c: c in string.ascii_uppercase),
        ("digit", lambda c: c.isdigit()),
        ("symbol", lambda c: not c.isalnum()),
    )

    def __init__(self, min_classes: int | None = None) -> None:
        self._min_classes = min_classes

    @property
    def min_classes(self) -> int:
        return self._min_classes or security_policy().min_classes

    def validate(self, password: str, user: User | None = None) -> None:
        found = sum(1 for _name, test in self.CLASSES if any(test(c) for c in password))
        if found < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。")
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("至少包含大写字母、小写字母、数字、符号中的 %(n)d 类。") % {"n": self.min_classes}


class PasswordHistoryValidator:
    def __init__(self, history: int | None = None) -> None:
        self._history = history

    @property
    def history(self) -> int:
        return self._history or security_policy().history

    def validate(self, password: str, user: User | None = None) -> None:
        if user is None or user.pk is None:
            return
        previous = [user.password] if user.password else []
        previous += list(
            user.password_history.values_list("password", flat=True)[: self.history - 1]
        )
        if any(check_password(password, encoded) for encoded in previous[: self.history]):
            raise ValidationError(
                _("不能使用最近 %(n)d 次用过的密码。") % {"n": self.history}, code="password_reused"
            )

    def get_help_text(self) -> str:
        return _("不能与最近 %(n)d 次的密码相同。") % {"n": self.history}


class MinimumLengthValidator:
    """Django's rule with a Chinese message (its zh-hans catalogue lacks the 5.2 wording)."""

    def __init__(self, min_length: int | None = None) -> None:
        self._min_length = min_length

    @property
    def min_length(self) -> int:
        return self._min_length or security_policy().min_length

    def validate(self, password: str, user: User | None = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                _("密码长度太短，至少需要 %(n)d 个字符。") % {"n": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return _("至少 %(n)d 个字符。") % {"n": self.min_length}


class MaximumLengthValidator:
    """A cap, so that no one makes the server hash or estimate a megabyte (the login form and
    the token endpoint refuse longer passwords before hashing them too)."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: User | None = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("密码不能超过 %(n)d 个字符。") % {"n": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("不超过 %(n)d 个字符。") % {"n": self.max_length}


COMMON_PASSWORDS_ZH = Path(__file__).resolve().parent / "data" / "common-passwords-zh.txt"


@cache
def common_passwords_zh() -> tuple[str, ...]:
    """The list, most common first (comment lines dropped)."""
    lines = COMMON_PASSWORDS_ZH.read_text(encoding="utf-8").splitlines()
    return tuple(w.strip() for w in lines if w.strip() and not w.startswith("#"))


class ChineseCommonPasswordValidator:
    """Django's CommonPasswordValidator's rule (the whole password, lower-cased, in a list) over
    the common passwords of Chinese users (data/common-passwords-zh.txt), which Django's
    English-language list lacks."""

    def __init__(self) -> None:
        self.passwords = set(common_passwords_zh())

    def validate(self, password: str, user: User | None = None) -> None:
        if password.lower().strip() in self.passwords:
            raise ValidationError(
                _("这是常见密码（如“woaini1314”“zhang123”），很容易被猜到，请换一个。"),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return ""  # Django's CommonPasswordValidator says it


# zxcvbn's name for the dictionary of data/common-passwords-zh.txt.
COMMON_ZH = "common_zh"

# What a weak password has in it, as zxcvbn found it, in the order a message lists it: each a
# test of one of zxcvbn's matches, and what to tell the person (zxcvbn's feedback is English).
WEAKNESSES: tuple[tuple[Callable[[Mapping[str, Any]], bool], str], ...] = (
    (
        lambda m: m.get("dictionary_name") == "user_inputs",
        gettext_noop("含有您的用户名、姓名、手机号或邮箱"),
    ),
    (
        lambda m: m.get("dictionary_name") in ("passwords", COMMON_ZH),
        gettext_noop(
            "与常见密码相似（如“123456”“P@ssw0rd”“woaini1314”；改大小写或把字母换成 @、0 并不能让它更安全）"
        ),
    ),
    (lambda m: m["pattern"] == "repeat", gettext_noop("有重复的字符或片段（如“aaa”“Aa1!Aa1!”）")),
    (lambda m: m["pattern"] == "sequence", gettext_noop("有连续的字母或数字（如“abc”“6543”）")),
    (
        lambda m: m["pattern"] == "spatial",
        gettext_noop("有键盘上相邻的按键（如“qwerty”“1qaz2wsx”）"),
    ),
    (lambda m: m["pattern"] in ("date", "regex"), gettext_noop("有日期或年份（如生日、“2024”）")),
    (lambda m: m["pattern"] == "dictionary", gettext_noop("主要由常见的单词或姓名组成")),
)


@cache
def _estimator_ready() -> bool:
    """Give zxcvbn the Chinese list once, as one more ranked dictionary."""
    add_frequency_lists({COMMON_ZH: list(common_passwords_zh())})
    return True


def _own_inputs(user: User | None) -> list[str]:
    """What a password must not be built from: the person's username, name, phone, e-mail."""
    if user is None:
        return []
    email = getattr(user, "email", "") or ""
    values = [
        user.get_username(),
        getattr(user, "full_name", ""),
        getattr(user, "phone", ""),
        email,
        email.partition("@")[0],
    ]
    return [v for v in values if v]


class StrengthValidator:
    """zxcvbn's estimate of how many guesses the password takes, as a score 0–4: refuses
    repetitions, keyboard runs, sequences, dates, common passwords (its own lists and the
    Chinese one) and the person's own details, whatever character classes they mix in."""

    def __init__(self, min_score: int = 3, max_length: int = 128) -> None:
        self.min_score, self.max_length = min_score, max_length

    def validate(self, password: str, user: User | None = None) -> None:
        if len(password) > self.max_length:
            return  # MaximumLengthValidator refuses it; zxcvbn's time grows with the length
        _estimator_ready()
        result = zxcvbn(password, user_inputs=_own_inputs(user), max_length=self.max_length)
        if result["score"] >= self.min_score:
            return
        # Each part zxcvbn recognised, by the first weakness it shows; listed in their order.
        kinds = {
            next((i for i, (test, _m) in enumerate(WEAKNESSES) if test(m)), None)
            for m in result["sequence"]
        }
        found = [_(WEAKNESSES[i][1]) for i in sorted(k for k in kinds if k is not None)]
        problems = _("；").join(found[:3]) if found else _("组合太简单")
        raise ValidationError(
            _(
                "密码太容易被猜到：%(problems)s。请换一个更长、更没有规律的密码，"
                "例如用三四个互不相关的词（可以是拼音）加上数字和符号，共 12 位以上。"
            )
            % {"problems": problems},
            code="password_too_guessable",
        )

    def get_help_text(self) -> str:
        return _(
            "不能是常见密码，不能有重复字符、连续字母数字或键盘序列，也不能含有用户名、姓名或手机号。"
        )
