from django.apps import AppConfig


class CostOfCareConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "costofcare"
    verbose_name = "Cost of care"
