"""API tokens: issued against a password (``/auth/token/``) or by a signed-in member."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cbrms.api.schema import ApiAutoSchema, error
from cbrms.api.throttling import ScopedRateThrottle
from cbrms.api.viewsets import DestroyMixin, OrgViewSet
from cbrms.errors import PermissionRefused, ValidationFailed
from cbrms.tenancy.api import writes
from cbrms.tenancy.context import acting_as
from relationships import signin
from relationships.api.serializers import (
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    IssuedTokenSerializer,
    TokenObtainSerializer,
)
from relationships.filtersets import ApiTokenFilterSet
from relationships.models import ApiToken, Membership
from relationships.roles import Capability, role_can
from relationships.services.tokens import token_create, token_revoke

TOKEN_EXAMPLE = OpenApiExample(
    "A token for the reporting job",
    value={"name": "Nightly KPI export", "expires_at": "2027-01-31T00:00:00Z"},
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="List API tokens",
        description="Your own tokens; administrators see every token of the organization.",
    ),
    retrieve=extend_schema(summary="Get an API token"),
    create=extend_schema(
        summary="Issue an API token for yourself",
        description=(
            "The token acts as your membership: this organization, your role. The response is "
            "the only time its secret (`token`) is shown; only a digest is stored."
        ),
        examples=[TOKEN_EXAMPLE],
        responses={201: IssuedTokenSerializer},
    ),
    destroy=extend_schema(
        summary="Revoke an API token",
        description="The token stops working at once. It stays listed, with `revoked_at`.",
    ),
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, DestroyMixin, OrgViewSet):
    """``/api/v1/orgs/{org_slug}/tokens/``: bearer tokens for scripts and integrations."""

    model = ApiToken
    serializer_class = ApiTokenSerializer
    input_serializers = {"create": ApiTokenCreateSerializer}
    capabilities = {
        "list": Capability.TOKENS_OWN,
        "retrieve": Capability.TOKENS_OWN,
        "create": Capability.TOKENS_OWN,
        "destroy": Capability.TOKENS_OWN,
    }
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApiTokenFilterSet

    def narrow_queryset(self, queryset):
        if not role_can(self.membership.role, Capability.TOKENS_MANAGE):
            queryset = queryset.filter(membership=self.membership)
        return queryset.select_related("membership__user")

    @writes
    def create(self, request, *args, **kwargs):
        if isinstance(request.auth, ApiToken):
            # A leaked token must not be able to mint fresh ones that outlive its revocation.
            raise PermissionRefused(
                "A token cannot issue tokens: sign in, or use /api/v1/auth/token/ with your "
                "password.",
                code="token_cannot_issue_tokens",
            )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = self.write(
            token_create,
            visible=lambda issued: issued.token,  # the result is the token and its secret
            membership=self.membership,
            **serializer.validated_data,
        )
        body = IssuedTokenSerializer(issued, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy_object(self, instance):
        token_revoke(token=instance, by=self.membership)


class TokenObtainView(APIView):
    """``POST /api/v1/auth/token/``: exchange a password for a token of one membership.

    The one API endpoint outside ``/orgs/{org_slug}/``: nobody acts yet. Every failure answers
    the same ``invalid_credentials``, so the endpoint tells nobody whether an email is known or
    belongs to an organization. Against guessing, it is throttled per address (scope
    ``token-obtain``) and its failures count towards the sign-in lockout of the account and the
    address, like the login page's (``relationships.signin``).
    """

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token-obtain"
    schema = ApiAutoSchema()

    @extend_schema(
        summary="Obtain an API token with email and password",
        request=TokenObtainSerializer,
        responses={
            201: IssuedTokenSerializer,
            400: error("`invalid_credentials`, or `validation_error` for a malformed body."),
            429: error(
                "Too many attempts: `throttled` (this address, this minute) or `locked_out` "
                "(too many failed sign-ins for the account or the address; see "
                "`retry_after_seconds` and the `Retry-After` header)."
            ),
        },
        examples=[
            OpenApiExample(
                "Sign in as a member of Contoso",
                value={
                    "email": "ada@example.com",
                    "password": "correct horse battery staple",
                    "organization": "contoso",
                },
                request_only=True,
            )
        ],
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request, email=data["email"], password=data["password"])
        if user is None and getattr(request, "axes_locked_out", False):
            raise signin.SignInLocked(signin.signin_lockout(request, email=data["email"]))
        membership = None
        if user is not None:
            membership = (
                Membership.objects.unscoped()  # unscoped(auth): the signed-in user's own membership
                .select_related("organization")
                .filter(user=user, organization__slug=data["organization"])
                .first()
            )
        if membership is None:
            raise ValidationFailed(
                "The email, password or organization is not right.", code="invalid_credentials"
            )
        with acting_as(membership.organization, user=user, membership=membership):
            issued = token_create(
                membership=membership, name=data["name"], expires_at=data.get("expires_at")
            )
        return Response(IssuedTokenSerializer(issued).data, status=status.HTTP_201_CREATED)
