from rest_framework.routers import DefaultRouter

from billing import api, api_ach, api_runs, api_writeoffs

router = DefaultRouter()
router.include_root_view = False
router.register("rate-plans", api.RatePlanViewSet, basename="rate-plan")
router.register("billing-accounts", api.AccountViewSet, basename="billing-account")
router.register("ledger-entries", api.LedgerEntryViewSet, basename="ledger-entry")
router.register("invoices", api.InvoiceViewSet, basename="invoice")
# Before invoice-runs: its detail route would take "preview" for an id.
router.register("invoice-runs/preview", api_runs.InvoiceRunPreviewViewSet, basename="invoice-run-preview")
router.register("invoice-runs", api.InvoiceRunViewSet, basename="invoice-run")
router.register("payments", api.PaymentViewSet, basename="payment")
router.register("refunds", api.RefundViewSet, basename="refund")
router.register("aging", api.AgingViewSet, basename="aging")
router.register("write-offs", api_writeoffs.WriteOffViewSet, basename="write-off")
router.register("ach-returns", api_ach.AchReturnViewSet, basename="ach-return")
urlpatterns = router.urls
