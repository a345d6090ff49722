from django.apps import AppConfig


class SharedServicesConfig(AppConfig):
    name = "sharedservices"
    verbose_name = "Shared services"
    default_auto_field = "django.db.models.BigAutoField"
