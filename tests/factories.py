"""Factories for the org tree, users and role assignments."""

from io import BytesIO

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from safecampus.access.models import RoleAssignment
from safecampus.accounts.models import User
from safecampus.orgs.choices import Ownership, SchoolType, UnitKind
from safecampus.orgs.models import OrgUnit, School

PASSWORD = "Correct-Horse-42"


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    kind = UnitKind.DISTRICT
    name = factory.Sequence(lambda n: f"测试单位{n}")
    code = factory.Sequence(lambda n: f"U{n:05d}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    unit = factory.SubFactory(OrgUnitFactory, kind=UnitKind.SCHOOL)
    school_type = SchoolType.PRIMARY
    ownership = Ownership.PUBLIC
    students = 600
    staff = 40

    @factory.lazy_attribute
    def district(self):
        parent = self.unit.parent
        return parent if parent is not None and parent.kind == UnitKind.DISTRICT else None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password_changed_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(OrgUnitFactory)
    role = "staff"


def api_token(user, days: int = 30) -> str:
    """A valid bearer token of `user` (the raw value; only its hash is stored)."""
    from datetime import timedelta

    from safecampus.accounts.models import ApiToken

    raw = ApiToken.new_key()
    ApiToken.objects.create(
        user=user,
        name="test",
        key_hash=ApiToken.hash(raw),
        hint=raw[-4:],
        expires_at=timezone.now() + timedelta(days=days),
    )
    return raw


def jpeg() -> bytes:
    """A small valid JPEG, for the photo uploads."""
    out = BytesIO()
    Image.new("RGB", (64, 48), "white").save(out, "JPEG")
    return out.getvalue()


def photo_upload(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg(), content_type="image/jpeg")


def otp_key(username: str) -> str:
    """A test account's TOTP secret (hex): fixed per username, so a test can compute codes."""
    import hashlib

    return hashlib.sha1(f"test-otp:{username}".encode()).hexdigest()  # noqa: S324 - a test key


def otp_device(user):
    """A confirmed TOTP device for `user` with its test secret."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(
        user=user, name="TOTP", key=otp_key(user.username), confirmed=True
    )


def otp_code(user) -> str:
    """A code `user`'s TOTP device accepts now: the current one, or — when that was used
    already (a second login within the same 30 seconds) — the next, which the device accepts
    too (tolerance of one step). Reads the device's secret."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    for drift in (0, 1):
        if clock.t() + drift > device.last_t:
            clock.drift = device.drift + drift
            return f"{clock.token():0{device.digits}d}"
    raise AssertionError(f"no unused code of {user} in this 30-second step")
