from django.apps import AppConfig


class SharedServicesConfig(AppConfig):
    name = "sharedservices"
    verbose_name = "Shared services"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from enrollment.room_cover import register_cover_source
        from sharedservices.selectors import substitutes_covering

        register_cover_source(substitutes_covering)
