"""OpenAPI (drf-spectacular) extensions for the core's own classes."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "alliance.tokens.HashedTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (Account menu → API tokens), sent as "
                           "`Authorization: Bearer hub_…`.",
        }
