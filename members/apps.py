from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from members.imports import import_spec_register
        from members.imports_staff import SPEC

        import_spec_register(SPEC)  # staff rosters with wages and credentials
        from members import imports_profit_loss  # noqa: F401 - registers the profit and loss import
