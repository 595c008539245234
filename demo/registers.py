"""The northwind-contoso partnership's risk register, in our own words: joint risks both sides
manage, and each side's internal ones the other never sees."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoRisk:
    owner: str  # organization slug; its relationship manager records it
    visibility: str
    title: str
    cause: str
    effect: str
    likelihood: int
    impact: int
    mitigation: str = ""
    status: str = "open"
    review_in_days: int | None = 30


PARTNERSHIP_RISKS = (
    DemoRisk(
        "northwind",
        "joint",
        "Peak-season capacity shortfall",
        "Both sides plan seasonal staff separately.",
        "Late deliveries in November and December.",
        4,
        4,
        "One joint staffing plan agreed by 1 September.",
        "treating",
        14,
    ),
    DemoRisk(
        "northwind",
        "joint",
        "Warehouse system outage",
        "The warehouse management system has no standby site.",
        "Orders cannot be picked for the length of the outage.",
        2,
        5,
        "Contoso tests a failover to its second data centre each quarter.",
        "treating",
        45,
    ),
    DemoRisk(
        "contoso",
        "joint",
        "Driver shortage on the northern routes",
        "Regional labour market is tight.",
        "Missed delivery slots for the northern stores.",
        3,
        3,
        "Shared subcontractor pool with two pre-approved carriers.",
        "open",
        21,
    ),
    DemoRisk(
        "contoso",
        "joint",
        "Returns data arrives late",
        "Store returns are keyed in at the end of the week.",
        "Stock figures are wrong for days and replenishment overshoots.",
        4,
        2,
        "Daily returns upload from the stores' handhelds.",
        "treating",
        10,
    ),
    DemoRisk(
        "northwind",
        "joint",
        "Service level definitions read differently",
        "The contract's on-time measure leaves the cut-off time open.",
        "Disputes over penalties at the monthly review.",
        2,
        3,
        "Joint definition written into the RMP's measures section.",
        "closed",
        None,
    ),
    DemoRisk(
        "northwind",
        "joint",
        "Cold-chain breach in summer",
        "Older trailers lose temperature on long waits at the docks.",
        "Chilled goods written off and customer complaints.",
        3,
        4,
        "Dock slots for chilled loads first; trailer replacement plan.",
        "open",
        30,
    ),
    DemoRisk(
        "northwind",
        "internal",
        "Dependence on one logistics partner",
        "Contoso handles all regional volume.",
        "Little leverage at renewal; no fallback if Contoso fails.",
        3,
        5,
        "Keep a warm second supplier for 10% of volume.",
        "open",
        60,
    ),
    DemoRisk(
        "northwind",
        "internal",
        "Margin pressure from the renewal",
        "Fuel and wage costs rise faster than the contract's index.",
        "Contoso may ask for a price rise above budget.",
        4,
        3,
        "Prepare a volume-for-price offer before the talks.",
        "open",
        40,
    ),
    DemoRisk(
        "northwind",
        "internal",
        "Key account manager leaving",
        "Our relationship lead has resigned effective next quarter.",
        "Knowledge of the partnership's history is lost.",
        5,
        2,
        "Handover plan and a second person in every meeting.",
        "treating",
        7,
    ),
    DemoRisk(
        "contoso",
        "internal",
        "Northwind volumes below forecast",
        "Northwind's store openings are delayed.",
        "Under-used warehouse space we pay for.",
        3,
        4,
        "Offer the spare space to two other customers.",
        "open",
        30,
    ),
    DemoRisk(
        "contoso",
        "internal",
        "Our sorting system nears end of life",
        "The sorter's vendor stops support next year.",
        "Breakdowns would stop Northwind's flows first.",
        2,
        4,
        "Replacement budgeted; Fabrikam quotes due in spring.",
        "open",
        90,
    ),
    DemoRisk(
        "contoso",
        "internal",
        "Payment terms squeeze our cash flow",
        "Northwind pays at 60 days.",
        "Short-term borrowing in the peak months.",
        3,
        2,
        "Ask for 30 days on peak-season invoices.",
        "open",
        45,
    ),
)


@dataclass(frozen=True)
class DemoIssue:
    owner: str  # organization slug; its relationship manager raises it
    visibility: str
    title: str
    description: str
    escalations: tuple[str, ...] = ()  # the reason of each move up the ladder, in order
    resolution: str = ""  # resolved with this, when given


PARTNERSHIP_ISSUES = (
    DemoIssue(
        "contoso",
        "joint",
        "Waiting time billed on October deliveries",
        "Contoso invoiced driver waiting time at three stores; Northwind reads the contract as "
        "excluding it.",
        escalations=(
            "The finance teams could not agree within the working team's three days.",
            "The joint management team split on the contract's wording; the SERs decide.",
        ),
    ),
    DemoIssue(
        "northwind",
        "joint",
        "Store opening hours changed without notice",
        "Two stores moved their goods-in window; deliveries arrived to closed doors.",
        escalations=("Stores keep changing windows; it needs both operations heads.",),
    ),
    DemoIssue(
        "contoso",
        "joint",
        "Handheld scanners drop orders",
        "The new scanners lose the order list when they switch network.",
    ),
    DemoIssue(
        "northwind",
        "joint",
        "Damaged pallets at the northern depot",
        "Broken pallets came back with the empties for four weeks.",
        resolution="Contoso replaced the pallet wrapper; damage back to normal since week 40.",
    ),
    DemoIssue(
        "northwind",
        "internal",
        "Our buyers bypass the joint forecast",
        "Promotions are planned without telling Contoso, then blamed on its capacity.",
    ),
)


@dataclass(frozen=True)
class DemoAsset:
    owner: str
    visibility: str
    name: str
    sharing: str
    conditions: str = ""
    description: str = ""


PARTNERSHIP_KNOWLEDGE = (
    DemoAsset(
        "northwind",
        "joint",
        "Store delivery windows",
        "share",
        description="Goods-in hours of every store, kept up to date by the stores.",
    ),
    DemoAsset(
        "northwind",
        "joint",
        "Weekly sales forecast per store",
        "conditions",
        "Contoso's capacity planners only, for staffing and trailers; never to carriers.",
    ),
    DemoAsset("contoso", "joint", "Warehouse occupancy reports", "share"),
    DemoAsset(
        "contoso",
        "joint",
        "Carrier rates",
        "do_not_share",
        description="Contoso's contracts with its subcontractors are its own.",
    ),
    DemoAsset(
        "northwind",
        "joint",
        "Customer complaint records",
        "conditions",
        "Only the case concerned, without the customer's name, to the depot that delivered.",
    ),
    DemoAsset(
        "northwind",
        "internal",
        "Supplier purchase prices",
        "do_not_share",
        description="Never leaves Northwind's buying team.",
    ),
    DemoAsset("contoso", "internal", "Our other customers' volumes", "do_not_share"),
)
