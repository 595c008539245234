"""Browser forms of the lifecycle: they check the shape of input; the services decide."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.validators import URLValidator

from cbrms.forms import ServiceForm
from lifecycle.models import (
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    GateKind,
    RequirementStatus,
    Stage,
)
from relationships.models import Membership


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


class RequirementPlanForm(ServiceForm):
    """Who owns a requirement and when it is due (``requirement_update``).

    The owner is one of the acting organization's ``members``; a partner names its own people.
    Only what the member changed is passed on, so saving a due date keeps a partner's owner.
    """

    owner = forms.ChoiceField(label="Owner", required=False)
    due_date = forms.DateField(
        label="Due date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, requirement, members: Sequence[Membership], **kwargs):
        kwargs.setdefault("prefix", f"plan-{requirement.pk}")
        self._members = {str(member.pk): member for member in members}
        owner = str(requirement.owner_id) if requirement.owner_id else None
        ours = owner in self._members
        kwargs.setdefault(
            "initial", {"owner": owner if ours else None, "due_date": requirement.due_date}
        )
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Nobody yet")] + [
            (pk, str(member.user)) for pk, member in self._members.items()
        ]
        if owner and not ours:
            self.fields[
                "owner"
            ].help_text = (
                "A partner's member owns it now; choose one of your people to take it over."
            )

    def clean_owner(self) -> Membership | None:
        return self._members.get(self.cleaned_data["owner"])

    def changes(self) -> dict:
        """The service's arguments for what the member changed, and nothing else."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class EvidenceForm(ServiceForm):
    """Add a note, a link or a file to a requirement (``evidence_create``)."""

    kind = forms.ChoiceField(
        label="Kind of evidence",
        # An issued document version is attached with its own form (``PinVersionForm``).
        choices=[c for c in EvidenceKind.choices if c[0] != EvidenceKind.DOCUMENT],
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


class PinVersionForm(ServiceForm):
    """Attach an issued version of a document the requirement asks for (``evidence_create``
    with ``document_version``): the versions offered are those the service accepts."""

    document_version = forms.ChoiceField(label="Issued version")

    def __init__(self, *args, versions=(), requirement=None, **kwargs):
        kwargs.setdefault("prefix", f"pin-{requirement.pk}" if requirement else "pin")
        super().__init__(*args, **kwargs)
        self._versions = {str(v.pk): v for v in versions}
        self.fields["document_version"].choices = [
            (pk, f"{v.document.title}, version {v.number} (issued {v.decided_at:%-d %b %Y})")
            for pk, v in self._versions.items()
        ]

    def clean_document_version(self):
        return self._versions[self.cleaned_data["document_version"]]


#: What a member can do to evidence of its organization, by the evidence's status: the
#: button's label for each status it may move to.
EVIDENCE_ACTIONS = {
    EvidenceStatus.DRAFT: [
        (EvidenceStatus.APPROVED, "Approve"),
        (EvidenceStatus.WITHDRAWN, "Withdraw"),
    ],
    EvidenceStatus.APPROVED: [(EvidenceStatus.WITHDRAWN, "Withdraw")],
    EvidenceStatus.WITHDRAWN: [(EvidenceStatus.DRAFT, "Restore as draft")],
}


class EvidenceStatusForm(ServiceForm):
    """Approve a draft, withdraw evidence or restore it (``evidence_update``); the button says
    which."""

    status = forms.ChoiceField(choices=EvidenceStatus.choices)

    def __init__(self, *args, evidence: Evidence, **kwargs):
        kwargs.setdefault("prefix", f"evs-{evidence.pk}")
        super().__init__(*args, **kwargs)
        self.evidence = evidence
        self.actions = EVIDENCE_ACTIONS[evidence.status]
        self.fields["status"].choices = self.actions

    def clean(self):
        # The form has buttons, not a field to mark: a move its status does not offer (the
        # page was stale, say) is said on top, with what can be done now.
        if self._errors.pop("status", None):
            status = EvidenceStatus(self.evidence.status).label.lower()
            offered = " or ".join(label.lower() for _, label in self.actions)
            raise forms.ValidationError(
                f"This evidence is {status} now: it can be {offered}.", code="invalid_move"
            )
        return super().clean()


class EvidenceReplaceForm(ServiceForm):
    """A new version of evidence: its text, its address or its file, and perhaps its title
    (``evidence_update``). The kind stays: a note is replaced by a note."""

    title = forms.CharField(label="Title", max_length=200)
    note = forms.CharField(
        label="New text", max_length=50_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    url = forms.CharField(
        label="New web address",
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    file = forms.FileField(
        label="New file",
        help_text="PDF, image, Office or OpenDocument, text, CSV or Markdown; at most 20 MiB.",
    )

    _CONTENT = {EvidenceKind.NOTE: "note", EvidenceKind.LINK: "url", EvidenceKind.FILE: "file"}

    def __init__(self, *args, evidence: Evidence, **kwargs):
        kwargs.setdefault("prefix", f"evr-{evidence.pk}")
        kwargs.setdefault(
            "initial", {"title": evidence.title, "note": evidence.note, "url": evidence.url}
        )
        super().__init__(*args, **kwargs)
        self.content_field = self._CONTENT[evidence.kind]
        for name in set(self._CONTENT.values()) - {self.content_field}:
            del self.fields[name]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        URLValidator(schemes=["http", "https"], message="Enter an http(s) address.")(url)
        return url

    @property
    def content(self):
        """The bound field of the content this kind of evidence has."""
        return self[self.content_field]

    def changes(self) -> dict:
        return {
            "title": self.cleaned_data["title"],
            **{self.content_field: self.cleaned_data[self.content_field]},
        }


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
    """One SER's approval or rejection of a gate (``gate_decide``); the button says which.

    Two steps: the first checks the decision (``gate_decision_check``) and asks to confirm it,
    the second, with ``confirmed`` set, records it. "Change" goes back to the first.
    """

    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to reject; recorded with your decision either way.",
    )
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    change = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "decision")
        super().__init__(*args, **kwargs)

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"

    @property
    def is_confirmed(self) -> bool:
        return self.cleaned_data["confirmed"] and not self.cleaned_data["change"]


#: Empty rows a table offers beyond those it has, to add to it.
SPARE_ROWS = 3


class SectionForm(ServiceForm):
    """A section's text and structured fields, and the version they were read at
    (``section_save``). Tables are rows of inputs named ``<field>-<row>-<column>``."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    body = forms.CharField(
        label="Text",
        required=False,
        strip=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Markdown: **bold**, *italic*, lists with -, links as [text](https://...).",
    )

    def __init__(self, *args, section, spec, **kwargs):
        kwargs.setdefault("prefix", "section")
        kwargs.setdefault("initial", {"version": section.version, "body": section.body})
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.section = section
        self.tables = []
        for field_spec in spec.fields:
            name = f"field_{field_spec.key}"
            current = section.fields.get(field_spec.key)
            if field_spec.kind == "choice":
                self.fields[name] = forms.ChoiceField(
                    label=field_spec.label,
                    required=False,
                    choices=[("", "Not set"), *field_spec.choices],
                    initial=current or "",
                )
            elif field_spec.kind == "text":
                self.fields[name] = forms.CharField(
                    label=field_spec.label, required=False, max_length=500, initial=current or ""
                )
            else:
                self.tables.append(self._table(field_spec, current or []))

    def _table(self, spec, rows: list) -> dict:
        """A table's columns and rows of bound values: the posted ones, or the stored ones."""
        count = len(rows) + SPARE_ROWS
        if self.is_bound:
            count = int(self.data.get(self.add_prefix(f"{spec.key}-rows"), count) or count)
            count = max(0, min(count, 100 + SPARE_ROWS))
        table_rows = []
        for index in range(count):
            cells = []
            for column, label in spec.columns:
                name = self.add_prefix(f"{spec.key}-{index}-{column}")
                stored = rows[index].get(column, "") if index < len(rows) else ""
                value = self.data.get(name, "") if self.is_bound else stored
                cells.append({"name": name, "label": label, "value": value})
            table_rows.append(cells)
        return {
            "spec": spec,
            "rows": table_rows,
            "count_name": self.add_prefix(f"{spec.key}-rows"),
        }

    @property
    def choice_fields(self):
        return [self[name] for name in self.fields if name.startswith("field_")]

    def structured(self) -> dict:
        """The structured fields as the service takes them."""
        values = {}
        for field_spec in self.spec.fields:
            if field_spec.kind == "table":
                continue
            values[field_spec.key] = self.cleaned_data.get(f"field_{field_spec.key}", "")
        for table in self.tables:
            values[table["spec"].key] = [
                {cell["name"].rsplit("-", 1)[1]: cell["value"] for cell in row}
                for row in table["rows"]
            ]
        return values

    def add_application_error(self, error, field=None) -> None:
        """The service names structured fields by key: show each beside its field or table."""
        self.table_errors = {}
        renamed = {}
        for key, messages in (error.fields or {}).items():
            if key == "body" or f"field_{key}" in self.fields:
                renamed[key if key == "body" else f"field_{key}"] = messages
            else:
                self.table_errors[key] = messages
        for table in self.tables:
            table["errors"] = self.table_errors.get(table["spec"].key, [])
        error.fields = renamed or None
        super().add_application_error(error, field)
