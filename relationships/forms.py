"""Browser forms of the relationships app: they check the shape of input, services decide."""

from __future__ import annotations

import unicodedata

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache

from cbrms.errors import ValidationFailed
from cbrms.forms import ServiceErrorsMixin
from relationships import hooks, signin
from relationships.models import (
    FrameworkProfile,
    Membership,
    RelationshipStatus,
    RelationshipType,
    Role,
    SizeClass,
)
from relationships.models.webhooks import RISK_SCORE_MAX
from relationships.services.webhooks import endpoint_url_check
from relationships.webhook_events import webhook_event_types


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with an email address (our users have no username)."""

    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form; the current password is checked like a sign-in: refused while the account
    or the address is locked, and a wrong one counts towards a lock (``relationships.signin``).
    """

    def __init__(self, user, *args, request, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        lock = signin.signin_lockout(self.request, email=self.user.email)
        if lock is not None:
            self.request.axes_locked_out = True  # AxesMiddleware answers with the lockout page
            raise forms.ValidationError(signin.lockout_message(lock), code="locked_out")
        old_password = self.cleaned_data["old_password"]
        if not self.user.check_password(old_password):
            signin.signin_failed(self.request, email=self.user.email)
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


def _same_email(typed: str, stored: str) -> bool:
    def fold(value: str) -> str:
        return unicodedata.normalize("NFKC", value).casefold()

    return fold(typed) == fold(stored)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, also for people who have not set a password yet, and throttled.

    Django sends no link to a user with an unusable password, which it takes for an account that
    logs in elsewhere. Here there is no elsewhere: an unusable password means "added by an admin,
    password not set yet", and this form is how such a person gets a new link once the one in
    their invitation has expired.

    Each account gets at most one email per ``RESET_EMAIL_INTERVAL``, so that the form cannot be
    used to flood someone's inbox. The page says the same whether an email went out or not.
    """

    RESET_EMAIL_INTERVAL = 5 * 60  # seconds

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        for user in users:
            if not _same_email(email, user.email):
                continue  # a Unicode lookalike the database matched (Django's CVE-2019-19844 guard)
            if cache.add(f"password-reset-sent:{user.pk}", True, self.RESET_EMAIL_INTERVAL):
                yield user


class RelationshipFilterForm(forms.Form):
    """Search and filters of the relationship list. Every field is optional; a plain GET form."""

    q = forms.CharField(
        label="Search by name",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name contains…"}),
    )
    type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any type"), *RelationshipType.choices]
    )
    stage = forms.TypedChoiceField(
        label="Stage",
        required=False,
        coerce=int,
        empty_value=None,
        choices=lambda: (
            [("", "Any stage")] + [(n, f"{n} · {name}") for n, name in hooks.stage_names().items()]
        ),
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *RelationshipStatus.choices]
    )
    archived = forms.BooleanField(label="Show archived", required=False)

    def filters(self) -> dict:
        """The valid, non-empty filters; an invalid one is ignored (its error is shown)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {key: value for key, value in self.cleaned_data.items() if value not in ("", None)}


class RelationshipCreateForm(ServiceErrorsMixin, forms.Form):
    """Start a relationship led by the acting organization (``relationship_create``)."""

    name = forms.CharField(label="Name", max_length=200)
    type = forms.ChoiceField(
        label="Type of relationship",
        choices=RelationshipType.choices,
        initial=RelationshipType.PARTNERSHIP,
    )
    framework_profile = forms.ChoiceField(
        label="Framework profile",
        required=False,
        choices=[("", "Default for the type"), *FrameworkProfile.choices],
        help_text=(
            "Ecosystems run on ISO/TS 44007; other relationships on ISO 44001, or on ISO 44003 "
            "when your organization is an SME."
        ),
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    ser = forms.ModelChoiceField(
        label="Senior executive responsible (SER)",
        required=False,
        queryset=None,  # set per request in __init__, inside the acting scope
        empty_label="Name later",
        help_text="An executive of your organization, accountable for this relationship.",
    )
    member_directory_visible = forms.BooleanField(
        label="Members may see each other in the member list",
        required=False,
        help_text="Ecosystems only.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The scoped manager: only the acting organization's executives can be chosen.
        self.fields["ser"].queryset = (
            Membership.objects.filter(role=Role.EXECUTIVE)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
        self.fields["ser"].label_from_instance = lambda membership: str(membership.user)

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["framework_profile"] = data["framework_profile"] or None
        return data


class MemberInviteForm(ServiceErrorsMixin, forms.Form):
    """Invite a person to join the acting organization (``member_invite``)."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="They receive a link to accept or decline; they join once they accept.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.CONTRIBUTOR)


class MemberSignupForm(ServiceErrorsMixin, forms.Form):
    """Create the account of an invited address: a name and a password, checked by Django's
    password validators as any password is."""

    full_name = forms.CharField(label="Your name", max_length=200)
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="The same password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            # The validators compare the password with the person's name and address.
            person = get_user_model()(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(first, person)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def service_arguments(self) -> dict:
        return {
            "full_name": self.cleaned_data["full_name"],
            "password": self.cleaned_data["password1"],
        }


class PartyInviteForm(ServiceErrorsMixin, forms.Form):
    """The lead invites an organization already in CBRMS, by its identifier (``party_invite``)."""

    organization = forms.SlugField(
        label="Organization identifier",
        max_length=50,
        help_text="The short name in the addresses of its pages (for example contoso): ask "
        "the organization, it shows on its own pages after /o/.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "invite")
        super().__init__(*args, **kwargs)


class InvitationAcceptForm(ServiceErrorsMixin, forms.Form):
    """Accept an invitation, naming the organization's SER for it (``party_accept``)."""

    ser = forms.ChoiceField(
        label="Our SER for this relationship",
        required=False,
        help_text="An executive of your organization; you can name one later too.",
    )

    def __init__(self, *args, executives=(), party=None, **kwargs):
        kwargs.setdefault("prefix", f"accept-{party.pk}" if party else "accept")
        super().__init__(*args, **kwargs)
        self._executives = {str(m.pk): m for m in executives}
        self.fields["ser"].choices = [("", "Name later")] + [
            (pk, str(m.user)) for pk, m in self._executives.items()
        ]

    def clean_ser(self):
        return self._executives.get(self.cleaned_data["ser"])


class PartnerInviteForm(ServiceErrorsMixin, forms.Form):
    """The lead invites an organization by a person's address (``partner_invite``): for one
    not in CBRMS yet, or whose identifier it does not know."""

    email = forms.EmailField(
        label="Their email address",
        max_length=254,
        help_text="A person at the organization who may commit it; the link goes there.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    organization_name = forms.CharField(label="Organization name", max_length=200)
    message = forms.CharField(
        label="Message",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "partner")
        super().__init__(*args, **kwargs)


class PartnerJoinForm(ServiceErrorsMixin, forms.Form):
    """Set up the invited organization from the link (``partner_join``)."""

    organization_name = forms.CharField(label="Organization name", max_length=200)
    slug = forms.SlugField(
        label="Identifier",
        max_length=60,
        help_text="Lower-case letters, digits and hyphens, in the addresses of your pages "
        "(for example fabrikam). Partners use it to invite you.",
    )
    size_class = forms.ChoiceField(
        label="Size",
        choices=[("", "Choose…"), *SizeClass.choices],
        help_text="Micro, small and medium organizations may run the ISO 44003 SME profile.",
    )
    country = forms.CharField(
        label="Country", max_length=2, min_length=2, help_text="Two letters, for example GB or NL."
    )
    sector = forms.CharField(label="Sector", max_length=120, required=False)
    ser_email = forms.EmailField(
        label="Email of your SER for this relationship",
        max_length=254,
        help_text="Your senior executive responsible approves its stage gates and issued plans. "
        "They are invited to join your organization as an executive, and become SER as they "
        "accept. You join as its administrator.",
    )

    def clean_slug(self):
        return self.cleaned_data["slug"].lower()

    def clean_country(self):
        country = self.cleaned_data["country"].upper()
        if not country.isalpha():
            raise forms.ValidationError("Two letters, for example GB.")
        return country

    def service_arguments(self) -> dict:
        return dict(self.cleaned_data)


class PartnerAnswerForm(ServiceErrorsMixin, forms.Form):
    """Answer an emailed invitation for an organization one belongs to
    (``partner_invitation_accept``)."""

    organization = forms.ChoiceField(label="Answer for")
    ser = forms.ChoiceField(
        label="Our SER for this relationship",
        required=False,
        help_text="An executive of the organization you answer for; you can name one later too.",
    )

    def __init__(self, *args, memberships=(), executives=(), **kwargs):
        kwargs.setdefault("prefix", "answer")
        super().__init__(*args, **kwargs)
        self._organizations = {str(m.organization_id): m.organization for m in memberships}
        self._executives = {str(m.pk): m for m in executives}
        self.fields["organization"].choices = [
            (pk, organization.name) for pk, organization in self._organizations.items()
        ]
        self.fields["ser"].choices = [("", "Name later")] + [
            (pk, f"{m.user} ({m.organization.name})") for pk, m in self._executives.items()
        ]

    def clean_organization(self):
        return self._organizations[self.cleaned_data["organization"]]

    def clean_ser(self):
        return self._executives.get(self.cleaned_data["ser"])


class PartySerForm(ServiceErrorsMixin, forms.Form):
    """Name the organization's SER on its own party (``party_set_ser``)."""

    ser = forms.ChoiceField(label="Our SER")

    def __init__(self, *args, executives=(), **kwargs):
        kwargs.setdefault("prefix", "ser")
        super().__init__(*args, **kwargs)
        self._executives = {str(m.pk): m for m in executives}
        self.fields["ser"].choices = [("", "Choose an executive…")] + [
            (pk, str(m.user)) for pk, m in self._executives.items()
        ]

    def clean_ser(self):
        return self._executives.get(self.cleaned_data["ser"])


class JoinRequestForm(ServiceErrorsMixin, forms.Form):
    """Ask to join an ecosystem open to requests (``join_request``)."""

    message = forms.CharField(
        label="Your message to the orchestrator",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who you are and what you bring to the ecosystem.",
    )


class WebhookEndpointForm(ServiceErrorsMixin, forms.Form):
    """Register or change a webhook endpoint (``endpoint_create`` / ``endpoint_update``)."""

    url = forms.CharField(
        label="URL",
        max_length=2000,
        help_text=(
            "Where CBRMS POSTs each event, signed. It must be reachable on the public internet "
            "over https; private and loopback addresses are refused."
        ),
        widget=forms.URLInput(attrs={"placeholder": "https://hooks.example.com/cbrms"}),
    )
    description = forms.CharField(
        label="Description",
        max_length=200,
        required=False,
        help_text="What receives it, so that the others know.",
    )
    events = forms.MultipleChoiceField(
        label="Events",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
    risk_score_threshold = forms.IntegerField(
        label="Risk score threshold",
        min_value=1,
        max_value=RISK_SCORE_MAX,
        initial=15,
        help_text="For “A risk's score reached the threshold”: likelihood times impact, 1 to 25.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.event_types = webhook_event_types()
        if settings.CBRMS_OUTBOUND_ALLOW_PRIVATE:
            self.fields["url"].help_text = (
                "Where CBRMS POSTs each event, signed. This installation also sends to "
                "addresses on its own network."
            )
        self.fields["events"].choices = [(t.name, t.label) for t in self.event_types]

    def clean_url(self) -> str:
        # The service's own check, asked here too so the form shows every error at once.
        try:
            return endpoint_url_check(self.cleaned_data["url"])
        except ValidationFailed as refused:
            raise forms.ValidationError(refused.message) from None
