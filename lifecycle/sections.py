"""What each kind of controlled document is made of: its sections, in order, and the structured
fields of those whose content has a shape (a meeting cadence, a table of committed resources).

The words are ours. A section always has Markdown text besides its fields; a ``computed``
section also shows data the product already holds (the parties and their SERs), read when the
document is shown and frozen into a version when it is issued.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models


class DocumentKind(models.TextChoices):
    JOINT_RMP = "joint_rmp", "Joint relationship management plan"
    INTERNAL_RMP = "internal_rmp", "Internal relationship management plan"
    CORPORATE_RMP = "corporate_rmp", "Corporate relationship management plan"
    EXIT_STRATEGY = "exit_strategy", "Exit strategy"
    EXIT_EVALUATION = "exit_evaluation", "Exit evaluation"
    MS_CONTEXT = "ms_context", "Context of the organization"
    MS_STAKEHOLDERS = "ms_stakeholders", "Interested parties and their expectations"
    MS_SCOPE = "ms_scope", "Scope of the management system"
    MS_POLICY = "ms_policy", "Collaboration policy"
    MS_GOVERNANCE = "ms_governance", "Governance of collaboration"


#: The kinds of structured field (see ``FieldSpec``).
FIELD_KINDS = (("choice", "One of a list"), ("text", "One line of text"), ("table", "Rows"))


@dataclass(frozen=True)
class FieldSpec:
    """One structured field: ``choice`` (one of ``choices``), ``text`` (one line) or ``table``
    (rows of ``columns``)."""

    key: str
    label: str
    kind: str
    choices: tuple[tuple[str, str], ...] = ()
    columns: tuple[tuple[str, str], ...] = ()
    help: str = ""


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    guidance: str
    fields: tuple[FieldSpec, ...] = ()
    computed: str = ""  # what the product fills in when shown: "parties"

    def field(self, key: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)


@dataclass(frozen=True)
class DocumentSpec:
    kind: DocumentKind
    sections: tuple[SectionSpec, ...] = field(default_factory=tuple)
    #: The catalog items (of every framework profile) an issued version of the document
    #: answers: it may be attached to their requirements as evidence, pinned to its hash.
    answers: frozenset[str] = frozenset()

    def section(self, key: str) -> SectionSpec | None:
        return next((s for s in self.sections if s.key == key), None)


#: Limits of structured content: a table is a short list, a cell a short text.
MAX_ROWS = 100
MAX_CELL = 500
MAX_BODY = 50_000

_CADENCE = (
    ("weekly", "Weekly"),
    ("fortnightly", "Every two weeks"),
    ("monthly", "Monthly"),
    ("quarterly", "Quarterly"),
)


def _table(key: str, label: str, *columns: tuple[str, str], help: str = "") -> FieldSpec:
    return FieldSpec(key, label, "table", columns=columns, help=help)


_ROLES = _table(
    "roles",
    "Roles",
    ("role", "Role"),
    ("holder", "Who holds it"),
    ("responsibilities", "Responsibilities"),
)
_RESOURCES = _table(
    "resources",
    "Committed resources",
    ("party", "Party"),
    ("resource", "Resource"),
    ("amount", "Amount"),
    ("period", "Period"),
)
_DECISION_RIGHTS = _table(
    "decision_rights",
    "Decision rights",
    ("decision", "Decision"),
    ("decided_by", "Decided by"),
    ("escalation", "If they disagree"),
)

JOINT_RMP = DocumentSpec(
    DocumentKind.JOINT_RMP,
    (
        SectionSpec(
            "purpose",
            "Purpose and scope",
            "Why the parties work together, what the relationship covers and what it leaves out.",
        ),
        SectionSpec(
            "parties",
            "Parties and their SERs",
            "The organizations in the relationship and the senior executive each has made "
            "responsible. The list comes from the relationship; add anything the SERs agreed.",
            computed="parties",
        ),
        SectionSpec(
            "objectives",
            "Joint objectives and how they are measured",
            "What the parties aim to achieve together, and the measures that show progress.",
        ),
        SectionSpec(
            "governance",
            "Joint governance",
            "The joint management team, how often it meets and who may decide what.",
            fields=(
                FieldSpec("meeting_cadence", "Meeting cadence", "choice", choices=_CADENCE),
                _table(
                    "management_team",
                    "Joint management team",
                    ("person", "Person"),
                    ("party", "Party"),
                    ("role", "Role in the team"),
                ),
                _DECISION_RIGHTS,
            ),
        ),
        SectionSpec(
            "roles",
            "Roles and responsibilities",
            "Who does what for the relationship, on each side.",
            fields=(_ROLES,),
        ),
        SectionSpec(
            "resources",
            "Resources each party commits",
            "People, money, systems and facilities each party puts into the relationship.",
            fields=(_RESOURCES,),
        ),
        SectionSpec(
            "knowledge",
            "Knowledge sharing and confidentiality",
            "What the parties share, how, with whom, and what each keeps to itself.",
        ),
        SectionSpec(
            "risks",
            "Joint risks and their owners",
            "The main risks the parties carry together and who watches each.",
        ),
        SectionSpec(
            "issue_resolution",
            "Issue resolution ladder",
            "How a disagreement climbs from the working team to the SERs, and how fast.",
            fields=(
                _table(
                    "ladder",
                    "Levels",
                    ("level", "Level"),
                    ("who", "Who resolves it"),
                    ("time_limit", "Time limit"),
                ),
            ),
        ),
        SectionSpec(
            "value_creation",
            "Value creation and improvement targets",
            "Where the parties expect to create value together, and the targets they set.",
        ),
        SectionSpec(
            "behaviour",
            "Behaviour and trust indicators",
            "The behaviours the parties expect of each other and how trust is checked.",
        ),
        SectionSpec(
            "agreements",
            "Agreements and contracts referenced",
            "The contracts and agreements that sit beside this plan.",
            fields=(
                _table(
                    "agreements",
                    "Agreements",
                    ("agreement", "Agreement"),
                    ("reference", "Reference"),
                    ("date", "Date"),
                ),
            ),
        ),
        SectionSpec(
            "exit",
            "Joint exit strategy",
            "A summary of how the relationship would end well; the exit strategy document holds "
            "the detail.",
        ),
    ),
    answers=frozenset(
        {
            "iso44001:8.5.9",
            "iso44001:8.6.11",
            "iso44001:8.7.5",
            "iso44001:8.8.10",
            "iso44001:8.9.6",
            "iso44003:8.5.joint-rmp",
            "iso44003:8.6.rmp-roles",
            "iso44003:8.6.rmp-resources",
            "iso44003:8.6.rmp-objectives",
            "iso44003:8.6.rmp-risks",
            "iso44003:8.7.rmp-update",
            "iso44007:joint-rmp",
            "iso44007:rmp",
            "iso44007:rmp-maintain",
            "iso44007:rmp-close",
        }
    ),
)

INTERNAL_RMP = DocumentSpec(
    DocumentKind.INTERNAL_RMP,
    (
        SectionSpec(
            "roles",
            "Roles and responsibilities",
            "Who in the organization works on this relationship, and for what.",
            fields=(_ROLES,),
        ),
        SectionSpec(
            "resources",
            "Resources",
            "What the organization is ready to commit, and until when.",
            fields=(_RESOURCES,),
        ),
        SectionSpec(
            "objectives",
            "Objectives and benefits",
            "What the organization wants from the relationship, and how it will know.",
        ),
        SectionSpec(
            "risks",
            "Initial risks",
            "The risks seen before any partner is engaged, and what is done about them.",
        ),
    ),
    answers=frozenset(
        {
            "iso44001:8.2.9",
            "iso44001:8.9.6",
        }
    ),
)

CORPORATE_RMP = DocumentSpec(
    DocumentKind.CORPORATE_RMP,
    (
        SectionSpec(
            "policy",
            "Collaboration policy and scope",
            "Why the organization collaborates, and which parts of it this plan covers.",
        ),
        SectionSpec(
            "governance",
            "Governance of collaboration",
            "Who answers for collaborative relationships and how decisions are made.",
            fields=(_DECISION_RIGHTS,),
        ),
        SectionSpec(
            "roles",
            "Roles, SERs and responsibilities",
            "The senior executives responsible and the other roles across relationships.",
            fields=(_ROLES,),
        ),
        SectionSpec(
            "portfolio",
            "Relationship portfolio",
            "How relationships are identified, prioritized and given a profile.",
        ),
        SectionSpec(
            "competence",
            "Competence and behaviour",
            "The collaborative skills the organization develops, and how.",
        ),
        SectionSpec(
            "processes",
            "Processes and tools",
            "The processes that run each stage of a relationship's lifecycle.",
        ),
        SectionSpec(
            "review",
            "Review and improvement",
            "How the plan and the relationships are reviewed, and lessons fed back.",
        ),
    ),
)

EXIT_STRATEGY = DocumentSpec(
    DocumentKind.EXIT_STRATEGY,
    (
        SectionSpec(
            "triggers",
            "Triggers",
            "The events or conditions that would start the end of the relationship.",
        ),
        SectionSpec(
            "protection",
            "How each party is protected",
            "What each party keeps safe when the relationship ends.",
        ),
        SectionSpec(
            "continuity",
            "Business continuity",
            "How customers and operations are served without a break during the exit.",
        ),
        SectionSpec(
            "assets",
            "Shared assets",
            "How assets built or held together are separated.",
        ),
        SectionSpec("people", "People", "What happens to the people who work across the parties."),
        SectionSpec("data", "Data", "How shared data is returned, kept or destroyed."),
        SectionSpec(
            "intellectual_property",
            "Intellectual property",
            "Who owns what was created together, and who may go on using it.",
        ),
        SectionSpec(
            "communications",
            "Communications",
            "Who tells whom, when and how, inside the parties and outside.",
        ),
        SectionSpec(
            "decision_rights",
            "Decision rights",
            "Who decides to activate the exit and each step of it.",
            fields=(_DECISION_RIGHTS,),
        ),
    ),
    answers=frozenset(
        {
            "iso44001:8.6.9",
            "iso44001:8.8.9",
            "iso44003:8.6.exit",
            "iso44003:8.8.exit-review",
            "iso44007:exit-strategy",
            "iso44007:exit-maintain",
        }
    ),
)

EXIT_EVALUATION = DocumentSpec(
    DocumentKind.EXIT_EVALUATION,
    (
        SectionSpec(
            "objectives",
            "Objectives met and missed",
            "For each joint objective: what was reached, what was not, and why. The registers' "
            "summary in the PDF shows the KPIs as they ended.",
        ),
        SectionSpec(
            "value",
            "Value created",
            "What the relationship gave each party that neither would have had alone: savings, "
            "revenue, capability, reach.",
        ),
        SectionSpec(
            "helped",
            "What helped",
            "Behaviours, practices and decisions that made working together succeed.",
        ),
        SectionSpec(
            "hindered",
            "What got in the way",
            "Where trust, governance or processes fell short, and what it cost.",
        ),
        SectionSpec(
            "separation",
            "How the exit went",
            "Whether customers kept their service and each separation step was done as agreed.",
            fields=(
                _table(
                    "steps",
                    "Separation steps",
                    ("step", "Step"),
                    ("owner", "Who"),
                    ("done", "Done on"),
                    help="Assets, people, data and intellectual property handed back or split.",
                ),
            ),
        ),
        SectionSpec(
            "lessons",
            "Lessons for the organizations",
            "What each party changes in its corporate RMP and its next relationships.",
        ),
        SectionSpec(
            "future",
            "Future opportunities",
            "Whether the parties would work together again, and how they stay in touch.",
            fields=(
                FieldSpec(
                    "work_again",
                    "Would work together again",
                    "choice",
                    choices=(("yes", "Yes"), ("perhaps", "Perhaps, on other terms"), ("no", "No")),
                ),
            ),
        ),
    ),
    answers=frozenset({"iso44001:8.9.4", "iso44003:8.9.evaluate", "iso44007:evaluation"}),
)

# --- the management system's documents (ISO 44001 clauses 4 and 5) ---------------------------

MS_CONTEXT = DocumentSpec(
    DocumentKind.MS_CONTEXT,
    (
        SectionSpec(
            "issues",
            "Internal and external issues",
            "What inside and around the organization shapes how it collaborates: markets, "
            "regulation, culture, capabilities, its appetite for shared risk.",
            fields=(
                _table(
                    "issues",
                    "Issues",
                    ("issue", "Issue"),
                    ("origin", "Internal or external"),
                    ("effect", "Effect on collaboration"),
                    ("response", "What we do about it"),
                ),
            ),
        ),
        SectionSpec(
            "review",
            "Keeping it current",
            "Who reviews the context, how often, and where changes are fed (policy, portfolio).",
        ),
    ),
)
MS_STAKEHOLDERS = DocumentSpec(
    DocumentKind.MS_STAKEHOLDERS,
    (
        SectionSpec(
            "parties",
            "Interested parties",
            "Who has a stake in the organization's collaborations, and what each expects.",
            fields=(
                _table(
                    "parties",
                    "Interested parties",
                    ("party", "Party"),
                    ("expectation", "What they expect"),
                    ("addressed_by", "Addressed by (objective, control, process)"),
                ),
            ),
        ),
        SectionSpec(
            "monitoring",
            "Following their expectations",
            "How the organization learns when expectations change, and who acts on it.",
        ),
    ),
)
MS_SCOPE = DocumentSpec(
    DocumentKind.MS_SCOPE,
    (
        SectionSpec(
            "covers",
            "What the system covers",
            "The business units, sites, relationship types and activities in scope, precisely "
            "enough to tell whether a given relationship is in it.",
        ),
        SectionSpec(
            "exclusions",
            "What is left out, and why",
            "Anything outside the scope, with the reason it does not weaken the system.",
        ),
    ),
)
MS_POLICY = DocumentSpec(
    DocumentKind.MS_POLICY,
    (
        SectionSpec(
            "intent",
            "Why we collaborate",
            "The purpose collaboration serves for the organization and the value it seeks.",
        ),
        SectionSpec(
            "behaviours",
            "How we behave with partners",
            "The behaviours expected of everyone who works on a relationship.",
        ),
        SectionSpec(
            "commitments",
            "Our commitments",
            "Meeting the requirements that apply, and improving the system continually.",
        ),
        SectionSpec(
            "communication",
            "Making it known",
            "How the policy reaches staff and partners, and when it is reviewed.",
        ),
    ),
)
MS_GOVERNANCE = DocumentSpec(
    DocumentKind.MS_GOVERNANCE,
    (
        SectionSpec(
            "structure",
            "Bodies that steer collaboration",
            "The boards, committees and meetings that steer collaboration across the "
            "organization, who sits in them and what they decide.",
            fields=(
                _table(
                    "bodies",
                    "Bodies",
                    ("body", "Body"),
                    ("members", "Members"),
                    ("meets", "Meets"),
                    ("decides", "Decides"),
                ),
            ),
        ),
        SectionSpec(
            "roles",
            "Roles and authorities",
            "The system's SER and the other roles, with what each may decide.",
            fields=(_ROLES, _DECISION_RIGHTS),
        ),
        SectionSpec(
            "escalation",
            "Escalation",
            "How a disagreement or a risk in a relationship reaches top management.",
        ),
    ),
)

DOCUMENTS: dict[str, DocumentSpec] = {
    spec.kind: spec
    for spec in (
        JOINT_RMP,
        INTERNAL_RMP,
        CORPORATE_RMP,
        EXIT_STRATEGY,
        EXIT_EVALUATION,
        MS_CONTEXT,
        MS_STAKEHOLDERS,
        MS_SCOPE,
        MS_POLICY,
        MS_GOVERNANCE,
    )
}

#: The organization's own documents, about no relationship, issued by the SER of its management
#: system; in the order they are offered.
ORGANIZATION_KINDS = (
    DocumentKind.CORPORATE_RMP,
    DocumentKind.MS_CONTEXT,
    DocumentKind.MS_STAKEHOLDERS,
    DocumentKind.MS_SCOPE,
    DocumentKind.MS_POLICY,
    DocumentKind.MS_GOVERNANCE,
)

#: Kinds that are joint from the start: started by the lead, read by every active party.
JOINT_KINDS = frozenset({DocumentKind.JOINT_RMP, DocumentKind.EXIT_EVALUATION})
