"""Pages of the Today list under /a/<alliance_slug>/."""

from django.urls import path

from today import views

app_name = "today"

urlpatterns = [
    path("today/", views.TodayView.as_view(), name="today"),
    path("today/settings/", views.DigestPreferenceView.as_view(), name="preferences"),
    path("start/", views.AllianceStartView.as_view(), name="start"),
    path("programs/<int:program_pk>/start/", views.ProgramStartView.as_view(), name="program_start"),
]
