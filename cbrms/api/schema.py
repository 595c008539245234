"""OpenAPI conventions shared by every endpoint: the error body, described once.

``ApiAutoSchema`` adds the error responses an operation can answer (``400`` for a body or a
list's query,
``401``/``403``/``404`` under ``/orgs/{org_slug}/``) unless ``@extend_schema`` already names them,
and, for view sets that read and write through different serializers (``input_serializers``),
describes the response with the read serializer.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every error a client sees: ``{"code", "message", "fields"?}``."""

    code = serializers.CharField(help_text="Stable and machine-readable: clients may branch on it.")
    message = serializers.CharField(help_text="For people; may change.")

    retry_after_seconds = serializers.IntegerField(
        required=False, help_text="`throttled`, `locked_out`: when to try again."
    )
    missing = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text=(
            "`requirements_unmet`: the mandatory requirements the gate would rest on that are "
            "not settled, each `{id, item, title}`."
        ),
    )

    def get_fields(self):
        # ``fields`` is a Serializer attribute, so the field of that name is added here.
        fields = super().get_fields()
        fields["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Validation errors only: field name -> messages.",
        )
        return fields


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


VALIDATION = error("Invalid input (`validation_error`, or a domain code).")
UNAUTHENTICATED = error("No, an invalid, an expired or a revoked token.")
FORBIDDEN = error("Your role, or your party in the relationship, may not do this.")
NOT_FOUND = error("No such object, or not visible to the acting organization.")
CONFLICT = error("The request clashes with the current state (see `code`).")
LIST_QUERY = error(
    "A filter, search or ordering value that is not valid (`validation_error`), or a cursor "
    "the list did not give out (`invalid_cursor`)."
)

_BODY_METHODS = {"POST", "PUT", "PATCH"}

ORG_SLUG = OpenApiParameter(
    "org_slug",
    str,
    OpenApiParameter.PATH,
    description="Slug of the acting organization: the request acts as this organization only.",
)


class ApiAutoSchema(AutoSchema):
    """The API's schema class: error responses, one tag per resource, the ``org_slug`` parameter.

    Set on ``cbrms.api.viewsets.OrgViewSet`` (and the token endpoint) rather than globally.
    """

    def get_tags(self) -> list[str]:
        """One tag per resource: the last plain path segment, before any ``{id}/<action>``."""
        if "{org_slug}" not in self.path:
            return super().get_tags()
        path = self.path.split("{org_slug}", 1)[1]
        segments = [s for s in path.split("/") if s and not s.startswith("{")]
        extra_actions = getattr(self.view, "get_extra_actions", list)()
        if getattr(self.view, "action", None) in {a.__name__ for a in extra_actions}:
            segments = segments[:-1]
        return segments[-1:] or ["organization"]

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if "{org_slug}" in self.path:
            parameters = [ORG_SLUG, *parameters]
        return parameters

    def get_auth(self):
        # The bearer scheme comes both from its extension and from the SECURITY setting.
        unique = []
        for requirement in super().get_auth():
            if requirement not in unique:
                unique.append(requirement)
        return unique

    def get_response_serializers(self):
        view = self.view
        if getattr(view, "action", None) in getattr(view, "input_serializers", {}):
            return view.serializer_class
        return super().get_response_serializers()

    def _get_response_bodies(self, direction="response"):
        # A private drf-spectacular hook (the version is pinned): every operation passes here.
        responses = super()._get_response_bodies(direction)
        extra = {}
        if self.method in _BODY_METHODS:
            extra["400"] = VALIDATION
        elif self.method == "GET" and (
            self._is_list_view()
            or getattr(self.view, "action", None) in getattr(self.view, "filtered_actions", ())
        ):
            extra["400"] = LIST_QUERY
        if self.get_auth():
            extra["401"] = UNAUTHENTICATED
            extra["403"] = FORBIDDEN
        if "{org_slug}" in self.path:
            extra["404"] = NOT_FOUND
        for code, response in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
