from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import billing.visibility  # noqa: F401  (registers why a provider sees a family)
        from billing.imports_balances import SPEC
        from members.imports import import_spec_register

        import_spec_register(SPEC)  # opening balances join the members import framework
