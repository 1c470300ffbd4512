"""Notifications of the rectification workflow, and the daily reminders and escalations."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from safecampus.hazards import services
from safecampus.hazards.models import Hazard
from safecampus.hazards.tasks import hazard_escalations_send, hazard_reminders_send
from safecampus.notifications.models import Notification


def _hazard(world, **kwargs):
    hazard, _ = services.hazard_report(
        user=world.users["staff_a1"],
        school=world.a1,
        description="消防栓无水",
        source="report",
        **kwargs,
    )
    return hazard


def _titles(user):
    return [n.title for n in Notification.objects.filter(user=user)]


def test_each_step_tells_the_people_concerned_and_emails_them_after_commit(
    world, django_capture_on_commit_callbacks
):
    owner = world.users["staff_a1"]
    owner.email = "staff@example.cn"
    owner.save()
    hazard = _hazard(world)
    with django_capture_on_commit_callbacks(execute=True):
        hazard = services.hazard_assign(user=world.users["director_a1"], hazard=hazard, owner=owner)
    assert any(t.startswith("整改任务") for t in _titles(owner))
    assert (
        len(mail.outbox) == 1
        and mail.outbox[0].to == ["staff@example.cn"]
        and "/hazards/" in mail.outbox[0].body
    )
    hazard = services.hazard_start(user=owner, hazard=hazard, plan="修复", measures="更换阀门")
    hazard = services.hazard_submit(user=owner, hazard=hazard, result="已修复")
    for manager in ("principal_a1", "director_a1"):
        assert any(t.startswith("待验收") for t in _titles(world.users[manager]))
    services.hazard_verify(
        user=world.users["director_a1"], hazard=hazard, accept=False, note="压力不足"
    )
    assert any(t.startswith("验收未通过") for t in _titles(owner))
    assert not Notification.objects.filter(user=world.users["teacher_b1"]).exists()


def test_reminders_come_the_rule_sets_days_before_the_deadline_and_only_once(world):
    hazard = _hazard(world)
    Hazard.objects.filter(pk=hazard.pk).update(
        deadline=timezone.localdate() + timedelta(days=3), owner=world.users["guard_a1"]
    )
    assert hazard_reminders_send() == 1
    assert hazard_reminders_send() == 0
    assert _titles(world.users["guard_a1"])[0].startswith("整改将于")
    # Without an owner the school's managers are reminded.
    other = _hazard(world)
    Hazard.objects.filter(pk=other.pk).update(deadline=timezone.localdate() + timedelta(days=3))
    assert hazard_reminders_send() == 2


def test_overdue_hazards_escalate_to_the_district_and_major_ones_to_the_city(world):
    general, major = _hazard(world), _hazard(world, level="major")
    Hazard.objects.filter(pk__in=[general.pk, major.pk]).update(
        deadline=timezone.localdate() - timedelta(days=1)
    )
    hazard_escalations_send()
    assert len(_titles(world.users["district_a"])) == 2
    assert len(_titles(world.users["city_officer"])) == 1
    assert not _titles(world.users["district_b"])
    assert hazard_escalations_send() == 0


def test_the_bell_the_page_and_the_api(world, as_user):
    hazard = _hazard(world)
    services.hazard_assign(
        user=world.users["director_a1"], hazard=hazard, owner=world.users["staff_a1"]
    )
    client = as_user("staff_a1")
    home = client.get("/").content.decode()
    assert 'data-testid="bell"' in home and "badge-notification" in home
    listing = client.get("/api/v1/notifications?unread=true").json()
    assert listing["count"] == 1
    notification_id = listing["items"][0]["id"]
    assert (
        as_user("guard_a1").post(f"/api/v1/notifications/{notification_id}/read").status_code == 404
    )
    opened = client.post(f"/notifications/{notification_id}/open/")
    assert opened.status_code == 302 and opened["Location"] == f"/hazards/{hazard.pk}/"
    assert client.get("/api/v1/notifications?unread=true").json()["count"] == 0
    assert "消防栓无水" in client.get("/notifications/").content.decode()
