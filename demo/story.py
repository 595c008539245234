"""What Northwind and Contoso recorded on their way to working together: the demo's evidence.

Northwind (a food wholesaler) prepares alone in stages 1-3, picks Contoso (a logistics provider)
in stage 4 and invites it; Contoso then records its own preparation for the account, which
Northwind never sees. Items are the ``iso44001`` catalog ids; the texts are short, in our words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lifecycle.models import RequirementStatus


@dataclass(frozen=True)
class Proof:
    """One piece of evidence: a note, or a link when ``url`` is set."""

    title: str
    note: str = ""
    url: str = ""


@dataclass(frozen=True)
class JointStep:
    """Work on a joint requirement of the current stage: who records it, and how far it got."""

    item: str
    by: str  # organization slug; its manager records the evidence and owns the requirement
    status: str
    proofs: tuple[Proof, ...]
    due_in_days: int | None = None


@dataclass(frozen=True)
class Story:
    """Evidence by organization slug and catalog item, the SER's words at each gate, and the
    joint work under way in the stage the relationship has reached."""

    proofs: dict[str, dict[str, tuple[Proof, ...]]]
    gate_comments: dict[int, str] = field(default_factory=dict)
    joint_work: tuple[JointStep, ...] = ()


NW_FILES = "https://files.northwind.example/partnerships/contoso"
CT_DOCS = "https://docs.contoso.example/accounts/northwind"

NORTHWIND = {
    # Stage 1: operational awareness
    "iso44001:8.2.2": (
        Proof(
            "SER appointment",
            "The board named Margaret Hale, our COO, SER for regional logistics. She signs off "
            "the stage gates and chairs the quarterly review; spend above £250k goes to the board.",
        ),
    ),
    "iso44001:8.2.3": (
        Proof(
            "Governance map for outsourced logistics",
            "Outsourced warehousing sits under the Operations Committee. Finance and legal "
            "checked the map against our delegated authorities; internal audit signed it off.",
        ),
    ),
    "iso44001:8.2.4": (
        Proof(
            "Operational objectives",
            "Cut regional delivery cost per case by 8% in two years, keep on-time-in-full above "
            "97%, release the two leased depots. Each objective has an owner in Operations.",
        ),
    ),
    "iso44001:8.2.5": (
        Proof("Value analysis workbook", url=f"{NW_FILES}/value-analysis.xlsx"),
        Proof(
            "Value analysis summary",
            "Compared running the depots ourselves, spot contracts and a long-term partner. A "
            "partner wins on cost and resilience if we share forecasts with them.",
        ),
    ),
    "iso44001:8.2.6": (
        Proof(
            "Relationship ranking",
            "Regional logistics ranks second of our eleven key external relationships on spend "
            "and service risk, after packaging supply. Worth a collaborative approach.",
        ),
    ),
    "iso44001:8.2.7": (
        Proof(
            "Competence needs",
            "The team negotiates well but has little practice at joint planning. Two planners "
            "take the collaborative working course this spring, mentored by Tom Becker.",
        ),
    ),
    "iso44001:8.2.8": (
        Proof(
            "Initial risk register",
            "Top risks: service failure at Christmas peak, dependence on one provider, limits on "
            "sharing data, staff transfer. Each has an owner and a first response.",
        ),
    ),
    "iso44001:8.2.9": (
        Proof(
            "Internal RMP, version 1",
            "Scope, objectives, risks, people and next steps on four pages; approved by the SER.",
        ),
    ),
    # Stage 2: knowledge
    "iso44001:8.3.2": (
        Proof("Business case (board paper)", url=f"{NW_FILES}/business-case-board-paper.pdf"),
    ),
    "iso44001:8.3.3": (
        Proof(
            "Key people",
            "Tom Becker leads day to day; Aisha Bello owns data and reporting. Both did the "
            "competence self-assessment; Aisha gets coaching for the negotiation gap.",
        ),
    ),
    "iso44001:8.3.4": (
        Proof(
            "Knowledge plan",
            "A partner may see volumes, forecasts and service data; never supplier prices or "
            "margins. Shared files live in one controlled folder with an owner.",
        ),
    ),
    "iso44001:8.3.5": (
        Proof(
            "Supply-chain analysis",
            "Mapped our 40 largest suppliers through to stores. Chilled goods and the Christmas "
            "peak carry the most risk; a partner with cold-chain capacity lowers it.",
        ),
    ),
    "iso44001:8.3.6": (
        Proof(
            "Risk process",
            "We use the corporate method: monthly review, impact times likelihood, anything "
            "above 15 goes to the SER within a week.",
        ),
    ),
    "iso44001:8.3.7": (
        Proof(
            "Business case decision",
            "Finance tested the case on a low-volume and a high-volume scenario; it pays back in "
            "both. The SER approved going to market.",
        ),
    ),
    "iso44001:8.3.8": (
        Proof(
            "Internal RMP, version 2, with an exit outline",
            "The RMP now holds the business case and the knowledge plan. Exit outline: twelve "
            "months' notice, stock and data returned, staff transfer terms to agree.",
        ),
    ),
    # Stage 3: internal assessment
    "iso44001:8.4.2": (
        Proof(
            "Collaboration self-assessment",
            "Scored ourselves on the twelve principles: strong on objectives and governance, "
            "weak on information sharing and joint risk work.",
        ),
    ),
    "iso44001:8.4.3": (
        Proof(
            "Strengths and weaknesses",
            "Strengths: good demand data, a committed sponsor. Weaknesses: siloed IT, little "
            "joint planning. Actions: open the forecast feed, train the planners.",
        ),
    ),
    "iso44001:8.4.4": (
        Proof("Collaborative profile", url="https://intranet.northwind.example/cbrm/profile-2024"),
    ),
    "iso44001:8.4.5": (
        Proof(
            "Relationship leader",
            "Tom Becker is the relationship leader, with a mandate to agree service levels "
            "within the approved budget.",
        ),
    ),
    "iso44001:8.4.6": (
        Proof(
            "Weighted selection criteria",
            "Cold-chain capacity 30%, service record 25%, cultural fit 20%, cost 15%, financial "
            "strength 10%.",
        ),
    ),
    "iso44001:8.4.7": (
        Proof(
            "RMP actions",
            "Twelve actions in the RMP; the forecast feed and the planner training are done, the "
            "rest have dates.",
        ),
    ),
    # Stage 4: partner selection (8.5.6, 8.5.7 and 8.5.9 are joint: Contoso sees them)
    "iso44001:8.5.2": (
        Proof(
            "Candidates",
            "Contoso, Bluewater Freight and one national carrier: each has the size and the "
            "chilled capacity we need.",
        ),
    ),
    "iso44001:8.5.3": (
        Proof(
            "Candidate scores",
            "Against the weighted criteria: Contoso 82, the national carrier 71, Bluewater 64. "
            "Contoso leads on cold chain and on fit.",
        ),
    ),
    "iso44001:8.5.4": (
        Proof(
            "Engagement strategy",
            "Start with a site visit, share volumes under NDA, agree principles before prices, "
            "keep the carrier warm until Contoso signs.",
        ),
    ),
    "iso44001:8.5.5": (
        Proof(
            "First meetings",
            "Visited Contoso's Venlo warehouse, then ran a joint planning workshop two weeks "
            "later. Notes are in the partnership folder.",
        ),
    ),
    "iso44001:8.5.6": (
        Proof(
            "Draft joint objectives",
            "Three drafts agreed at the workshop: lower cost per case, on-time-in-full above "
            "97%, one shared forecast within six months.",
        ),
    ),
    "iso44001:8.5.7": (
        Proof(
            "Outline joint exit strategy",
            "Either side may leave on twelve months' notice; stock, data and shared tools go "
            "back within 60 days; people transfer as the contract will say.",
        ),
    ),
    "iso44001:8.5.8": (
        Proof(
            "Selection decision",
            "The SER chose Contoso as preferred partner; the national carrier was thanked and "
            "told no.",
        ),
    ),
    "iso44001:8.5.9": (Proof("Joint RMP, draft 0.1", url=f"{NW_FILES}/joint-rmp-draft-0.1.docx"),),
}

CONTOSO = {
    # Stage 1: Contoso's own preparation for the account, after it was invited
    "iso44001:8.2.2": (
        Proof(
            "SER for the Northwind account",
            "Sofia Marquez, managing director Benelux, answers for the account: she approves "
            "our side's decisions and commits warehouse capacity.",
        ),
    ),
    "iso44001:8.2.3": (
        Proof(
            "Governance check",
            "Key accounts report to the management team monthly; legal confirmed our contract "
            "approval limits apply to this one.",
        ),
    ),
    "iso44001:8.2.4": (
        Proof(
            "Objectives for the account",
            "Fill 20,000 pallet places in Venlo, grow food logistics to a third of revenue, "
            "earn at least a 6% margin from year two.",
        ),
    ),
    "iso44001:8.2.5": (
        Proof(
            "Cost-to-serve model",
            "On Northwind's volumes the account turns positive in month nine, if the chilled "
            "volumes arrive as forecast.",
        ),
    ),
    "iso44001:8.2.6": (
        Proof(
            "Account priority",
            "Northwind is first among our food prospects; it fits the Venlo site and the "
            "northern routes.",
        ),
    ),
    "iso44001:8.2.7": (
        Proof(
            "Competence needs",
            "The account team needs food-safety audit skills: two supervisors are being certified.",
        ),
    ),
    "iso44001:8.2.8": (
        Proof(
            "Initial risks",
            "Peak-season staffing, chilled capacity, margin pressure in the first year.",
        ),
    ),
    "iso44001:8.2.9": (Proof("Account RMP, version 1", url=f"{CT_DOCS}/account-rmp-v1"),),
    # Stage 2
    "iso44001:8.3.2": (
        Proof(
            "Account strategy and business case",
            "Build a second chilled chamber if Northwind commits volumes for three years.",
        ),
    ),
    "iso44001:8.3.3": (
        Proof(
            "Key individuals",
            "Henrik Larsen leads the account, Grace Mensah runs the site. Both assessed; Grace "
            "joins the partnership training.",
        ),
    ),
    "iso44001:8.3.4": (
        Proof(
            "Knowledge plan",
            "We share capacity, service data and cost drivers. Other customers' data and our "
            "subcontractors' rates stay ours.",
        ),
    ),
    "iso44001:8.3.5": (
        Proof(
            "Subcontractor risks",
            "Two hauliers cover the last mile in the north; both audited, one needs a backup.",
        ),
    ),
    "iso44001:8.3.6": (
        Proof(
            "Account risk process",
            "Monthly risk review with the site; anything that threatens service goes to the SER.",
        ),
    ),
    "iso44001:8.3.7": (
        Proof(
            "Business case decision",
            "The management team approved the bid and the chilled chamber, subject to contract.",
        ),
    ),
    "iso44001:8.3.8": (
        Proof(
            "Account RMP, version 2, with an exit outline",
            "If the account ends, the chilled chamber goes to other food customers within six "
            "months.",
        ),
    ),
    # Stage 3
    "iso44001:8.4.2": (
        Proof(
            "Capability self-assessment",
            "Good operational discipline; weaker at sharing our plans openly with customers.",
        ),
    ),
    "iso44001:8.4.3": (
        Proof(
            "Strengths and weaknesses",
            "Actions: open our capacity plan to key customers, review KPIs with them monthly.",
        ),
    ),
    "iso44001:8.4.4": (
        Proof(
            "Collaborative profile",
            url="https://docs.contoso.example/company/collaborative-profile.pdf",
        ),
    ),
    "iso44001:8.4.5": (
        Proof(
            "Account leadership",
            "Henrik Larsen is relationship leader, with authority over the Venlo site plan.",
        ),
    ),
    "iso44001:8.4.6": (
        Proof(
            "What we look for in a customer",
            "Shares forecasts, pays on time, willing to split the savings.",
        ),
    ),
    "iso44001:8.4.7": (
        Proof("RMP actions", "Eight actions, five done; the chilled chamber is being designed."),
    ),
    # Stage 4: its internal part, then a word on the joint objectives Northwind drafted
    "iso44001:8.5.2": (
        Proof(
            "Other prospects",
            "Two other food wholesalers were approached; both less ready to share forecasts.",
        ),
    ),
    "iso44001:8.5.3": (
        Proof(
            "Prospect scores",
            "Against our criteria: Northwind 78, the other two 60 and 55.",
        ),
    ),
    "iso44001:8.5.4": (
        Proof(
            "Negotiation plan",
            "Lead with service and shared savings, hold the price floor, no exclusivity "
            "outside the Benelux.",
        ),
    ),
    "iso44001:8.5.5": (
        Proof(
            "Initial engagement",
            "Hosted Northwind in Venlo and took part in the joint planning workshop.",
        ),
    ),
    "iso44001:8.5.8": (
        Proof("Decision to proceed", "The SER agreed to accept Northwind's invitation."),
    ),
    "iso44001:8.5.6": (
        Proof(
            "Contoso on the joint objectives",
            "We can hold 97% on-time-in-full from month four, once the chilled chamber is open.",
        ),
    ),
}

NORTHWIND_CONTOSO = Story(
    proofs={"northwind": NORTHWIND, "contoso": CONTOSO},
    gate_comments={
        1: "Objectives, first risks and the plan are clear. Go ahead with the business case.",
        2: "The case holds in both scenarios. Look at ourselves before we approach anyone.",
        3: "The criteria are sound and weighted as agreed. Start partner selection.",
        4: "Contoso is the right choice and has accepted. Let us start working together.",
    },
    joint_work=(
        JointStep(
            "iso44001:8.6.2",
            by="northwind",
            status=RequirementStatus.MET,
            proofs=(
                Proof(
                    "Joint management team",
                    "Tom Becker and Henrik Larsen co-chair a joint team that meets every two "
                    "weeks; the SERs meet each quarter. Decision rights are in the charter.",
                ),
                Proof("Joint governance charter", url=f"{NW_FILES}/governance-charter.pdf"),
            ),
        ),
        JointStep(
            "iso44001:8.6.8",
            by="northwind",
            status=RequirementStatus.MET,
            proofs=(
                Proof(
                    "Escalation ladder",
                    "Site managers first (two days), then the relationship leaders (a week), "
                    "then the SERs. Agreed by the joint team.",
                ),
            ),
        ),
        JointStep(
            "iso44001:8.6.4",
            by="contoso",
            status=RequirementStatus.IN_PROGRESS,
            proofs=(
                Proof(
                    "Joint risk register, first pass",
                    "Fourteen joint risks listed, owners agreed for ten. Peak staffing and "
                    "chilled capacity score highest.",
                ),
            ),
            due_in_days=21,
        ),
        JointStep(
            "iso44001:8.6.6",
            by="contoso",
            status=RequirementStatus.IN_PROGRESS,
            proofs=(Proof("KPI dashboard (pilot)", url="https://reports.contoso.example/nw/kpi"),),
            due_in_days=30,
        ),
        JointStep(
            "iso44001:8.6.10",
            by="northwind",
            status=RequirementStatus.IN_PROGRESS,
            proofs=(
                Proof(
                    "Contract status",
                    "The master services agreement is with both legal teams; signature is "
                    "planned for the next SER meeting.",
                ),
            ),
            due_in_days=45,
        ),
    ),
)
