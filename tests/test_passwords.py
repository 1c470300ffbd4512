"""Passwords that are easy to guess are refused (accounts/validators.py): repetitions, keyboard
runs and sequences, common passwords (Chinese pinyin ones included) and the person's own
details, through zxcvbn; a cap of 128 characters, at validation and at login. The messages say
in Chinese what is wrong and what to do; every password the platform makes or ships passes."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from safecampus.accounts.models import ApiToken, User
from safecampus.accounts.services import _temporary_password
from safecampus.accounts.validators import (
    ChineseCommonPasswordValidator,
    StrengthValidator,
    common_passwords_zh,
)
from safecampus.audit.models import AuditEntry
from safecampus.demo.generator import DEFAULT_PASSWORD

from .factories import PASSWORD, api_token

GUESSABLE = "密码太容易被猜到"


def _change_on_the_page(client, new, old=PASSWORD):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def _change_by_api(client, new, old=PASSWORD):
    return client.post(
        "/api/v1/auth/password",
        {"old_password": old, "new_password": new},
        content_type="application/json",
    )


# The four that met the length and character-class rules before, and why each is weak now.
@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        ("aaaaaaaaaA1", "有重复的字符或片段"),
        ("P@ssw0rd12", "与常见密码相似"),
        ("Aa1!Aa1!Aa", "有重复的字符或片段"),
        ("1234567890aA", "与常见密码相似"),
    ],
)
def test_patterned_passwords_that_met_the_old_rules_are_refused_with_a_reason(
    world, as_user, weak, reason
):
    client = as_user("district_a")
    response = _change_on_the_page(client, weak)
    html = response.content.decode()
    assert response.status_code == 200
    assert GUESSABLE in html and reason in html and "三四个互不相关的词" in html
    user = User.objects.get(username="district_a")
    assert user.check_password(PASSWORD)
    assert not user.password_history.exists()


@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        ("Woaini1314!", "与常见密码相似"),  # pinyin "I love you for ever", capitalised
        ("Zhang123456!", "与常见密码相似"),  # a surname and a run
        ("Qwerty!23456", "有键盘上相邻的按键"),
        ("Abcdefgh1!", "与常见密码相似"),
    ],
)
def test_chinese_common_passwords_and_keyboard_runs_are_refused_inside_longer_ones(
    world, weak, reason
):
    with pytest.raises(ValidationError) as refused:
        validate_password(weak, world.users["district_a"])
    assert any(GUESSABLE in m and reason in m for m in refused.value.messages)


def test_a_password_built_from_the_persons_own_details_is_refused(world):
    user = world.users["district_a"]
    user.phone, user.email = "13912345678", "liming@yantai.example.cn"
    for own in ("13912345678Ab!", "Liming@2026"):
        with pytest.raises(ValidationError) as refused:
            validate_password(own, user)
        assert "含有您的用户名、姓名、手机号或邮箱" in " ".join(refused.value.messages)
    # The same password is fine for someone else.
    validate_password("13912345678Ab!", world.users["district_b"])


def test_the_chinese_list_is_matched_whole_and_lower_cased():
    words = common_passwords_zh()
    assert len(words) >= 300 and len(set(words)) == len(words)
    assert all(w == w.lower() and not w.startswith("#") for w in words)
    assert {"woaini1314", "5201314", "zhang123", "qwe123456", "aini1314"} <= set(words)
    validator = ChineseCommonPasswordValidator()
    for common in ("WoAiNi1314", "ZHANG123", " qwe123456 "):
        with pytest.raises(ValidationError, match="这是常见密码"):
            validator.validate(common)
    validator.validate("woaini1314-hetang-yueliang")  # not the whole password: zxcvbn's part


def test_a_good_passphrase_is_accepted_and_changes_the_password(world, as_user):
    passphrase = "hetang yueliang 1927 lanqiu"
    response = _change_on_the_page(as_user("district_a"), passphrase)
    assert response.status_code == 302
    assert User.objects.get(username="district_a").check_password(passphrase)


def test_the_minimum_score_is_a_setting_of_3_by_default(world, settings):
    options = {
        v["NAME"].rsplit(".", 1)[-1]: v.get("OPTIONS") for v in settings.AUTH_PASSWORD_VALIDATORS
    }
    assert options["StrengthValidator"] == {"min_score": 3, "max_length": 128}
    user = world.users["district_a"]
    StrengthValidator(min_score=3).validate("Zhang2008-08-08", user)  # zxcvbn: 3
    with pytest.raises(ValidationError):
        StrengthValidator(min_score=4).validate("Zhang2008-08-08", user)
    StrengthValidator(min_score=2).validate("Aa1!Aa1!Aa", user)  # zxcvbn: 2


def test_the_english_reader_gets_the_reasons_in_english(world):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_password("aaaaaaaaaA1", world.users["district_a"])
    assert any("too easy to guess" in m and "repeats" in m for m in refused.value.messages)


# --- The cap ------------------------------------------------------------------------------------


def test_a_password_over_128_characters_is_refused_with_a_message(world, as_user):
    too_long = "Lanqiu-Hetang-37!" * 8  # 136
    response = _change_on_the_page(as_user("district_a"), too_long)
    assert response.status_code == 200
    assert "密码不能超过 128 个字符" in response.content.decode()
    assert User.objects.get(username="district_a").check_password(PASSWORD)
    fits = too_long[:128]
    assert _change_on_the_page(as_user("district_a"), fits).status_code == 302


def test_a_huge_password_is_refused_at_login_unhashed_and_uncounted(world, settings):
    huge = "P" * (1024 * 1024)
    client = Client(REMOTE_ADDR="203.0.113.7")
    response = client.post("/accounts/login/", {"username": "district_a", "password": huge})
    assert response.status_code == 200
    assert "密码不能超过 128 个字符" in response.content.decode()
    # authenticate() never ran: no failed login in the trail, none counted by the lockout.
    token = client.post(
        "/api/v1/auth/token",
        {"username": "district_a", "password": huge},
        content_type="application/json",
    )
    assert token.status_code == 422
    assert not AuditEntry.objects.filter(action="login_failed").exists()
    old = Client()
    old.force_login(world.users["district_a"])
    change = _change_on_the_page(old, "Lanqiu-Hetang-37!", old=huge)
    assert "密码不能超过 128 个字符" in change.content.decode()


# --- The API ------------------------------------------------------------------------------------


def test_the_api_refuses_a_weak_password_with_400_and_the_reason(world):
    user = world.users["district_a"]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(user)}")
    refused = _change_by_api(client, "P@ssw0rd12")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "invalid" and GUESSABLE in error["message"]
    assert error["details"][0]["loc"] == ["body", "payload", "new_password"]
    wrong_old = _change_by_api(client, "Lanqiu-Hetang-37!", old="Not-My-Password-1")
    assert wrong_old.status_code == 400
    assert wrong_old.json()["error"]["details"][0]["loc"][-1] == "old_password"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert _change_by_api(client, "x" * 129).status_code == 422  # the schema's cap: not hashed
    # A good one is taken: every token ends, this one included.
    assert _change_by_api(client, "Lanqiu-Hetang-37!").status_code == 204
    user.refresh_from_db()
    assert user.check_password("Lanqiu-Hetang-37!")
    assert not ApiToken.objects.active().filter(user=user).exists()
    assert client.get("/api/v1/me").status_code == 401
    assert AuditEntry.objects.filter(action="password_change", username="district_a").exists()


# --- What the platform makes or ships passes ----------------------------------------------------


def test_temporary_passwords_of_created_and_reset_accounts_pass_the_rules(world, as_user):
    created = as_user("principal_a1").post(
        "/api/v1/users",
        {"username": "guard9", "full_name": "新保安", "role": "guard", "unit_id": world.a1.pk},
        content_type="application/json",
    )
    assert created.status_code == 201
    guard = User.objects.get(username="guard9")
    # The rules as for a new account of the same person (the password history aside: it holds
    # the temporary password now).
    person = User(username=guard.username, full_name=guard.full_name)
    validate_password(created.json()["temporary_password"], person)
    reset = as_user("principal_a1").post(f"/api/v1/users/{guard.pk}/password-reset")
    validate_password(reset.json()["temporary_password"], person)
    for _ in range(200):
        validate_password(_temporary_password(), person)


def test_the_demo_and_test_passwords_pass_the_rules(world):
    for name in ("district_a", "principal_a1", "guard_a1"):
        validate_password(PASSWORD, User(username=f"new_{name}", full_name="新用户"))
    demo_user = User(username="p3706020001", full_name="王校长", phone="13800000001")
    validate_password(DEFAULT_PASSWORD, demo_user)
