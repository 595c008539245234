"""OpenAPI description of the API's bearer tokens (imported by ``relationships.api.urls``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "relationships.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "cbrms token",
            "description": (
                "`Authorization: Bearer cbrms_...`. A token acts as one membership: one "
                "organization, with that member's role."
            ),
        }
