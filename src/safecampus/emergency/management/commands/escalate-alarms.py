from django.core.management.base import BaseCommand

from safecampus.audit.context import Actor, acting_as
from safecampus.emergency.tasks import alarms_escalate


class Command(BaseCommand):
    help = (
        "上报逾时未接警的报警：按各校适用的应急响应时限，将仍未接警的真实报警（非演练）上报市局值班。"
        "Escalate alarms not acknowledged within their school's limit (the periodic job, once)."
    )

    def handle(self, *args, **options):
        with acting_as(Actor(channel="cli", username="system")):
            escalated = alarms_escalate()
        self.stdout.write(f"escalated {escalated} incident(s)")
