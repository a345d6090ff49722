from django.urls import path

from sustainability import views
from sustainability.models import Contract, Grant

app_name = "sustainability"

urlpatterns = [
    path("sustainability/", views.PlanView.as_view(), name="plan"),
    path("sustainability/edit/", views.PlanEditView.as_view(), name="plan_edit"),
    path("sustainability/plan.csv", views.PlanCSVView.as_view(), name="plan_csv"),
    path("sustainability/plan.pdf", views.PlanPDFView.as_view(), name="plan_pdf"),
    path("sustainability/fee-structures/", views.CompareView.as_view(), name="compare"),
    path("sustainability/fee-structures.csv", views.CompareCSVView.as_view(), name="compare_csv"),
    path("sustainability/grants/new/", views.FundingEditView.as_view(model=Grant), name="grant_new"),
    path("sustainability/grants/<int:pk>/", views.FundingEditView.as_view(model=Grant), name="grant_edit"),
    path("sustainability/grants/<int:pk>/delete/", views.FundingDeleteView.as_view(model=Grant), name="grant_delete"),
    path("sustainability/contracts/new/", views.FundingEditView.as_view(model=Contract), name="contract_new"),
    path("sustainability/contracts/<int:pk>/", views.FundingEditView.as_view(model=Contract), name="contract_edit"),
    path(
        "sustainability/contracts/<int:pk>/delete/",
        views.FundingDeleteView.as_view(model=Contract),
        name="contract_delete",
    ),
    path("sustainability/funders/", views.FunderPlanView.as_view(), name="funder"),
    path("sustainability/funders.csv", views.FunderCSVView.as_view(), name="funder_csv"),
    path("sustainability/funders.pdf", views.FunderPDFView.as_view(), name="funder_pdf"),
]
