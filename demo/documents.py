"""The demo's controlled documents: the Northwind and Contoso partnership's joint RMP and exit
strategy, each side's internal RMP of it, and Northwind's corporate RMP. In our own words."""

from __future__ import annotations

from dataclasses import dataclass

from lifecycle.sections import DocumentKind

PARTNERSHIP = ("northwind", "Northwind and Contoso distribution partnership")


@dataclass(frozen=True)
class DemoSection:
    by: str  # organization slug of the writer (its relationship manager writes)
    body: str = ""
    fields: dict | None = None


@dataclass(frozen=True)
class DemoDocument:
    kind: DocumentKind
    owner: str  # organization slug that starts it
    relationship: tuple[str, str] | None
    sections: dict[str, DemoSection]
    shared: bool = False  # an exit strategy the lead shares with the partners
    #: Issue the sections above as version 1 (every SER approves), then write these on the
    #: draft: the demo has an issued version and a draft with changes.
    issue: bool = False
    after_issue: dict[str, DemoSection] | None = None


_TEAM = [
    {"person": "Tom Becker", "party": "Northwind Traders", "role": "Co-chair"},
    {"person": "Henrik Larsen", "party": "Contoso Ltd", "role": "Co-chair"},
    {"person": "Priya Nair", "party": "Northwind Traders", "role": "Demand planning"},
]

