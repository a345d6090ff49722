from django.urls import path

from billing import views, views_ach, views_collections, views_payers, views_payments, views_runs, views_statements

app_name = "billing"

urlpatterns = [
    path("billing/", views.BillingHomeView.as_view(), name="home"),
    path("billing/accounts/", views.AccountListView.as_view(), name="account_list"),
    path("billing/accounts/<int:pk>/", views.AccountDetailView.as_view(), name="account_detail"),
    path("billing/rate-plans/", views.RatePlanListView.as_view(), name="rate_plan_list"),
    path("billing/rate-plans/new/", views.RatePlanCreateView.as_view(), name="rate_plan_create"),
    path("billing/invoices/", views.InvoiceListView.as_view(), name="invoice_list"),
    path("billing/invoices.csv", views.InvoiceListCsvView.as_view(), name="invoice_list_csv"),
    path("billing/invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice_detail"),
    path("billing/runs/", views.InvoiceRunListView.as_view(), name="run_list"),
    path("billing/runs/preview/", views_runs.InvoiceRunPreviewView.as_view(), name="run_preview"),
    path("billing/runs/issue/", views_runs.InvoiceRunIssueView.as_view(), name="run_issue"),
    path("billing/runs/<int:pk>/", views.InvoiceRunDetailView.as_view(), name="run_detail"),
    path("billing/runs/<int:pk>/progress/", views.InvoiceRunProgressView.as_view(), name="run_progress"),
    path("billing/runs/<int:pk>/resume/", views.InvoiceRunResumeView.as_view(), name="run_resume"),
]

urlpatterns += [
    path("billing/accounts/<int:pk>/payments/new/", views_payments.PaymentCreateView.as_view(), name="payment_create"),
    path("billing/accounts/<int:pk>/write-off/", views_payments.WriteOffView.as_view(), name="write_off"),
    path(
        "billing/accounts/<int:pk>/opening-balance/",
        views_payments.OpeningBalanceView.as_view(),
        name="opening_balance",
    ),
    path(
        "billing/accounts/<int:pk>/staff-discount/",
        views_payments.StaffDiscountView.as_view(),
        name="account_staff_discount",
    ),
    path("billing/accounts/<int:pk>/notes/new/", views_payments.CollectionNoteView.as_view(), name="collection_note"),
    path("billing/accounts/<int:pk>/payment-plan/", views_payments.PaymentPlanView.as_view(), name="payment_plan"),
    path("billing/payments/", views_payments.PaymentListView.as_view(), name="payment_list"),
    path("billing/payments/<int:pk>/reverse/", views_payments.PaymentReverseView.as_view(), name="payment_reverse"),
    path("billing/payments/<int:pk>/refund/", views_payments.PaymentRefundView.as_view(), name="payment_refund"),
    path("billing/invoices/<int:pk>/void/", views_payments.InvoiceVoidView.as_view(), name="invoice_void"),
    path("billing/deposits/", views_payments.DepositView.as_view(), name="deposits"),
    path("billing/aging/", views_payments.AgingView.as_view(), name="aging"),
    path("billing/aging.csv", views_payments.AgingCsvView.as_view(), name="aging_csv"),
    path("billing/collections/", views_collections.CollectionsView.as_view(), name="collections"),
    path("billing/collections/bulk/", views_collections.BulkView.as_view(), name="bulk"),
    path("billing/bulk-jobs/<int:pk>/", views_collections.BulkJobView.as_view(), name="bulk_job"),
    path(
        "billing/bulk-jobs/<int:pk>/progress/",
        views_collections.BulkJobProgressView.as_view(),
        name="bulk_job_progress",
    ),
    path("billing/collections.csv", views_collections.CollectionsCsvView.as_view(), name="collections_csv"),
]

urlpatterns += [
    path("billing/families/<int:pk>/statement/", views_statements.StatementView.as_view(), name="statement"),
    path(
        "billing/families/<int:pk>/statement.pdf",
        views_statements.StatementView.as_view(),
        {"pdf": True},
        name="statement_pdf",
    ),
    path(
        "billing/families/<int:pk>/tax/<int:year>/", views_statements.TaxStatementView.as_view(), name="tax_statement"
    ),
    path(
        "billing/families/<int:pk>/tax/<int:year>.pdf",
        views_statements.TaxStatementView.as_view(),
        {"pdf": True},
        name="tax_statement_pdf",
    ),
]

urlpatterns += [
    path("billing/programs/<int:program_pk>/policy/", views.BillingPolicyView.as_view(), name="billing_policy"),
]

urlpatterns += [
    path("billing/payers/", views_payers.PayerListView.as_view(), name="payer_list"),
    path("billing/payers/<int:pk>/", views_payers.PayerDetailView.as_view(), name="payer_detail"),
    path("billing/authorizations/new/", views_payers.AuthorizationCreateView.as_view(), name="authorization_create"),
    path("billing/claims/<int:pk>/decide/", views_payers.ShortfallView.as_view(), name="claim_decide"),
]

urlpatterns += [
    path("billing/member-fees/", views.MemberFeesView.as_view(), name="member_fees"),
]

urlpatterns += [
    path("billing/export/", views.ExportView.as_view(), name="export"),
]

urlpatterns += [
    path("billing/accounts/<int:pk>/bank/", views_ach.BankAccountView.as_view(), name="bank_account"),
    path("billing/ach/", views_ach.AchView.as_view(), name="ach"),
    path("billing/ach/<int:pk>/file/", views_ach.AchFileDownloadView.as_view(), name="ach_file"),
    path("billing/ach/returns/", views_ach.AchReturnsView.as_view(), name="ach_returns"),
    path("billing/bank-accounts/<int:pk>/pause/", views_ach.AutopayPauseView.as_view(), name="autopay_pause"),
]
