from django.urls import path

from planning import views

app_name = "planning"

urlpatterns = [
    path("scenarios/", views.ScenarioListView.as_view(), name="scenario_list"),
    path("scenarios/new/", views.ScenarioFormView.as_view(), name="scenario_new"),
    path("scenarios/compare/", views.ScenarioCompareView.as_view(), name="scenario_compare"),
    path("scenarios/membership/", views.MembershipEffectView.as_view(), name="membership"),
    path("scenarios/<int:pk>/", views.ScenarioDetailView.as_view(), name="scenario_detail"),
    path("scenarios/<int:pk>/edit/", views.ScenarioFormView.as_view(), name="scenario_edit"),
    path("scenarios/<int:pk>/projection.csv", views.ScenarioCSVView.as_view(), name="scenario_csv"),
    path("scenarios/<int:pk>/board.pdf", views.ScenarioPDFView.as_view(), name="scenario_pdf"),
]
