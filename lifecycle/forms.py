"""Browser forms of the lifecycle: they check the shape of input; the services decide."""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator

from cbrms.forms import ServiceForm
from lifecycle.models import EvidenceKind, GateKind, RequirementStatus, Stage


class RequirementStatusForm(ServiceForm):
    """Record progress on one requirement (``requirement_update``)."""

    status = forms.ChoiceField(label="Status", choices=RequirementStatus.choices)
    justification = forms.CharField(
        label="Why it does not apply",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when the status is not applicable.",
    )


class EvidenceForm(ServiceForm):
    """Add a note, a link or a file to a requirement (``evidence_create``)."""

    kind = forms.ChoiceField(
        label="Kind of evidence",
        choices=EvidenceKind.choices,
        initial=EvidenceKind.NOTE,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label="Title", max_length=200)
    note = forms.CharField(
        label="Text of the note",
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    url = forms.CharField(
        label="Web address",
        required=False,
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    file = forms.FileField(
        label="File to upload",
        required=False,
        help_text="PDF, image, Office or OpenDocument, text, CSV or Markdown; at most 20 MiB.",
    )

    def clean_url(self) -> str:
        # Only a link's address is checked: what was typed in the other kinds' fields is unused.
        url = self.cleaned_data["url"].strip()
        if url and self.cleaned_data.get("kind") == EvidenceKind.LINK:
            URLValidator(schemes=["http", "https"], message="Enter an http(s) address.")(url)
        return url


def gate_kind_choices(current_stage: int) -> list[tuple[str, str]]:
    """The decisions that can be asked for from ``current_stage``, in the words of the page."""
    if current_stage == Stage.last():
        choices = [(GateKind.ADVANCE, "Close the relationship: the exit is complete")]
    else:
        following = current_stage + 1
        choices = [(GateKind.ADVANCE, f"Advance to stage {following}, {Stage(following).label}")]
    if current_stage > Stage.first():
        previous = current_stage - 1
        choices.append(
            (GateKind.SEND_BACK, f"Send back to stage {previous}, {Stage(previous).label}")
        )
    if Stage.exit_activated_from(current_stage):
        choices.append((GateKind.ACTIVATE_EXIT, "Activate the exit strategy (go to stage 8)"))
    return choices


class GateRequestForm(ServiceForm):
    """Ask the SERs to decide on leaving the current stage (``gate_request``)."""

    kind = forms.ChoiceField(label="Decision to ask for", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to send back or to activate the exit; optional to advance.",
    )

    def __init__(self, *args, current_stage: int, **kwargs):
        kwargs.setdefault("prefix", "gate")
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = gate_kind_choices(current_stage)
        self.fields["kind"].initial = GateKind.ADVANCE


class GateDecisionForm(ServiceForm):
    """One SER's approval or rejection of a gate (``gate_decide``); the button says which."""

    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to reject; recorded with your decision either way.",
    )
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "decision")
        super().__init__(*args, **kwargs)

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"
