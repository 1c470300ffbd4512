from safecampus.core.registry import SafeCampusAppConfig


class AccessConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.access"
    verbose_name = "权限"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