DOCUMENTS = (
    DemoDocument(
        DocumentKind.JOINT_RMP,
        "northwind",
        PARTNERSHIP,
        {
            "purpose": DemoSection(
                "northwind",
                "Contoso runs Northwind's regional warehousing and last-mile delivery in the "
                "north-west. Together we aim to **cut delivery lead time by a day** while "
                "keeping cost per parcel flat.\n\nOut of scope: international freight and "
                "Northwind's own stores.",
            ),
            "parties": DemoSection(
                "northwind",
                "Both SERs confirmed their role in writing in March; they meet every quarter.",
            ),
            "objectives": DemoSection(
                "contoso",
                "- On-time-in-full deliveries at 97% from month four\n"
                "- Chilled capacity ready before the summer peak\n"
                "- One shared forecast, refreshed weekly",
            ),
            "governance": DemoSection(
                "northwind",
                "The joint management team meets every two weeks; minutes are shared within two "
                "working days.",
                {
                    "meeting_cadence": "fortnightly",
                    "management_team": _TEAM,
                    "decision_rights": [
                        {
                            "decision": "Service level changes",
                            "decided_by": "Joint management team",
                            "escalation": "SERs",
                        },
                        {
                            "decision": "Capital spend over 250k",
                            "decided_by": "Both SERs",
                            "escalation": "Boards",
                        },
                    ],
                },
            ),
            "resources": DemoSection(
                "contoso",
                "",
                {
                    "resources": [
                        {
                            "party": "Contoso Ltd",
                            "resource": "Chilled chamber",
                            "amount": "1,200 pallets",
                            "period": "From June",
                        },
                        {
                            "party": "Northwind Traders",
                            "resource": "Demand planners",
                            "amount": "2 people",
                            "period": "Ongoing",
                        },
                    ]
                },
            ),
            "issue_resolution": DemoSection(
                "northwind",
                "Most issues stop at the first level; the ladder exists so none waits.",
                {
                    "ladder": [
                        {"level": "1", "who": "Site managers", "time_limit": "2 days"},
                        {"level": "2", "who": "Relationship leaders", "time_limit": "1 week"},
                        {"level": "3", "who": "SERs", "time_limit": "2 weeks"},
                    ]
                },
            ),
        },
        issue=True,
        after_issue={
            "objectives": DemoSection(
                "contoso",
                "- On-time-in-full deliveries at 97% from month four\n"
                "- Chilled capacity ready before the summer peak\n"
                "- One shared forecast, refreshed **twice a week** from September",
            ),
        },
    ),
    DemoDocument(
        DocumentKind.EXIT_STRATEGY,
        "northwind",
        PARTNERSHIP,
        {
            "triggers": DemoSection(
                "northwind",
                "- Service below 90% on-time-in-full for three months running\n"
                "- A change of control at either party\n"
                "- Either party gives twelve months' notice",
            ),
            "continuity": DemoSection(
                "northwind",
                "Contoso keeps delivering for six months after notice while Northwind moves "
                "volumes, region by region.",
            ),
            "data": DemoSection(
                "contoso",
                "Shipment and forecast data go back to Northwind within 30 days; Contoso keeps "
                "only what the law requires.",
            ),
            "decision_rights": DemoSection(
                "northwind",
                "",
                {
                    "decision_rights": [
                        {
                            "decision": "Activate the exit",
                            "decided_by": "Both SERs",
                            "escalation": "Boards",
                        }
                    ]
                },
            ),
        },
        shared=True,
        issue=True,
    ),
    DemoDocument(
        DocumentKind.INTERNAL_RMP,
        "northwind",
        PARTNERSHIP,
        {
            "objectives": DemoSection(
                "northwind",
                "Lower logistics cost per parcel by 6% in two years without losing service.",
            ),
            "risks": DemoSection(
                "northwind",
                "Depending on one logistics partner in the region; we keep a second carrier "
                "warm for 10% of volumes.",
            ),
        },
    ),
    DemoDocument(
        DocumentKind.INTERNAL_RMP,
        "contoso",
        PARTNERSHIP,
        {
            "objectives": DemoSection(
                "contoso",
                "Fill the new chilled chamber; reach a 9% margin on the Northwind account.",
            ),
            "resources": DemoSection(
                "contoso",
                "",
                {
                    "resources": [
                        {
                            "party": "Contoso Ltd",
                            "resource": "Account team",
                            "amount": "3 people",
                            "period": "Year one",
                        }
                    ]
                },
            ),
        },
    ),
    DemoDocument(
        DocumentKind.CORPORATE_RMP,
        "northwind",
        None,
        {
            "policy": DemoSection(
                "northwind",
                "Northwind works with partners where together we serve customers better than "
                "either could alone. This plan covers logistics, sourcing and store services.",
            ),
            "roles": DemoSection(
                "northwind",
                "",
                {
                    "roles": [
                        {
                            "role": "SER, logistics partnerships",
                            "holder": "Margaret Hale",
                            "responsibilities": "Approves stage gates and joint plans",
                        }
                    ]
                },
            ),
            "review": DemoSection(
                "northwind",
                "The executive team reviews this plan and every relationship's maturity once "
                "a year.",
            ),
        },
        # Issued by Northwind's management-system SER, in its own chain of the ledger.
        issue=True,
    ),
    # Northwind is on its way to certification: its context and policy are issued.
    DemoDocument(
        DocumentKind.MS_CONTEXT,
        "northwind",
        None,
        {
            "issues": DemoSection(
                "northwind",
                "The issues the executive team reviewed in its spring planning.",
                {
                    "issues": [
                        {
                            "issue": "Retail customers expect next-day delivery everywhere",
                            "origin": "External",
                            "effect": "We need logistics partners we can plan with",
                            "response": "Joint planning with two logistics partners",
                        },
                        {
                            "issue": "Packaging rules tighten in 2027",
                            "origin": "External",
                            "effect": "Suppliers must change materials with us",
                            "response": "The sustainable sourcing ecosystem",
                        },
                        {
                            "issue": "Few people have run a joint relationship before",
                            "origin": "Internal",
                            "effect": "Relationships depend on a handful of managers",
                            "response": "Competence assessments and coaching",
                        },
                    ]
                },
            ),
            "review": DemoSection(
                "northwind",
                "The executive team reviews the context every spring, and when a relationship "
                "ends; changes go to the policy and the portfolio.",
            ),
        },
        issue=True,
    ),
    DemoDocument(
        DocumentKind.MS_POLICY,
        "northwind",
        None,
        {
            "intent": DemoSection(
                "northwind",
                "We collaborate where a partner and we together serve customers better, more "
                "sustainably or at lower risk than either of us alone.",
            ),
            "behaviours": DemoSection(
                "northwind",
                "We share what the partner needs to plan, raise problems early, keep our "
                "promises and settle disagreements on the agreed ladder.",
            ),
            "commitments": DemoSection(
                "northwind",
                "We meet the requirements that apply to our collaborations and improve the "
                "way we run them every year.",
            ),
            "communication": DemoSection(
                "northwind",
                "Every relationship manager receives the policy on appointment; partners "
                "receive it with the joint plan.",
            ),
        },
        issue=True,
    ),
)
