"""Coming in from outside a relationship, in the browser: the page an invited organization's
person opens from the emailed link (``/join/<token>/``), and the ecosystems open to requests
to join (``/o/<org>/ecosystems/``).

Views translate HTTP to ``relationships.services.partners`` and back.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cbrms.errors import ApplicationError
from cbrms.tenancy.context import acting_as
from relationships.forms import (
    JoinRequestForm,
    MemberSignupForm,
    PartnerAnswerForm,
    PartnerJoinForm,
)
from relationships.links import invitation_from_link
from relationships.models import (
    InvitationStatus,
    Membership,
    OpenEcosystem,
    PartnerInvitation,
    Party,
    Role,
)
from relationships.permissions import can, capability_required
from relationships.roles import Capability
from relationships.services.members import invited_account
from relationships.services.partners import (
    join_request,
    organizations_answering_for,
    partner_invitation_accept,
    partner_invitation_decline,
    partner_join,
)

# --- the emailed link ----------------------------------------------------------------------


def _answer_forms(user, invitation: PartnerInvitation, data=None) -> dict:
    """The forms the person may answer with: set a new organization up (always), and answer
    for one of theirs (logged in, with a role that may answer)."""
    forms = {
        "join_form": PartnerJoinForm(
            data, initial={"organization_name": invitation.organization_name}
        )
    }
    if user is None:
        forms["signup_form"] = MemberSignupForm(data, email=invitation.email)
        return forms
    memberships = organizations_answering_for(user)
    if memberships:
        executives = (
            # unscoped(auth): the executives of the organizations the person answers for
            Membership.objects.unscoped()
            .filter(organization__in=[m.organization_id for m in memberships], role=Role.EXECUTIVE)
            .select_related("user", "organization")
            .order_by("organization__name", "user__full_name")
        )
        forms["answer_form"] = PartnerAnswerForm(
            data, memberships=memberships, executives=executives
        )
    return forms


def _page(request: HttpRequest, invitation: PartnerInvitation, token: str, status=200, **context):
    user = request.user if request.user.is_authenticated else None
    context = {
        "invitation": invitation,
        "lead": invitation.organization,
        "relationship": invitation.relationship,
        "pending": invitation.status == InvitationStatus.PENDING,
        "has_account": invited_account(invitation) is not None,
        "signed_in_as_invitee": user is not None and user.email.lower() == invitation.email,
        "login_url": f"{reverse('login')}?{urlencode({'next': request.path})}",
        **context,
    }
    for name, form in _answer_forms(user, invitation).items():
        context.setdefault(name, form)
    return render(request, "relationships/partner_invitation.html", context, status=status)


@require_http_methods(["GET", "POST"])
def partner_invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    """``/join/<token>/``: set the invited organization up (with the first account when the
    address has none), answer for an organization one belongs to, or decline."""
    invitation = invitation_from_link(
        PartnerInvitation, token, "organization", "relationship", "invited_by__user"
    )
    if invitation is None:
        return render(request, "relationships/member_invitation_invalid.html", status=404)
    if request.method == "GET":
        return _page(request, invitation, token)

    answer = request.POST.get("answer")
    user = request.user if request.user.is_authenticated else None
    forms = _answer_forms(user, invitation, request.POST)
    try:
        with acting_as(invitation.organization, user=user):
            if answer == "decline":
                partner_invitation_decline(invitation=invitation)
                messages.info(
                    request, f"You declined the invitation of {invitation.organization.name}."
                )
                return redirect("home" if user else "login")
            if answer == "join":
                join_form, signup_form = forms["join_form"], forms.get("signup_form")
                if not join_form.is_valid() or (signup_form and not signup_form.is_valid()):
                    return _page(request, invitation, token, status=400, **forms)
                account = signup_form.service_arguments() if signup_form else {}
                party = partner_join(
                    invitation=invitation,
                    user=user,
                    **join_form.service_arguments(),
                    **account,
                )
                if user is None:  # the account just made for the invited address
                    login(
                        request,
                        party.partner_invitation.accepted_by,
                        backend="django.contrib.auth.backends.ModelBackend",
                    )
                messages.success(
                    request,
                    f"{party.organization.name} takes part in “{invitation.relationship.name}”. "
                    f"Your SER was invited by email to join {party.organization.name} and "
                    "becomes SER as they accept.",
                )
            elif answer == "accept" and "answer_form" in forms:
                answer_form = forms["answer_form"]
                if not answer_form.is_valid():
                    return _page(request, invitation, token, status=400, **forms)
                party = partner_invitation_accept(
                    invitation=invitation,
                    user=user,
                    organization=answer_form.cleaned_data["organization"],
                    ser=answer_form.cleaned_data["ser"],
                )
                messages.success(
                    request,
                    f"{party.organization.name} takes part in “{invitation.relationship.name}”.",
                )
            else:
                return _page(request, invitation, token)
    except ApplicationError as error:
        form = forms.get("answer_form" if answer == "accept" else "join_form")
        if form is not None and set(error.fields or ()) & set(form.fields):
            form.add_application_error(error)
            return _page(request, invitation, token, status=400, **forms)
        return _page(request, invitation, token, status=400, error=error.message, **forms)
    return redirect(
        "relationship-detail", org_slug=party.organization.slug, pk=invitation.relationship_id
    )


# --- ecosystems open to requests -----------------------------------------------------------


@login_required
@require_GET
@capability_required(Capability.RELATIONSHIPS_VIEW)
def ecosystem_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The ecosystems whose orchestrators take requests to join, and where we stand in each."""
    own = Party.objects.filter(relationship=OuterRef("pk"), organization=request.organization)
    ecosystems = (
        OpenEcosystem.objects.select_related("lead_organization")
        .annotate(my_status=Subquery(own.values("status")[:1]))
        .order_by("name", "id")[:200]
    )
    context = {
        "ecosystems": ecosystems,
        "may_join": can(request, Capability.ECOSYSTEMS_JOIN),
        "join_form": JoinRequestForm(),
    }
    return render(request, "relationships/ecosystems.html", context)


@login_required
@require_POST
@capability_required(Capability.ECOSYSTEMS_JOIN)
def ecosystem_join(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    ecosystem = get_object_or_404(OpenEcosystem, pk=pk)
    form = JoinRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Your message is too long: 2,000 characters at most.")
        return redirect("ecosystem-list", org_slug=org_slug)
    try:
        join_request(
            relationship=ecosystem,
            organization=request.organization,
            message=form.cleaned_data["message"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"You asked to join “{ecosystem.name}”. {ecosystem.lead_organization.name} decides; "
            "the ecosystem appears in your relationships once they let you in.",
        )
    return redirect("ecosystem-list", org_slug=org_slug)
