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
