from django.db import models


class DataVersion(models.Model):
    """A counter that database triggers bump on every write to the tables it watches (see
    core/dataversion.py): a figure cached under the counter is never served once the rows
    behind it changed, whatever wrote them — a service, a bulk update, an import or SQL."""

    name = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"
