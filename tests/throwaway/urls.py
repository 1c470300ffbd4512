from django.urls import path

from . import views

app_name = "throwaway"
urlpatterns = [
    path("throwaway/", views.index, name="index"),
    path("throwaway/schools/<int:school_id>/", views.school, name="school"),
]
