"""Pages of member budgets under /a/<alliance_slug>/."""

from django.urls import path

from budgets import views

app_name = "budgets"

urlpatterns = [
    path("programs/<int:program_pk>/budget/", views.BudgetCurrentView.as_view(), name="budget_current"),
    path("programs/<int:program_pk>/budget/<int:year>/", views.BudgetView.as_view(), name="budget"),
    path("programs/<int:program_pk>/budget/<int:year>/edit/", views.BudgetEditView.as_view(), name="budget_edit"),
    path(
        "programs/<int:program_pk>/budget/<int:year>/from-last-year/",
        views.BudgetFillView.as_view(),
        name="budget_fill",
    ),
    path("programs/<int:program_pk>/budget/<int:year>/csv/", views.BudgetCsvView.as_view(), name="budget_csv"),
    path("programs/<int:program_pk>/budget/<int:year>/pdf/", views.BudgetPdfView.as_view(), name="budget_pdf"),
    path("programs/<int:program_pk>/cash-flow/", views.CashFlowView.as_view(), name="cash_flow"),
    path("programs/<int:program_pk>/cash-flow/csv/", views.CashFlowCsvView.as_view(), name="cash_flow_csv"),
    path("programs/<int:program_pk>/cash-flow/pdf/", views.CashFlowPdfView.as_view(), name="cash_flow_pdf"),
]
