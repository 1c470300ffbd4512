from safecampus.core.registry import SafeCampusAppConfig


class CoreConfig(SafeCampusAppConfig):
    default = True
    name = "safecampus.core"
    verbose_name = "平台"
    urls = "safecampus.core.urls"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
