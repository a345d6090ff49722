from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("billing/", views.BillingHomeView.as_view(), name="home"),
    path("billing/accounts/", views.AccountListView.as_view(), name="account_list"),
    path("billing/accounts/<int:pk>/", views.AccountDetailView.as_view(), name="account_detail"),
    path("billing/rate-plans/", views.RatePlanListView.as_view(), name="rate_plan_list"),
    path("billing/rate-plans/new/", views.RatePlanCreateView.as_view(), name="rate_plan_create"),
    path("billing/invoices/", views.InvoiceListView.as_view(), name="invoice_list"),
    path("billing/invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice_detail"),
    path("billing/runs/", views.InvoiceRunListView.as_view(), name="run_list"),
    path("billing/runs/<int:pk>/", views.InvoiceRunDetailView.as_view(), name="run_detail"),
    path("billing/runs/<int:pk>/progress/", views.InvoiceRunProgressView.as_view(), name="run_progress"),
]
