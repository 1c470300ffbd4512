from django.urls import path
from django.views.i18n import set_language

from . import csp, views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("csp-report/", csp.csp_report, name="csp_report"),  # the policy's report-uri
]
