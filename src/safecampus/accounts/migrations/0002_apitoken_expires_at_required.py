from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone


def expire_open_tokens(apps, schema_editor):
    """Tokens made before every token had to expire get the default 90 days from now."""
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=timezone.now() + timedelta(days=90))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunPython(expire_open_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="过期时间"),
        ),
    ]
