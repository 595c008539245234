"""Browser URLs of the lifecycle, under ``/o/<org_slug>/`` like every page of tenant data."""

from django.urls import include, path

from lifecycle import document_views, views

document_patterns = [
    path("", document_views.document_list, name="document-list"),
    path("start/", document_views.document_start, name="document-start"),
    path("<int:pk>/", document_views.document_page, name="document-page"),
    path(
        "<int:pk>/versions/", document_views.version_request_view, name="document-version-request"
    ),
    path(
        "<int:pk>/versions/<int:number>/decide/",
        document_views.version_decide_view,
        name="document-version-decide",
    ),
    path(
        "<int:pk>/versions/<int:number>/pdf/",
        document_views.version_pdf_view,
        name="document-version-pdf",
    ),
    path("<int:pk>/compare/", document_views.version_compare_view, name="document-compare"),
    path(
        "<int:pk>/sections/<slug:key>/", document_views.section_edit, name="document-section-edit"
    ),
    path(
        "<int:pk>/sections/<slug:key>/editing/",
        document_views.section_editing,
        name="document-section-editing",
    ),
]

relationship_patterns = [
    path(
        "requirements/<int:requirement_pk>/",
        views.requirement_page,
        name="relationship-requirement",
    ),
    path(
        "requirements/<int:requirement_pk>/status/",
        views.requirement_status,
        name="relationship-requirement-status",
    ),
    path(
        "requirements/<int:requirement_pk>/plan/",
        views.requirement_plan,
        name="relationship-requirement-plan",
    ),
    path(
        "requirements/<int:requirement_pk>/evidence/",
        views.evidence_add,
        name="relationship-evidence-add",
    ),
    path(
        "requirements/<int:requirement_pk>/evidence/pin/",
        views.evidence_pin,
        name="relationship-evidence-pin",
    ),
    path(
        "evidence/<int:evidence_pk>/status/",
        views.evidence_status,
        name="relationship-evidence-status",
    ),
    path(
        "evidence/<int:evidence_pk>/replace/",
        views.evidence_replace,
        name="relationship-evidence-replace",
    ),
    path(
        "evidence/<int:evidence_pk>/download/",
        views.evidence_download,
        name="relationship-evidence-download",
    ),
    path("gate/", views.gate_page, name="relationship-gate"),
    path("gate/request/", views.gate_request_view, name="relationship-gate-request"),
    path("gates/<int:gate_pk>/decide/", views.gate_decide_view, name="relationship-gate-decide"),
]

urlpatterns = [
    path("o/<slug:org_slug>/approvals/", views.approvals, name="approvals"),
    path("o/<slug:org_slug>/relationships/<int:pk>/", include(relationship_patterns)),
    path("o/<slug:org_slug>/documents/", include(document_patterns)),
]
