from django.urls import include, path

from safecampus.core.views import healthz

from .api import api

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("accounts/", include("safecampus.accounts.urls")),
    path("", include("safecampus.audit.urls")),
    path("", include("safecampus.orgs.urls")),
    path("", include("safecampus.risks.urls")),
    path("", include("safecampus.rules.urls")),
    path("", include("safecampus.hazards.urls")),
    path("", include("safecampus.inspections.urls")),
    path("", include("safecampus.defenses.urls")),
    path("", include("safecampus.buildings.urls")),
    path("", include("safecampus.devices.urls")),
    path("", include("safecampus.emergency.urls")),
    path("", include("safecampus.notifications.urls")),
    path("", include("safecampus.patrols.urls")),
    path("", include("safecampus.core.urls")),
]
