"""Password rules of 等保 level 3: several character classes, no reuse of recent passwords.
The numbers are the security administrator's policy in force (accounts.policy), unless a
validator is given its own in AUTH_PASSWORD_VALIDATORS' OPTIONS."""

import string
from collections.abc import Callable

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
