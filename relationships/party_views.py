"""Bringing partners in, in the browser: the lead invites an organization (by its identifier,
or by email) and may resend or revoke the invitation; in an ecosystem open to requests it lets
in or refuses those who ask. The invited organization sees its invitations, names its SER and
accepts, or declines; a party names its SER, and leaves."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_POST

from cbrms.errors import ApplicationError
from relationships.forms import (
    InvitationAcceptForm,
    PartnerInviteForm,
    PartyInviteForm,
    PartySerForm,
)
from relationships.models import PartnerInvitation, Party, Relationship
from relationships.permissions import can, capability_required
from relationships.roles import Capability
from relationships.selectors import executives_of, invitations_of
from relationships.selectors.organizations import organization_for_invitation
from relationships.services.partners import (
    join_request_approve,
    join_request_refuse,
    partner_invitation_resend,
    partner_invitation_revoke,
    partner_invite,
    party_invitation_resend,
)
from relationships.services.relationships import (
    party_accept,
    party_decline,
    party_invite,
    party_leave,
    party_revoke,
    party_set_ser,
    relationship_update,
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
    return _party_action(
        request, org_slug, pk, party_pk, party_revoke, "The invitation of {name} is revoked."
    )


@login_required
@require_POST
@capability_required(Capability.PARTIES_MANAGE)
def partner_invite_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    relationship = get_object_or_404(
        Relationship.objects.select_related("lead_organization"), pk=pk
    )
    form = PartnerInviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = partner_invite(
                relationship=relationship,
                organization=request.organization,
                invited_by=request.membership,
                **form.cleaned_data,
            )
        except ApplicationError as error:
            form.add_application_error(error, field="email")
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email} for {invitation.organization_name}. The "
                "link works once, until "
                f"{date_format(invitation.expires_at, 'j F Y')}.",
            )
            return _back_to_parties(org_slug, relationship)
    return relationship_page(request, relationship, partner_form=form)


def _party_action(request, org_slug: str, pk: int, party_pk: int, service, done: str):
    """Run ``service(party=..., organization=...)`` on a party of the relationship; back to the
    parties with what happened."""
    relationship = get_object_or_404(Relationship, pk=pk)
    party = get_object_or_404(
        Party.objects.select_related("organization", "relationship"),
        pk=party_pk,
        relationship=relationship,
    )
    try:
        service(party=party, organization=request.organization)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done.format(name=party.organization.name))
    return _back_to_parties(org_slug, relationship)


@login_required
@require_POST
@capability_required(Capability.PARTIES_MANAGE)
def party_resend_view(request: HttpRequest, org_slug: str, pk: int, party_pk: int) -> HttpResponse:
    return _party_action(
        request,
        org_slug,
        pk,
        party_pk,
        party_invitation_resend,
        "{name}'s administrators, executives and relationship managers are reminded by email.",
    )


@login_required
@require_POST
@capability_required(Capability.PARTIES_MANAGE)
def join_request_approve_view(
    request: HttpRequest, org_slug: str, pk: int, party_pk: int
) -> HttpResponse:
    return _party_action(
        request, org_slug, pk, party_pk, join_request_approve, "{name} is a member now."
    )


@login_required
@require_POST
@capability_required(Capability.PARTIES_MANAGE)
def join_request_refuse_view(
    request: HttpRequest, org_slug: str, pk: int, party_pk: int
) -> HttpResponse:
    return _party_action(
        request, org_slug, pk, party_pk, join_request_refuse, "The request of {name} is refused."
    )


@login_required
@require_POST
@capability_required(Capability.PARTIES_MANAGE)
def party_leave_view(request: HttpRequest, org_slug: str, pk: int, party_pk: int) -> HttpResponse:
    """Our own party leaves: the relationship disappears from our list at once; what we wrote
    in its joint records stays, in our name."""
    relationship = get_object_or_404(Relationship, pk=pk)
    party = get_object_or_404(
        Party.objects.select_related("organization"),
        pk=party_pk,
        relationship=relationship,
        organization=request.organization,
    )
    try:
        party_leave(party=party, organization=request.organization)
    except ApplicationError as error:
        messages.error(request, error.message)
        return _back_to_parties(org_slug, relationship)
    messages.success(
        request,
        f"{request.organization.name} left “{relationship.name}”. What you contributed to its "
        "joint records stays there, in your name.",
    )
    return redirect("relationship-list", org_slug=org_slug)


@login_required
@require_POST
@capability_required(Capability.PARTIES_MANAGE)
def party_ser_view(request: HttpRequest, org_slug: str, pk: int, party_pk: int) -> HttpResponse:
    relationship = get_object_or_404(Relationship, pk=pk)
    party = get_object_or_404(
        Party, pk=party_pk, relationship=relationship, organization=request.organization
    )
    form = PartySerForm(request.POST, executives=executives_of(request.organization))
    if not form.is_valid() or form.cleaned_data["ser"] is None:
        messages.error(request, "Choose one of your executives as SER.")
        return _back_to_parties(org_slug, relationship)
    try:
        party_set_ser(party=party, organization=request.organization, ser=form.cleaned_data["ser"])
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{form.cleaned_data['ser'].user} is your SER here now.")
    return _back_to_parties(org_slug, relationship)


@login_required
@require_POST
@capability_required(Capability.PARTIES_MANAGE)
def join_requests_setting_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """The orchestrator opens its ecosystem to requests to join, or closes it."""
    relationship = get_object_or_404(Relationship, pk=pk)
    is_open = request.POST.get("open") == "yes"
    try:
        relationship_update(
            relationship=relationship,
            organization=request.organization,
            open_to_join_requests=is_open,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            "Any organization in CBRMS can now find this ecosystem and ask to join."
            if is_open
            else "This ecosystem takes no more requests to join; those waiting stay listed.",
        )
    return _back_to_parties(org_slug, relationship)


def _partner_invitation_action(request, org_slug, pk, invitation_pk, service, done):
    relationship = get_object_or_404(Relationship, pk=pk)
    invitation = get_object_or_404(PartnerInvitation, pk=invitation_pk, relationship=relationship)
    try:
        service(invitation=invitation, organization=request.organization)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done.format(email=invitation.email))
    return _back_to_parties(org_slug, relationship)


@login_required
@require_POST
@capability_required(Capability.PARTIES_MANAGE)
def partner_invitation_resend_view(
    request: HttpRequest, org_slug: str, pk: int, invitation_pk: int
) -> HttpResponse:
    return _partner_invitation_action(
        request,
        org_slug,
        pk,
        invitation_pk,
        partner_invitation_resend,
        "A new link went to {email}; the old one is void.",
    )


@login_required
@require_POST
@capability_required(Capability.PARTIES_MANAGE)
def partner_invitation_revoke_view(
    request: HttpRequest, org_slug: str, pk: int, invitation_pk: int
) -> HttpResponse:
    return _partner_invitation_action(
        request,
        org_slug,
        pk,
        invitation_pk,
        partner_invitation_revoke,
        "The invitation to {email} is revoked; its link no longer works.",
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
    executives = executives_of(request.organization)
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
        request.POST, executives=executives_of(request.organization), party=invitation
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
