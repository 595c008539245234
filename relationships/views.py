"""Browser views of the relationships app.

Every page of tenant data lives under ``/o/<org_slug>/``: ``TenancyMiddleware`` resolves the
membership and runs the view as that organization, so ``Model.objects`` is already scoped here
and anything outside the scope answers 404. Views translate HTTP to services and back.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from cbrms.errors import ApplicationError
from cbrms.mail import absolute_url
from cbrms.tenancy.middleware import last_organization_slug
from relationships import hooks, signin
from relationships.disclosure import request_disclosure
from relationships.forms import (
    EmailAuthenticationForm,
    PartnerInviteForm,
    PartyInviteForm,
    PartySerForm,
    PasswordChangeForm,
    PasswordResetForm,
    RelationshipCreateForm,
    RelationshipFilterForm,
)
from relationships.models import (
    Membership,
    PartnerInvitation,
    Party,
    PartyRole,
    PartyStatus,
    Relationship,
)
from relationships.notifications import password_link_lifetime
from relationships.permissions import can, capability_required
from relationships.roles import Capability
from relationships.selectors import executives_of, parties_with_details
from relationships.services.relationships import (
    relationship_create,
    relationship_ensure_open,
    require_lead,
)

RELATIONSHIPS_PER_PAGE = 25
PARTIES_PER_PAGE = 50
#: How many partners the list names in a row before it says "and N more".
PARTNERS_NAMED_IN_LIST = 3
LEAD_ROLES = (PartyRole.LEAD, PartyRole.ORCHESTRATOR)
#: The id of the list's results region, which the filter form's HTMX requests replace.
RESULTS_ID = "relationship-results"


# --- authentication ------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You have logged out.")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view; a wrong current password counts as a failed sign-in (a lockout)."""

    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetView(auth_views.PasswordResetView):
    """Email a link to choose a new password; the page reads the same for an unknown address.

    Open to a locked account (a reset is how its owner gets back in), not to a locked address.
    """

    form_class = PasswordResetForm

    def post(self, request, *args, **kwargs):
        if signin.address_lockout(request) is not None:
            return signin.lockout_response(request)
        return super().post(request, *args, **kwargs)

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    @property
    def extra_email_context(self) -> dict:
        # The link is built on CBRMS_BASE_URL, never on the Host header the visitor sent.
        return {"base_url": absolute_url(""), "link_lifetime": password_link_lifetime()}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view. An invalid link counts as a failed sign-in from its address; a new
    password lifts the account's lock (its owner proved they read the account's email)."""

    def dispatch(self, request, *args, **kwargs):
        if signin.address_lockout(request) is not None:
            return signin.lockout_response(request)
        response = super().dispatch(request, *args, **kwargs)
        if response.status_code == 200 and not self.validlink:
            signin.signin_failed(request, email=getattr(self.user, "email", None))
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        signin.account_unlock(email=form.user.email, by="password reset")
        return response


def home(request: HttpRequest) -> HttpResponse:
    """``/``: the relationship list of the organization the browser acted for last (or the
    user's first), or the login page."""
    if not request.user.is_authenticated:
        return redirect("login")
    # A user's own memberships, before any organization acts.
    # unscoped(auth): a user's own memberships, before any organization acts
    memberships = Membership.objects.unscoped().filter(user=request.user)
    last = last_organization_slug(request)
    membership = (
        memberships.filter(organization__slug=last).select_related("organization").first()
        if last
        else None
    ) or memberships.select_related("organization").order_by("organization__name").first()
    if membership is None:
        return render(request, "relationships/no_organization.html")
    return redirect("relationship-list", org_slug=membership.organization.slug)


# --- relationship list ---------------------------------------------------------------------


def _relationship_rows(filters: dict):
    """Visible relationships with everything a row shows, in a fixed number of queries."""
    queryset = Relationship.objects.select_related("lead_organization")
    if search := filters.get("q"):
        queryset = queryset.filter(name__icontains=search)  # the trigram index on UPPER(name)
    for field in ("type", "status"):
        if field in filters:
            queryset = queryset.filter(**{field: filters[field]})
    if "stage" in filters:
        queryset = queryset.filter(current_stage=filters["stage"])
    if not filters.get("archived"):
        queryset = queryset.filter(archived_at__isnull=True)

    # Partners through the scoped Party manager: an ecosystem member whose directory is closed
    # sees no other members here, not even how many there are.
    partners = Party.objects.filter(status=PartyStatus.ACTIVE).exclude(role__in=LEAD_ROLES)
    partner_count = (
        partners.filter(relationship=OuterRef("pk"))
        .order_by()
        .values("relationship")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # A sliced prefetch: Django numbers each relationship's partners (ROW_NUMBER() OVER
    # (PARTITION BY relationship)) and keeps three, so an ecosystem of a thousand members
    # brings three rows to Python, not a thousand.
    named = partners.select_related("organization").order_by("organization__name", "pk")
    return queryset.annotate(
        partner_count=Coalesce(Subquery(partner_count), Value(0))
    ).prefetch_related(
        Prefetch("parties", queryset=named[:PARTNERS_NAMED_IN_LIST], to_attr="named_partners")
    )


def _page_url(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = number
    return f"{request.path}?{query.urlencode()}"


@login_required
@require_GET
def relationship_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = RelationshipFilterForm(request.GET or None)
    filters = form.filters()
    page = Paginator(_relationship_rows(filters), RELATIONSHIPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for relationship in page.object_list:
        relationship.more_partners = relationship.partner_count - len(relationship.named_partners)
    context = {
        "form": form,
        "page": page,
        "filtered": bool(set(filters) - {"archived"}),
        "previous_url": page.has_previous() and _page_url(request, page.previous_page_number()),
        "next_url": page.has_next() and _page_url(request, page.next_page_number()),
        "can_manage": can(request, Capability.RELATIONSHIPS_MANAGE),
        "open_invitations": Party.objects.filter(
            organization=request.organization, status=PartyStatus.INVITED
        ).count(),
    }
    # The filter form's HTMX requests target the results; anything else gets the whole page
    # (a plain browser, a history restore, any future boosted link).
    context["partial"] = partial = bool(request.htmx) and request.htmx.target == RESULTS_ID
    template = "_relationship_results.html" if partial else "relationship_list.html"
    response = render(request, f"relationships/{template}", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- relationship detail -------------------------------------------------------------------


def _stage_timeline(relationship: Relationship) -> list[dict]:
    def state(number: int) -> str:
        if number < relationship.current_stage:
            return "done"
        return "current" if number == relationship.current_stage else "upcoming"

    return [
        {"number": number, "name": name, "state": state(number)}
        for number, name in hooks.stage_names().items()
    ]


@login_required
@require_GET
def relationship_detail(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    relationship = get_object_or_404(
        Relationship.objects.select_related("lead_organization"), pk=pk
    )
    return relationship_page(request, relationship)


def _may_invite(request: HttpRequest, relationship: Relationship) -> bool:
    """Whether to offer the invite form: the role, then the services' own rules (only the lead
    invites, and only into a relationship that is not closed)."""
    if not can(request, Capability.PARTIES_MANAGE):
        return False
    try:
        require_lead(relationship=relationship, organization=request.organization)
        relationship_ensure_open(relationship)
    except ApplicationError:
        return False
    return True


def relationship_page(
    request: HttpRequest,
    relationship: Relationship,
    *,
    invite_form: PartyInviteForm | None = None,
    partner_form: PartnerInviteForm | None = None,
) -> HttpResponse:
    """The relationship's page; ``invite_form`` or ``partner_form`` is a refused invitation,
    shown with its errors."""
    may_invite = _may_invite(request, relationship)
    may_manage_parties = can(request, Capability.PARTIES_MANAGE)
    own_party = (
        Party.objects.filter(relationship=relationship, organization=request.organization)
        .select_related("ser__user")
        .first()
    )
    parties = (
        parties_with_details(Party.objects.filter(relationship=relationship))
        .annotate(
            lead_first=Case(
                When(role__in=LEAD_ROLES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("lead_first", "organization__name", "pk")
    )
    context = {
        "relationship": relationship,
        "timeline": _stage_timeline(relationship),
        "parties": Paginator(parties, PARTIES_PER_PAGE).get_page(request.GET.get("parties_page")),
        "directory_closed": relationship.pk in request_disclosure(request).closed,
        "may_invite": may_invite,
        "invite_form": invite_form or (PartyInviteForm() if may_invite else None),
        "partner_form": partner_form or (PartnerInviteForm() if may_invite else None),
        "partner_invitations": (
            PartnerInvitation.objects.filter(relationship=relationship)
            .select_related("party__organization")
            .order_by("-created_at")[:PARTIES_PER_PAGE]
            if may_invite
            else ()
        ),
        # Our own party: naming its SER, leaving (services decide; these only offer).
        "own_party": own_party,
        "may_manage_parties": may_manage_parties,
        "ser_form": (
            PartySerForm(
                executives=executives_of(request.organization),
                initial={"ser": own_party.ser_id},
            )
            if may_manage_parties and own_party is not None
            else None
        ),
    }
    return render(request, "relationships/relationship_detail.html", context)


# --- relationship create -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@capability_required(Capability.RELATIONSHIPS_MANAGE)
def relationship_create_view(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = RelationshipCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            relationship = relationship_create(
                organization=request.organization, **form.service_arguments()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"Relationship “{relationship.name}” started at stage 1.")
            return redirect("relationship-detail", org_slug=org_slug, pk=relationship.pk)
    context = {"form": form, "first_stage": hooks.stage_name(1)}
    return render(request, "relationships/relationship_form.html", context)


# --- organization switcher -----------------------------------------------------------------


def _visible_relationship(request: HttpRequest, kwargs: dict) -> bool:
    return Relationship.objects.filter(pk=kwargs["pk"]).exists()


def _may_manage_relationships(request: HttpRequest, kwargs: dict) -> bool:
    return can(request, Capability.RELATIONSHIPS_MANAGE)


#: Pages that have an equivalent in another organization, and whether the organization now
#: acting may open it (checked as that organization). Any other page switches to the list.
_SWITCHABLE: dict[str, Callable[[HttpRequest, dict], bool]] = {
    "relationship-list": lambda request, kwargs: True,
    "relationship-create": _may_manage_relationships,
    "relationship-detail": _visible_relationship,
}
_KEEPS_QUERY = {"relationship-list"}


def _equivalent_page(request: HttpRequest, next_url: str, org_slug: str) -> str | None:
    safe = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not next_url or not safe:
        return None
    parts = urlsplit(next_url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    allowed = _SWITCHABLE.get(match.url_name)
    if "org_slug" not in match.kwargs or allowed is None:
        return None
    kwargs = {**match.kwargs, "org_slug": org_slug}
    if not allowed(request, kwargs):
        return None
    url = reverse(match.url_name, kwargs=kwargs)
    if match.url_name in _KEEPS_QUERY and parts.query:
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
        url = f"{url}?{urlencode(query)}" if query else url
    return url


@login_required
@require_GET
def organization_switch(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Act as another of the user's organizations, on the equivalent page when there is one.

    The middleware has already checked the membership (404 otherwise) and made ``org_slug``
    the acting organization, so the equivalence checks run in the new organization's scope.
    """
    target = _equivalent_page(request, request.GET.get("next", ""), org_slug)
    return redirect(target or reverse("relationship-list", kwargs={"org_slug": org_slug}))
