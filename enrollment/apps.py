from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import enrollment.visibility  # noqa: F401  (registers why a provider sees a family)
        from enrollment.imports_families import SPEC
        from members.imports import import_spec_register

        import_spec_register(SPEC)  # families and children join the members import framework
