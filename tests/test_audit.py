"""The audit trail: every change leaves an entry; nobody can change or delete one."""

import pytest
from django.db import DatabaseError, connection, transaction

from safecampus.audit.context import Actor, acting_as
from safecampus.audit.models import AuditEntry
from safecampus.audit.services import audit_entries_prune
from safecampus.orgs.models import School

from .factories import otp_code


def _entries(obj, action):
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action
    )


def test_it_records_a_change_through_the_api_with_user_values_and_address(world, as_user):
    response = as_user("district_a").patch(
        f"/api/v1/schools/{world.a1.pk}",
        {"students": 655, "address": "甲区人民路 1 号"},
        content_type="application/json",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 200
    entry = _entries(world.a1, "update").get()
    assert entry.username == "district_a"
    assert entry.user_id == world.users["district_a"].pk
    assert entry.before == {"students": 600, "address": ""}
    assert entry.after == {"students": 655, "address": "甲区人民路 1 号"}
    assert entry.unit_path == world.a1.unit.path
    assert entry.ip == "10.1.2.3"
    assert entry.channel == "api"
    assert entry.outcome == "success"


def test_it_records_creates_deletes_and_bulk_updates(world):
    with acting_as(Actor(username="tester", channel="cli")):
        updated = School.objects.filter(district=world.district_a).update(staff=99)
        school = world.b1
        unit = school.unit
        school.delete()
    assert updated == 2
    assert _entries(world.a1, "update").get().after == {"staff": 99}
    assert _entries(world.a2, "update").get().before == {"staff": 25}
    deleted = AuditEntry.objects.get(
        action="delete", object_type="orgs.school", object_id=str(unit.pk)
    )
    assert deleted.before["students"] == 900
    assert deleted.username == "tester"
    # The world fixture's own creations were recorded as they happened.
    assert _entries(world.city, "create").count() == 1


def test_an_unchanged_save_leaves_no_entry(world):
    before = AuditEntry.objects.count()
    world.a1.save()
    assert AuditEntry.objects.count() == before


def test_entries_cannot_be_changed_or_deleted_through_the_orm(world):
    entry = AuditEntry.objects.first()
    entry.message = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(message="tampered")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).message != "tampered"


def test_the_database_refuses_update_and_early_delete_from_any_client(world):
    entry = AuditEntry.objects.first()
    table = AuditEntry._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET message = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_prune_keeps_everything_younger_than_the_retention(world, settings):
    settings.AUDIT_RETENTION_DAYS = 190
    count = AuditEntry.objects.count()
    assert audit_entries_prune() == 0
    # One entry more: the prune itself is audited.
    assert AuditEntry.objects.count() == count + 1


def test_the_auditor_filters_the_trail_on_the_page_and_the_api(world, as_user):
    as_user("district_a").patch(
        f"/api/v1/schools/{world.a2.pk}", {"staff": 30}, content_type="application/json"
    )
    auditor = as_user("auditor")
    body = auditor.get("/api/v1/audit/entries?action=update&username=district").json()
    assert body["count"] == 1
    assert body["items"][0]["after"] == {"staff": 30}
    page = auditor.get("/audit/?action=update&username=district")
    assert page.status_code == 200
    assert "甲区幼儿园" in page.content.decode()
    detail = auditor.get(f"/audit/{body['items'][0]['id']}/")
    assert detail.status_code == 200 and "30" in detail.content.decode()
    assert auditor.get("/audit/?since=not-a-date").status_code == 200
    assert auditor.get("/api/v1/audit/entries?since=not-a-date").status_code == 422


def test_the_auditor_has_no_write_or_read_of_business_data(world, as_user):
    auditor = as_user("auditor")
    assert (
        auditor.patch(
            f"/api/v1/schools/{world.a1.pk}", {"staff": 1}, content_type="application/json"
        ).status_code
        == 404
    )
    assert auditor.get("/api/v1/schools").status_code == 403


def test_imports_and_exports_are_audited(world, as_user):
    as_user("city_officer").get("/schools/export.xlsx")
    entry = AuditEntry.objects.filter(action="export").get()
    assert entry.username == "city_officer"
    assert "4" in entry.message


