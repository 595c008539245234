"""Browser requests: the organization in the URL (``/o/<org_slug>/...``) acts."""

from __future__ import annotations

from cbrms.tenancy.context import acting_as
from cbrms.tenancy.seams import resolve_membership

#: The signed cookie that remembers the organization a browser acted for last, so that logging
#: in (or opening ``/``) lands there again (``relationships.views.home``).
LAST_ORGANIZATION_COOKIE = "cbrms_org"
LAST_ORGANIZATION_SALT = "cbrms.last-organization"


def last_organization_slug(request) -> str | None:
    """The slug the browser acted for last, if its cookie is genuine (membership unchecked)."""
    return request.get_signed_cookie(
        LAST_ORGANIZATION_COOKIE, default=None, salt=LAST_ORGANIZATION_SALT
    )


class TenancyMiddleware:
    """Sets the acting organization for browser views whose URL names one.

    API views resolve theirs after DRF authentication (``cbrms.tenancy.api``), because a bearer
    token is only known then. Either way the scope is set by ``acting_as`` and always cleared.
    """

    URL_KWARG = "org_slug"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        request.membership = None
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.get(self.URL_KWARG)
        if slug is None or getattr(view_func, "cls", None) is not None:
            return None  # no organization in the URL, or a DRF view (it resolves its own)
        if not request.user.is_authenticated:
            return None  # the view's login_required sends the visitor to the login page
        membership = resolve_membership(user=request.user, organization_slug=slug)
        request.organization = membership.organization
        request.membership = membership
        with acting_as(membership.organization, user=request.user, membership=membership):
            response = view_func(request, *view_args, **view_kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()  # lazy templates must render inside the scope
        if response.status_code < 400 and last_organization_slug(request) != slug:
            response.set_signed_cookie(
                LAST_ORGANIZATION_COOKIE,
                slug,
                salt=LAST_ORGANIZATION_SALT,
                max_age=60 * 60 * 24 * 365,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
