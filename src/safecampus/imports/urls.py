from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("imports/<slug:key>/", views.upload_view, name="upload"),
    path("imports/<slug:key>/template.xlsx", views.template_view, name="template"),
    path("imports/<slug:key>/<slug:token>/", views.preview_view, name="preview"),
]
