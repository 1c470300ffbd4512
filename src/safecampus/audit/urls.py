from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("audit/", views.entry_list, name="entry_list"),
    path("audit/<int:entry_id>/", views.entry_detail, name="entry_detail"),
]
