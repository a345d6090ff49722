"""Cost of care pages under /a/<alliance_slug>/."""

from django.urls import path

from costofcare import views

app_name = "costofcare"

program = "programs/<int:program_pk>/cost-of-care/"

urlpatterns = [
    path("cost-of-care/", views.OverviewView.as_view(), name="overview"),
    path(program, views.CostOfCareView.as_view(), name="program"),
    path(program + "assumptions/", views.AssumptionsEditView.as_view(), name="assumptions"),
    path(program + "csv/", views.CostOfCareCsvView.as_view(), name="program_csv"),
    path(program + "pdf/", views.CostOfCarePdfView.as_view(), name="program_pdf"),
]
