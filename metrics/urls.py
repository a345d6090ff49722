from django.urls import path

from metrics import views, views_value

app_name = "metrics"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/<slug:chart>.csv", views.DashboardCSVView.as_view(), name="dashboard_csv"),
    path("dashboard/programs/<int:pk>/", views.ProgramMetricsView.as_view(), name="program"),
    path("dashboard/programs/<int:pk>/<slug:chart>.csv", views.ProgramCSVView.as_view(), name="program_csv"),
    path("dashboard/targets/", views.TargetsView.as_view(), name="targets"),
    path("dashboard/hub-money/", views.HubMoneyView.as_view(), name="hub_money"),
    path("my-program/figures/", views.ProviderMetricsView.as_view(), name="my_program"),
    path("my-program/figures/<slug:chart>.csv", views.ProviderCSVView.as_view(), name="my_program_csv"),
    path("reports/", views.ReportListView.as_view(), name="reports"),
    path("reports/impact/", views.ImpactReportView.as_view(), name="impact_report"),
    path("reports/impact.pdf", views.ImpactReportPDFView.as_view(), name="impact_report_pdf"),
    path("value/", views_value.ValueListView.as_view(), name="value_list"),
    path("value/programs/<int:pk>/", views_value.ValueProgramView.as_view(), name="value_program"),
]
