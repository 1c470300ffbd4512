from safecampus.core.registry import SafeCampusAppConfig


class AuditConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401
