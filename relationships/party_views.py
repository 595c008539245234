"""Bringing partners in, in the browser: the lead invites an organization and may revoke the
invitation; the invited organization sees its invitations, names its SER and accepts, or
declines."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from cbrms.errors import ApplicationError
from relationships.forms import InvitationAcceptForm, PartyInviteForm
from relationships.models import Membership, Party, Relationship, Role
from relationships.permissions import can, capability_required
from relationships.roles import Capability
from relationships.selectors import invitations_of
from relationships.selectors.organizations import organization_for_invitation
from relationships.services.relationships import (
    party_accept,
    party_decline,
    party_invite,
    party_revoke,
)
from relationships.views import relationship_page


def _back_to_parties(org_slug: str, relationship: Relationship) -> HttpResponse:
    response = redirect("relationship-detail", org_slug=org_slug, pk=relationship.pk)
    response["Location"] += "#parties-heading"
    return response


@login_required
@require_POST
@capability_required(Capability.PARTIES_MANAGE)
def party_invite_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    relationship = get_object_or_404(
        Relationship.objects.select_related("lead_organization"), pk=pk
    )
    form = PartyInviteForm(request.POST)
    if form.is_valid():
        invitee = organization_for_invitation(slug=form.cleaned_data["organization"])
        if invitee is None:
            form.add_error(
                "organization",
                "No organization has this identifier. Check it with the organization.",
            )
        else:
            try:
                party_invite(
                    relationship=relationship, organization=request.organization, invitee=invitee
                )
            except ApplicationError as error:
                form.add_application_error(error, field="organization")
            else:
                messages.success(
                    request,
                    f"{invitee.name} is invited. Its administrators and executives see the "
                    "invitation in CBRMS and answer it there.",
                )
                return _back_to_parties(org_slug, relationship)
    return relationship_page(request, relationship, invite_form=form)


@login_required
@require_POST
@capability_required(Capability.PARTIES_MANAGE)
def party_revoke_view(request: HttpRequest, org_slug: str, pk: int, party_pk: int) -> HttpResponse:
    relationship = get_object_or_404(Relationship, pk=pk)
    party = get_object_or_404(
        Party.objects.select_related("organization", "relationship"),
        pk=party_pk,
        relationship=relationship,
    )
    try:
        party_revoke(party=party, organization=request.organization)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The invitation of {party.organization.name} is revoked.")
    return _back_to_parties(org_slug, relationship)


def _executives(organization) -> list[Membership]:
    return list(
        Membership.objects.filter(organization=organization, role=Role.EXECUTIVE)
        .select_related("user")
        .order_by("user__full_name", "id")
    )


@login_required
@require_GET
@capability_required(Capability.PARTIES_VIEW)
def invitation_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The relationships the organization is invited to, each with its answer forms."""
    return _invitations_page(request)


def _invitations_page(request: HttpRequest, bound: InvitationAcceptForm | None = None):
    invitations = list(
        invitations_of(Party.objects.all(), organization=request.organization).order_by(
            "invited_at", "id"
        )
    )
    executives = _executives(request.organization)
    may_answer = can(request, Capability.INVITATIONS_ANSWER)
    for invitation in invitations:
        invitation.accept_form = (
            bound
            if bound is not None and bound.party.pk == invitation.pk
            else InvitationAcceptForm(executives=executives, party=invitation)
        )
    context = {"invitations": invitations, "may_answer": may_answer}
    return render(request, "relationships/invitations.html", context)


def _invitation(request: HttpRequest, party_pk: int) -> Party:
    return get_object_or_404(
        invitations_of(Party.objects.all(), organization=request.organization), pk=party_pk
    )


@login_required
@require_POST
@capability_required(Capability.INVITATIONS_ANSWER)
def invitation_accept(request: HttpRequest, org_slug: str, party_pk: int) -> HttpResponse:
    invitation = _invitation(request, party_pk)
    form = InvitationAcceptForm(
        request.POST, executives=_executives(request.organization), party=invitation
    )
    form.party = invitation
    if form.is_valid():
        try:
            party_accept(
                party=invitation, organization=request.organization, ser=form.cleaned_data["ser"]
            )
        except ApplicationError as error:
            form.add_application_error(error, field="ser")
        else:
            relationship = invitation.relationship
            messages.success(
                request,
                f"You joined “{relationship.name}”. Your own checklist of its early stages is "
                "ready, and you see its joint work.",
            )
            return redirect("relationship-detail", org_slug=org_slug, pk=relationship.pk)
    return _invitations_page(request, bound=form)


@login_required
@require_POST
@capability_required(Capability.INVITATIONS_ANSWER)
def invitation_decline(request: HttpRequest, org_slug: str, party_pk: int) -> HttpResponse:
    invitation = _invitation(request, party_pk)
    try:
        party_decline(party=invitation, organization=request.organization)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"You declined to join “{invitation.relationship.name}”.")
    return redirect("invitation-list", org_slug=org_slug)
