"""Browser forms of the workspace registers: they check the shape of input, services decide."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils import timezone

from cbrms.forms import ServiceForm
from governance.models import (
    ActionStatus,
    Cadence,
    Direction,
    EscalationAudience,
    KnowledgeStatus,
    MeetingStatus,
    ObjectiveStatus,
    Principle,
    Profile,
    RiskStatus,
    Sharing,
    TrustIndicator,
)
from governance.selectors import IMPACT, LIKELIHOOD, decimal_text
from relationships.models import Membership, Visibility


class RecordForm(ServiceForm):
    """Create or change a register row (``<register>_create`` / ``_update``).

    ``members``: the people who may own the row (an ``owner`` field lists them, "Me" first);
    ``instance``: the row being changed, whose values fill the form. On a change only what the
    member changed is passed on, so a partner's edit of a joint row keeps its owner (and the
    owner field goes when the row's owner is not one of ``members``: it is theirs to name)."""

    defaults: dict = {}

    def __init__(self, *args, members: Sequence[Membership] = (), instance=None, **kwargs):
        self.instance = instance
        self._members = {str(member.pk): member for member in members}
        if instance is not None:
            kwargs.setdefault("initial", self.initial_from(instance))
        else:
            kwargs.setdefault("initial", dict(self.defaults))
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].choices = [("", "Me")] + [
                (pk, str(member.user)) for pk, member in self._members.items()
            ]
            if instance is not None and str(instance.owner_id) not in self._members:
                del self.fields["owner"]

    def initial_from(self, instance) -> dict:
        initial = {
            name: getattr(instance, name)
            for name in self.base_fields
            if name != "owner" and hasattr(instance, name)
        }
        if "owner" in self.base_fields:
            initial["owner"] = str(instance.owner_id) if instance.owner_id else ""
        return initial

    def clean_owner(self):
        return self._members.get(self.cleaned_data["owner"])

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance is None:
            return data
        return {name: value for name, value in data.items() if name in self.changed_data}


def _visibility(help_text: str) -> forms.ChoiceField:
    return forms.ChoiceField(label="Who sees it", choices=Visibility.choices, help_text=help_text)


def _text(label: str, max_length: int, rows: int = 2, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


def _date(label: str, required: bool = False, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}), **kwargs
    )


class RiskForm(RecordForm):
    """Record or change a risk (``risk_create`` / ``risk_update``)."""

    defaults = {"status": RiskStatus.OPEN, "likelihood": 3, "impact": 3}

    title = forms.CharField(label="Risk", max_length=200)
    cause = _text("Cause", 5000)
    effect = _text("Effect", 5000)
    likelihood = forms.TypedChoiceField(label="Likelihood", choices=LIKELIHOOD, coerce=int)
    impact = forms.TypedChoiceField(label="Impact", choices=IMPACT, coerce=int)
    mitigation = _text(
        "Mitigation",
        5000,
        help_text="What is done to make it less likely or less harmful, and by when.",
    )
    status = forms.ChoiceField(label="Status", choices=RiskStatus.choices)
    next_review = _date("Next review")
    owner = forms.ChoiceField(label="Owner", required=False)
    visibility = _visibility(
        "Joint risks are every party's to manage, from stage 5, and stay joint."
    )


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


