from lifecycle.api.views.evidence import EvidenceViewSet
from lifecycle.api.views.gates import ApprovalInboxViewSet, DecisionRecordViewSet, GateViewSet
from lifecycle.api.views.progress import FrameworkViewSet, RequirementViewSet, StageViewSet

__all__ = [
    "ApprovalInboxViewSet",
    "DecisionRecordViewSet",
    "EvidenceViewSet",
    "FrameworkViewSet",
    "GateViewSet",
    "RequirementViewSet",
    "StageViewSet",
]
