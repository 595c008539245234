"""Models of the lifecycle app, re-exported for ``from lifecycle.models import ...``."""

from lifecycle.models.catalogs import Catalog, CatalogItem
from lifecycle.models.choices import (
    CLOSING_KINDS,
    ISSUE_CLOSING_KINDS,
    REQUEST_KINDS,
    SETTLED_STATUSES,
    ApproverPool,
    EvidenceKind,
    EvidenceStatus,
    GateKind,
    GateStatus,
    ItemScope,
    RecordKind,
    RequirementStatus,
    Stage,
    StageState,
    VersionStatus,
)
from lifecycle.models.documents import (
    Document,
    DocumentPdf,
    DocumentVersion,
    Section,
    SectionEditing,
)
from lifecycle.models.ledger import GENESIS_HASH, DecisionRecord, GateApprover
from lifecycle.models.progress import Evidence, RelationshipFramework, Requirement

__all__ = [
    "CLOSING_KINDS",
    "GENESIS_HASH",
    "ISSUE_CLOSING_KINDS",
    "REQUEST_KINDS",
    "SETTLED_STATUSES",
    "ApproverPool",
    "Catalog",
    "CatalogItem",
    "DecisionRecord",
    "Document",
    "DocumentPdf",
    "DocumentVersion",
    "Evidence",
    "EvidenceKind",
    "EvidenceStatus",
    "GateApprover",
    "GateKind",
    "GateStatus",
    "ItemScope",
    "RecordKind",
    "RelationshipFramework",
    "Requirement",
    "RequirementStatus",
    "Section",
    "SectionEditing",
    "Stage",
    "StageState",
    "VersionStatus",
]
