"""Browser forms of the workspace registers: they check the shape of input, services decide."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms

from cbrms.forms import ServiceForm
from governance.models import KnowledgeStatus, Risk, RiskStatus, Sharing
from relationships.models import Membership, Visibility

LIKELIHOOD = [
    (1, "1 · Rare"),
    (2, "2 · Unlikely"),
    (3, "3 · Possible"),
    (4, "4 · Likely"),
    (5, "5 · Almost certain"),
]
IMPACT = [
    (1, "1 · Minor"),
    (2, "2 · Moderate"),
    (3, "3 · Significant"),
    (4, "4 · Major"),
    (5, "5 · Severe"),
]


class RiskForm(ServiceForm):
    """Record or change a risk (``risk_create`` / ``risk_update``). On a change only what the
    member changed is passed on, so a partner's edit of a joint risk keeps its owner."""

    title = forms.CharField(label="Risk", max_length=200)
    cause = forms.CharField(
        label="Cause", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    effect = forms.CharField(
        label="Effect", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    likelihood = forms.TypedChoiceField(label="Likelihood", choices=LIKELIHOOD, coerce=int)
    impact = forms.TypedChoiceField(label="Impact", choices=IMPACT, coerce=int)
    mitigation = forms.CharField(
        label="Mitigation",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What is done to make it less likely or less harmful, and by when.",
    )
    status = forms.ChoiceField(label="Status", choices=RiskStatus.choices)
    next_review = forms.DateField(
        label="Next review", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    owner = forms.ChoiceField(label="Owner", required=False)
    visibility = forms.ChoiceField(
        label="Who sees it",
        choices=Visibility.choices,
        help_text="Joint risks are every party's to manage, from stage 5, and stay joint.",
    )

    def __init__(self, *args, members: Sequence[Membership], risk: Risk | None = None, **kwargs):
        self.risk = risk
        self._members = {str(member.pk): member for member in members}
        if risk is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(risk, name) for name in self.base_fields if name != "owner"},
                    "owner": str(risk.owner_id) if risk.owner_id else "",
                },
            )
        else:
            kwargs.setdefault("initial", {"status": RiskStatus.OPEN, "likelihood": 3, "impact": 3})
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Me")] + [
            (pk, str(member.user)) for pk, member in self._members.items()
        ]
        if risk is not None and str(risk.owner_id) not in self._members:
            # A partner's row: its owner is theirs to name.
            del self.fields["owner"]

    def clean_owner(self):
        return self._members.get(self.cleaned_data["owner"])

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        if self.risk is None:
            return data
        return {name: value for name, value in data.items() if name in self.changed_data}


class IssueForm(ServiceForm):
    """Raise an issue (``issue_raise``)."""

    title = forms.CharField(label="Issue", max_length=200)
    description = forms.CharField(
        label="What is happening",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    owner = forms.ChoiceField(label="Owner", required=False)
    visibility = forms.ChoiceField(
        label="Who sees it",
        choices=Visibility.choices,
        help_text="Joint issues are worked out with your partners, from stage 5.",
    )

    def __init__(self, *args, members: Sequence[Membership], **kwargs):
        kwargs.setdefault("prefix", "issue")
        self._members = {str(member.pk): member for member in members}
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Me")] + [
            (pk, str(member.user)) for pk, member in self._members.items()
        ]

    def clean_owner(self):
        return self._members.get(self.cleaned_data["owner"])


class IssueMoveForm(ServiceForm):
    """Escalate, de-escalate or resolve an issue: the button says which, the text says why."""

    ACTIONS = {
        "escalate": "reason",
        "deescalate": "reason",
        "resolve": "resolution",
    }
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)
    text = forms.CharField(
        label="Why, or how it was settled",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why it moves, or how it was resolved."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "move")
        super().__init__(*args, **kwargs)


class KnowledgeForm(ServiceForm):
    """Class an information asset, or change its class (``knowledge_create`` / ``_update``)."""

    name = forms.CharField(label="Information asset", max_length=200)
    description = forms.CharField(
        label="What it is",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    sharing = forms.ChoiceField(
        label="May it be shared?",
        choices=Sharing.choices,
        widget=forms.RadioSelect,
    )
    conditions = forms.CharField(
        label="Conditions",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="When shared with conditions: who may receive it, for what, and how.",
    )
    status = forms.ChoiceField(label="Status", choices=KnowledgeStatus.choices)
    visibility = forms.ChoiceField(
        label="Who sees the entry",
        choices=Visibility.choices,
        help_text="Joint entries are the parties' common rules, from stage 5.",
    )

    def __init__(self, *args, asset=None, **kwargs):
        self.asset = asset
        kwargs.setdefault("prefix", "knowledge")
        if asset is not None:
            kwargs.setdefault("initial", {name: getattr(asset, name) for name in self.base_fields})
        else:
            kwargs.setdefault("initial", {"status": KnowledgeStatus.ACTIVE})
        super().__init__(*args, **kwargs)

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        if self.asset is None:
            return data
        return {name: value for name, value in data.items() if name in self.changed_data}
