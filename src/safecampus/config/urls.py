"""The site's URLs: the API and every app's pages, as each app declares them
(`urls` on its AppConfig, core/registry.py)."""

from django.urls import include, path

from safecampus.core.registry import declared

from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
    *(path("", include(contribution.value)) for contribution in declared("urls")),
]
