"""Browser pages about people: the organization's members and invitations, and the page an
invited person opens from their email to accept or decline.

Views translate HTTP to the services of ``relationships.services.members`` and back; the role
checks are the capability table's (``relationships.roles``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cbrms.errors import ApplicationError
from cbrms.tenancy.context import acting_as
from relationships import signin
from relationships.forms import MemberInviteForm, MemberSignupForm, PartySerForm
from relationships.links import invitation_from_link
from relationships.models import InvitationStatus, MemberInvitation, Membership
from relationships.permissions import can, capability_required
from relationships.roles import Capability
from relationships.selectors import executives_of
from relationships.services.members import (
    invited_account,
    member_invitation_accept,
    member_invitation_decline,
    member_invitation_resend,
    member_invitation_revoke,
    member_invite,
    member_signup,
)
from relationships.services.organizations import organization_update

MEMBERS_PER_PAGE = 50


# --- the members page ----------------------------------------------------------------------


def _members_page(request: HttpRequest, invite_form: MemberInviteForm | None = None, status=200):
    members = (
        Membership.objects.select_related("user")
        .annotate(last_signin_failure=signin.locked_until_subquery("user__email"))
        .order_by("user__full_name", "user__email")
    )
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    for member in page.object_list:
        member.locked_until = signin.lock_end(member.last_signin_failure)
    can_manage = can(request, Capability.MEMBERS_MANAGE)
    invitations = []
    if can_manage:
        invitations = [
            invitation
            for invitation in MemberInvitation.objects.select_related("invited_by__user")[:100]
            if invitation.status in (InvitationStatus.PENDING, InvitationStatus.EXPIRED)
        ]
    executives = executives_of(request.organization)
    context = {
        "ser_form": (
            PartySerForm(executives=executives, initial={"ser": request.organization.ser_id})
            if can(request, Capability.ORGANIZATION_CHANGE) and executives
            else None
        ),
        "page": page,
        "can_manage": can_manage,
        "invitations": invitations,
        "invite_form": invite_form or (MemberInviteForm() if can_manage else None),
    }
    return render(request, "relationships/members.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.MEMBERS_VIEW)
def member_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    return _members_page(request)


@login_required
@require_POST
@capability_required(Capability.MEMBERS_MANAGE)
def member_invite_view(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = MemberInviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = member_invite(
                organization=request.organization,
                invited_by=request.membership,
                **form.cleaned_data,
            )
        except ApplicationError as error:
            form.add_application_error(error, field="email")
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email}. They join once they accept; the link "
                f"works until {date_format(invitation.expires_at, 'j F Y')}.",
            )
            return redirect("member-list", org_slug=org_slug)
    return _members_page(request, invite_form=form, status=400)


def _invitation_action(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    invitation = get_object_or_404(MemberInvitation, pk=pk)
    try:
        service(invitation=invitation)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done.format(email=invitation.email))
    return redirect("member-list", org_slug=request.organization.slug)


@login_required
@require_POST
@capability_required(Capability.MEMBERS_MANAGE)
def member_invitation_resend_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    return _invitation_action(
        request, pk, member_invitation_resend, "A new link went to {email}; the old one is void."
    )


@login_required
@require_POST
@capability_required(Capability.MEMBERS_MANAGE)
def member_invitation_revoke_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    return _invitation_action(
        request, pk, member_invitation_revoke, "The invitation to {email} is revoked."
    )


@login_required
@require_POST
@capability_required(Capability.ORGANIZATION_CHANGE)
def organization_ser_view(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Name the SER of the organization's management system (``organization_update``)."""
    form = PartySerForm(request.POST, executives=executives_of(request.organization))
    if not form.is_valid() or form.cleaned_data["ser"] is None:
        messages.error(request, "Choose one of your executives as SER.")
    else:
        try:
            organization_update(organization=request.organization, ser=form.cleaned_data["ser"])
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"{form.cleaned_data['ser'].user} is the SER of your management system now.",
            )
    response = redirect("member-list", org_slug=org_slug)
    response["Location"] += "#management-ser"
    return response


@login_required
@require_POST
@capability_required(Capability.MEMBERS_MANAGE)
def member_unlock_view(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    member = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    signin.account_unlock(email=member.user.email, by=request.user.email)
    messages.success(request, f"{member.user} can sign in again.")
    return redirect("member-list", org_slug=org_slug)


# --- the invitation, as the invited person sees it -----------------------------------------


def _answer_page(request: HttpRequest, invitation, token: str, **context) -> HttpResponse:
    account = invited_account(invitation)
    user = request.user if request.user.is_authenticated else None
    context = {
        "invitation": invitation,
        "token": token,
        "pending": invitation.status == InvitationStatus.PENDING,
        "has_account": account is not None,
        "signed_in_as_invitee": user is not None and user.email.lower() == invitation.email,
        "login_url": f"{reverse('login')}?{urlencode({'next': request.path})}",
        **context,
    }
    if "signup_form" not in context and account is None and user is None:
        context["signup_form"] = MemberSignupForm(email=invitation.email)
    return render(request, "relationships/member_invitation.html", context)


@require_http_methods(["GET", "POST"])
def member_invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    """``/invitations/<token>/``: accept (logged in as the invited address), create the account
    and accept (an address without one), or decline."""
    invitation = invitation_from_link(MemberInvitation, token, "organization", "invited_by__user")
    if invitation is None:
        return render(request, "relationships/member_invitation_invalid.html", status=404)
    if request.method == "GET":
        return _answer_page(request, invitation, token)

    answer = request.POST.get("answer")
    user = request.user if request.user.is_authenticated else None
    organization = invitation.organization
    try:
        with acting_as(organization, user=user):
            if answer == "decline":
                member_invitation_decline(invitation=invitation)
                messages.info(request, f"You declined to join {organization.name}.")
                return redirect("home" if user else "login")
            if answer == "accept" and user is not None:
                member_invitation_accept(invitation=invitation, user=user)
            elif answer == "signup" and user is None:
                form = MemberSignupForm(request.POST, email=invitation.email)
                if not form.is_valid():
                    return _answer_page(request, invitation, token, signup_form=form)
                membership = member_signup(invitation=invitation, **form.service_arguments())
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                return _answer_page(request, invitation, token)
    except ApplicationError as error:
        return _answer_page(request, invitation, token, error=error.message)
    messages.success(request, f"Welcome to {organization.name}.")
    return redirect("relationship-list", org_slug=organization.slug)
