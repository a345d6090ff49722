"""The platform operator's console, /operator/ (alliance/views_operator.py)."""

from django.urls import path

from alliance import views_operator as views

app_name = "operator"

urlpatterns = [
    path("", views.OperatorHomeView.as_view(), name="home"),
    path("alliances/new/", views.AllianceCreateView.as_view(), name="alliance_create"),
    path("alliances/<slug:alliance_slug>/", views.OperatorAllianceView.as_view(), name="alliance"),
    path("alliances/<slug:alliance_slug>/invite/", views.AllianceInviteAdminView.as_view(), name="alliance_invite"),
    path("alliances/<slug:alliance_slug>/suspend/", views.AllianceSuspendView.as_view(), name="alliance_suspend"),
    path(
        "alliances/<slug:alliance_slug>/reactivate/",
        views.AllianceReactivateView.as_view(),
        name="alliance_reactivate",
    ),
]
