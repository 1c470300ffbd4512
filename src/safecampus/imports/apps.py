from django.utils.translation import gettext_lazy as _

from safecampus.core.registry import ApiRoute, SafeCampusAppConfig


class ImportsConfig(SafeCampusAppConfig):
    """The one import pipeline: the page flow (upload → columns → preview → import), the API
    and the templates of every importer the apps declare (`importers` on their AppConfig)."""

    default = True
    name = "safecampus.imports"
    verbose_name = _("Excel 导入")
    urls = "safecampus.imports.urls"
    api_routers = (ApiRoute("/", "safecampus.imports.api.router"),)