def test_events_without_an_org_unit_are_filed_where_the_auditor_sees_them(world, client, as_user):
    client.post("/accounts/login/", {"username": "teacher_b1", "password": "wrong"})
    client.post("/accounts/login/", {"username": "nobody-such", "password": "wrong"})
    Client = type(client)
    ok = Client()
    ok.post("/accounts/login/", {"username": "district_b", "password": "Correct-Horse-42"})
    ok.post("/accounts/login/code/", {"code": otp_code(world.users["district_b"])})
    login = AuditEntry.objects.get(action="login", username="district_b")
    assert login.unit_path == world.district_b.path
    failed = AuditEntry.objects.get(action="login_failed", username="nobody-such")
    assert failed.unit_path == world.city.path
    body = as_user("auditor").get("/api/v1/audit/entries?limit=500").json()
    seen = {(e["action"], e["username"]) for e in body["items"]}
    assert {
        ("login", "district_b"),
        ("login_failed", "nobody-such"),
        ("login_failed", "teacher_b1"),
    } <= seen


def test_moving_a_school_carries_path_and_district_and_is_audited(world):
    unit = world.a1.unit
    unit.parent = world.district_b
    unit.save()
    world.a1.refresh_from_db()
    assert unit.path == "/T1/TB/TA01/"
    assert world.a1.district == world.district_b
    moved = AuditEntry.objects.get(
        action="update", object_type="orgs.orgunit", object_id=str(unit.pk)
    )
    assert moved.before == {"parent_id": world.district_a.pk} and moved.after == {
        "parent_id": world.district_b.pk
    }
    assert AuditEntry.objects.filter(
        action="update", object_type="orgs.school", object_id=str(unit.pk)
    ).exists()


def test_entries_outlive_a_deleted_account(world, as_user):
    as_user("guard_a1").get("/")
    user = world.users["guard_a1"]
    user_id = user.pk
    user.delete()
    entry = AuditEntry.objects.filter(user_id=user_id, action="login").get()
    assert entry.username == "guard_a1"
    assert AuditEntry.objects.filter(
        action="delete", object_type="accounts.user", object_id=str(user_id)
    ).exists()


def test_the_retention_floor_of_six_months_holds_whatever_the_setting(world, settings):
    """等保 / Cybersecurity Law art. 21: entries younger than 183 days are never pruned. A
    setting below the floor (here forced past the settings' own max()) prunes only what is
    older than the floor. Entries cannot be backdated, so the purge runs as if days had passed,
    with the database's own guard (its real clock, tested above) set aside."""
    from datetime import timedelta

    from django.utils import timezone

    from .audit_tamper import triggers_off, written

    settings.AUDIT_RETENTION_DAYS = 30
    assert settings.AUDIT_RETENTION_MIN_DAYS == 183
    written(3)
    count = AuditEntry.objects.count()

    def prune_after(days: int) -> int:
        with acting_as(Actor(channel="task", username="system")), triggers_off("delete"):
            return audit_entries_prune(now=timezone.now() + timedelta(days=days))

    assert prune_after(182) == 0  # past the setting, inside the floor: kept
    assert AuditEntry.objects.count() == count + 1  # and the purge's own entry
    assert prune_after(184) == count + 1
    assert AuditEntry.objects.count() == 1  # the second purge's entry


def test_the_retention_setting_is_raised_to_the_floor(tmp_path):
    """SAFECAMPUS_AUDIT_RETENTION_DAYS below 183 is read as 183 (operations.md §8)."""
    import os
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.AUDIT_RETENTION_DAYS)"
    for value, expected in (("30", "183"), ("400", "400")):
        env = {
            **os.environ,
            "SAFECAMPUS_AUDIT_RETENTION_DAYS": value,
            "DJANGO_SETTINGS_MODULE": "safecampus.config.settings.base",
            "SAFECAMPUS_DATA_DIR": str(tmp_path),
            "SECRET_KEY": "test-only-secret-key-not-for-production-0123456789",
        }
        out = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == expected
