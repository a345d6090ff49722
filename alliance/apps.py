from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _grant_app_role(sender, using="default", **kwargs):  # type: ignore[no-untyped-def]
    from alliance.db import ensure_app_role

    ensure_app_role(using)


class AllianceConfig(AppConfig):
    name = "alliance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import alliance.db  # noqa: F401  (connects the SET ROLE signal)
        import alliance.lookups  # noqa: F401  (registers field__any)
        import alliance.schema  # noqa: F401  (registers the OpenAPI token scheme)
        from alliance.users import install

        install()  # the signed-in user loaded by SQL compiled once (alliance/users.py)

        post_migrate.connect(_grant_app_role, dispatch_uid="hub_grant_app_role")