class KnowledgeForm(RecordForm):
    """Class an information asset, or change its class (``knowledge_create`` / ``_update``)."""

    defaults = {"status": KnowledgeStatus.ACTIVE}

    name = forms.CharField(label="Information asset", max_length=200)
    description = _text("What it is", 5000)
    sharing = forms.ChoiceField(
        label="May it be shared?",
        choices=Sharing.choices,
        widget=forms.RadioSelect,
    )
    conditions = _text(
        "Conditions",
        5000,
        help_text="When shared with conditions: who may receive it, for what, and how.",
    )
    status = forms.ChoiceField(label="Status", choices=KnowledgeStatus.choices)
    visibility = forms.ChoiceField(
        label="Who sees the entry",
        choices=Visibility.choices,
        help_text="Joint entries are the parties' common rules, from stage 5.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "knowledge")
        super().__init__(*args, **kwargs)


# --- objectives and KPIs ---------------------------------------------------------------------


class ObjectiveForm(RecordForm):
    """Set or change an objective (``objective_create`` / ``objective_update``)."""

    defaults = {"status": ObjectiveStatus.ACTIVE}

    title = forms.CharField(label="Objective", max_length=200)
    description = _text("What success looks like", 5000)
    target_date = _date("Target date")
    status = forms.ChoiceField(label="Status", choices=ObjectiveStatus.choices)
    principle = forms.ChoiceField(
        label="Principle it serves",
        required=False,
        choices=[("", "—"), *Principle.choices],
    )
    requirement_key = forms.CharField(
        label="Requirement it serves",
        required=False,
        max_length=60,
        help_text="A requirement of the relationship's catalog, e.g. iso44001:8.7.2.",
    )
    owner = forms.ChoiceField(label="Owner", required=False)
    visibility = _visibility("Joint objectives are the partners' together, from stage 5.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "objective")
        super().__init__(*args, **kwargs)


class KpiForm(RecordForm):
    """Measure an objective by a KPI (``kpi_create``), or change it (``kpi_update``)."""

    defaults = {"direction": Direction.UP, "cadence": Cadence.MONTHLY}

    name = forms.CharField(label="KPI", max_length=200)
    unit = forms.CharField(label="Unit", max_length=30, help_text="%, days, EUR, count...")
    target = forms.DecimalField(label="Target", max_digits=14, decimal_places=4)
    direction = forms.ChoiceField(label="Which way is better", choices=Direction.choices)
    cadence = forms.ChoiceField(label="Measured", choices=Cadence.choices)
    owner = forms.ChoiceField(label="Who records it", required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "kpi")
        super().__init__(*args, **kwargs)

    def initial_from(self, instance) -> dict:
        initial = super().initial_from(instance)
        initial["target"] = decimal_text(instance.target)  # 0.85, not 0.8500
        return initial


class MeasurementForm(ServiceForm):
    """Record a KPI's value for a period (``measurement_record``)."""

    period = _date("Period ending", required=True)
    value = forms.DecimalField(label="Value", max_digits=14, decimal_places=4)
    note = forms.CharField(label="Note", required=False, max_length=2000)
    correct = forms.BooleanField(
        label="Correct the value already recorded for this period", required=False
    )

    def __init__(self, *args, kpi=None, **kwargs):
        kwargs.setdefault("prefix", f"value-{kpi.pk}" if kpi else "value")
        super().__init__(*args, **kwargs)


# --- meetings, decisions, actions ------------------------------------------------------------


class PeopleChoiceMixin:
    """A multiple or single choice of people of the relationship's parties (``party_people``),
    labelled with their organization."""

    @staticmethod
    def people_choices(people) -> list[tuple[str, str]]:
        return [(str(p.pk), f"{p.user} ({p.organization.name})") for p in people]


class MeetingForm(PeopleChoiceMixin, RecordForm):
    """Plan a meeting or record how it went (``meeting_create`` / ``meeting_update``)."""

    defaults = {"status": MeetingStatus.PLANNED}

    title = forms.CharField(label="Meeting", max_length=200)
    held_at = forms.DateTimeField(
        label="When", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    location = forms.CharField(label="Where", required=False, max_length=200)
    agenda = _text("Agenda", 10000, rows=4)
    minutes = _text("Minutes", 50000, rows=6)
    status = forms.ChoiceField(label="Status", choices=MeetingStatus.choices)
    attendees = forms.MultipleChoiceField(
        label="Attendees",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="From each party; your own people only for an internal meeting.",
    )
    visibility = _visibility("A joint management team meeting is joint, from stage 5.")

    def __init__(self, *args, people=(), **kwargs):
        self._people = {str(p.pk): p for p in people}
        kwargs.setdefault("prefix", "meeting")
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = self.people_choices(people)

    def initial_from(self, instance) -> dict:
        initial = super().initial_from(instance)
        initial["held_at"] = timezone.localtime(instance.held_at).strftime("%Y-%m-%dT%H:%M")
        initial["attendees"] = [str(p.pk) for p in instance.attendees.all()]
        return initial

    def clean_attendees(self):
        return [self._people[pk] for pk in self.cleaned_data["attendees"]]

    def has_changed_attendees(self) -> bool:
        return "attendees" in self.changed_data


class DecisionForm(ServiceForm):
    """Record a decision taken at a meeting (``decision_record``)."""

    title = forms.CharField(label="Decision", max_length=300)
    rationale = _text("Why", 5000)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "decision")
        super().__init__(*args, **kwargs)


class ActionForm(PeopleChoiceMixin, RecordForm):
    """Give someone an action (``action_create``), or change it (``action_update``)."""

    defaults = {"status": ActionStatus.OPEN}

    title = forms.CharField(label="Action", max_length=300)
    description = _text("Details", 5000)
    due_date = _date("Due", required=True)
    status = forms.ChoiceField(label="Status", choices=ActionStatus.choices)
    owner = forms.ChoiceField(label="Who does it", required=False)
    decision = forms.ChoiceField(label="Following the decision", required=False)
    visibility = _visibility("Joint actions may be given to any party's people, from stage 5.")

    def __init__(self, *args, people=(), decisions=(), **kwargs):
        kwargs.setdefault("prefix", "action")
        self._decisions = {str(d.pk): d for d in decisions}
        super().__init__(*args, members=people, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].choices = [("", "Me"), *self.people_choices(people)]
        if self.instance is not None or not decisions:
            del self.fields["decision"]
        else:
            self.fields["decision"].choices = [("", "—")] + [
                (pk, d.title) for pk, d in self._decisions.items()
            ]
        if self.instance is None:
            del self.fields["status"]

    def clean_decision(self):
        return self._decisions.get(self.cleaned_data["decision"])


# --- trust surveys -----------------------------------------------------------------------------


class SurveyOpenForm(ServiceForm):
    """Open a survey round (``survey_open``)."""

    title = forms.CharField(label="Title", max_length=200)
    closes_at = forms.DateTimeField(
        label="Closes",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Within 90 days. Results show once the round is closed.",
    )
    indicators = forms.MultipleChoiceField(
        label="What it asks",
        choices=TrustIndicator.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "survey")
        kwargs.setdefault("initial", {"indicators": TrustIndicator.values})
        super().__init__(*args, **kwargs)


class SurveyAnswerForm(ServiceForm):
    """A score 1-5 and an optional comment for each indicator of a round."""

    SCORES = [
        (1, "1 · Strongly disagree"),
        (2, "2 · Disagree"),
        (3, "3 · Neither"),
        (4, "4 · Agree"),
        (5, "5 · Strongly agree"),
    ]

    def __init__(self, *args, survey, **kwargs):
        kwargs.setdefault("prefix", "answer")
        super().__init__(*args, **kwargs)
        labels = dict(TrustIndicator.choices)
        self.indicators = list(survey.indicators)
        for key in self.indicators:
            self.fields[f"{key}_score"] = forms.TypedChoiceField(
                label=labels.get(key, key),
                choices=self.SCORES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose a score."},
            )
            self.fields[f"{key}_comment"] = forms.CharField(
                label="Comment", required=False, max_length=2000
            )

    def pairs(self):
        """(score field, comment field) per indicator, for the template."""
        return [(self[f"{key}_score"], self[f"{key}_comment"]) for key in self.indicators]

    def answers(self) -> dict[str, tuple[int, str]]:
        return {
            key: (self.cleaned_data[f"{key}_score"], self.cleaned_data[f"{key}_comment"])
            for key in self.indicators
        }


class ThresholdForm(ServiceForm):
    """The relationship's survey threshold (``relationship_update``, the lead)."""

    survey_threshold = forms.IntegerField(
        label="Answers needed per party",
        min_value=3,
        max_value=1000,
        help_text="A party's results show only when at least this many of its people answered "
        "(3 at the least).",
    )


# --- the escalation ladder ---------------------------------------------------------------------


class LadderForm(ServiceForm):
    """The relationship's ladder as rows of name, hours and audience (``ladder_set``); blank
    rows are left out."""

    ROWS = 5

    def __init__(self, *args, levels=(), **kwargs):
        kwargs.setdefault("prefix", "ladder")
        initial = {}
        for i, level in enumerate(levels, start=1):
            initial.update(
                {
                    f"name_{i}": level.name,
                    f"hours_{i}": level.hours,
                    f"audience_{i}": level.audience,
                }
            )
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for i in range(1, self.ROWS + 1):
            self.fields[f"name_{i}"] = forms.CharField(
                label=f"Level {i}", required=False, max_length=100
            )
            self.fields[f"hours_{i}"] = forms.IntegerField(
                label="Hours", required=False, min_value=1, max_value=24 * 365
            )
            self.fields[f"audience_{i}"] = forms.ChoiceField(
                label="Who it goes to",
                required=False,
                choices=[("", "—"), *EscalationAudience.choices],
            )

    def rows(self):
        return [
            (i, self[f"name_{i}"], self[f"hours_{i}"], self[f"audience_{i}"])
            for i in range(1, self.ROWS + 1)
        ]

    def clean(self):
        data = super().clean()
        levels = []
        for i in range(1, self.ROWS + 1):
            name, hours, audience = (data.get(f"{f}_{i}") for f in ("name", "hours", "audience"))
            if not (name or hours or audience):
                continue
            for field, value in (("name", name), ("hours", hours), ("audience", audience)):
                if not value:
                    self.add_error(f"{field}_{i}", "Needed for this level.")
            levels.append({"name": name, "hours": hours, "audience": audience})
        if not levels:
            raise forms.ValidationError("The ladder needs at least one level.")
        data["levels"] = levels
        return data


class MaturityOpenForm(ServiceForm):
    """Open a maturity review (``review_open``, the lead)."""

    title = forms.CharField(label="Title", max_length=200, required=False)
    closes_at = forms.DateTimeField(
        label="Answers close",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="In 14 days if left empty. The report is computed as soon as every party has "
        "submitted, or at this time.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "review")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("closes_at") is None:
            data.pop("closes_at", None)
        return data


class MaturityAnswerForm(ServiceForm):
    """A level 1-5 and an optional comment for every principle of a review's model, each level
    described in the model's own words."""

    def __init__(self, *args, principles, answers=None, **kwargs):
        kwargs.setdefault("prefix", "maturity")
        answers = answers or {}
        kwargs.setdefault(
            "initial",
            {
                **{f"{key}_score": a.score for key, a in answers.items()},
                **{f"{key}_comment": a.comment for key, a in answers.items()},
            },
        )
        super().__init__(*args, **kwargs)
        self.principles = principles
        for principle in principles:
            self.fields[f"{principle.key}_score"] = forms.TypedChoiceField(
                label=principle.title,
                help_text=principle.question,
                choices=[
                    (int(level), f"{level} · {text}")
                    for level, text in sorted(principle.levels.items())
                ],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose the level that fits best."},
            )
            self.fields[f"{principle.key}_comment"] = forms.CharField(
                label="Comment",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def pairs(self):
        """(principle, score field, comment field), for the template."""
        return [(p, self[f"{p.key}_score"], self[f"{p.key}_comment"]) for p in self.principles]

    def answers(self) -> list[dict]:
        return [
            {
                "principle": p.key,
                "score": self.cleaned_data[f"{p.key}_score"],
                "comment": self.cleaned_data[f"{p.key}_comment"],
            }
            for p in self.principles
        ]


_SCORES = [(n, str(n)) for n in range(1, 6)]


class PlacementForm(ServiceForm):
    """Place a relationship on the portfolio matrix (``placement_set``)."""

    relationship = forms.TypedChoiceField(label="Relationship", coerce=int)
    value = forms.TypedChoiceField(label="Value", choices=_SCORES, coerce=int, initial=3)
    risk = forms.TypedChoiceField(label="Risk", choices=_SCORES, coerce=int, initial=3)
    profile = forms.ChoiceField(
        label="Profile",
        required=False,
        choices=[("", "As the criteria suggest"), *Profile.choices],
    )
    rationale = forms.CharField(
        label="Why",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when you decide another profile than the criteria suggest.",
    )

    def __init__(self, *args, relationships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relationship"].choices = [(r.pk, r.name) for r in relationships]


class CriteriaForm(ServiceForm):
    """What value and risk mean to the organization, and where the profiles start."""

    full_from = forms.TypedChoiceField(
        label="Full lifecycle from", choices=_SCORES[1:], coerce=int, initial=4
    )
    programme_from = forms.TypedChoiceField(
        label="Light profile from", choices=_SCORES[:4], coerce=int, initial=2
    )
    value_meaning = forms.CharField(
        label="What value means",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    risk_meaning = forms.CharField(
        label="What risk means",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
