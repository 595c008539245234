"""Writing controlled documents: starting one, saving a section without losing anyone's edit,
sharing the exit strategy with the partners, and the "being edited by" mark."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cbrms.errors import Conflict, PreconditionFailed, ValidationFailed
from lifecycle.markdown import render_markdown
from lifecycle.models import Document, Section, SectionEditing, Stage
from lifecycle.sections import (
    DOCUMENTS,
    JOINT_KINDS,
    MAX_BODY,
    MAX_CELL,
    MAX_ROWS,
    ORGANIZATION_KINDS,
    DocumentKind,
    FieldSpec,
    SectionSpec,
)
from relationships.models import Membership, Organization, Relationship, Visibility
from relationships.services.relationships import relationship_ensure_open, require_lead

#: How long "being edited by" lasts without being refreshed (the form refreshes it meanwhile).
EDITING_MARK_TTL = timedelta(seconds=90)

#: The stage from which each kind of relationship document may be started.
STARTS_IN = {
    DocumentKind.INTERNAL_RMP: Stage.OPERATIONAL_AWARENESS,
    DocumentKind.EXIT_STRATEGY: Stage.KNOWLEDGE,
    DocumentKind.JOINT_RMP: Stage.PARTNER_SELECTION,
    DocumentKind.EXIT_EVALUATION: Stage.EXIT,
}


def _article(label: str) -> str:
    return "An" if label[0].lower() in "aeiou" else "A"


def _default_title(kind: DocumentKind, relationship: Relationship | None, organization) -> str:
    label = DocumentKind(kind).label
    return f"{label}: {relationship.name if relationship else organization.name}"[:200]


def document_start_check(
    *, kind: str, organization: Organization, relationship: Relationship | None
) -> tuple[Organization, str]:
    """Whether ``organization`` may start a document of ``kind`` (of ``relationship``) now:
    its owner and visibility, or the refusal. Pages ask it before offering the button."""
    kind = DocumentKind(kind)
    if kind in ORGANIZATION_KINDS:
        if relationship is not None:
            raise ValidationFailed(
                f"The {kind.label.lower()} belongs to the organization, not to a relationship.",
                fields={"relationship": ["Leave it out for the organization's own documents."]},
            )
        return organization, Visibility.INTERNAL
    if relationship is None:
        raise ValidationFailed(
            f"{_article(kind.label)} {kind.label.lower()} belongs to a relationship.",
            fields={"relationship": ["Name the relationship."]},
        )
    relationship_ensure_open(relationship)
    if relationship.current_stage < STARTS_IN[kind]:
        stage = Stage(STARTS_IN[kind])
        raise Conflict(
            f"{_article(kind.label)} {kind.label.lower()} starts in stage {stage.value}, "
            f"{stage.label}.",
            code="too_early",
        )
    if kind in JOINT_KINDS:
        require_lead(
            relationship=relationship,
            organization=organization,
            action=f"start the {kind.label.lower()}",
        )
        return relationship.lead_organization, Visibility.JOINT
    return organization, Visibility.INTERNAL


@transaction.atomic
def document_create(
    *,
    kind: str,
    organization: Organization,
    membership: Membership | None = None,
    relationship: Relationship | None = None,
    title: str = "",
) -> Document:
    """Start a document of ``kind`` with its sections, empty.

    The organization's own documents (the corporate RMP, and its management system's context,
    interested parties, scope, policy and governance) are one of each per organization. A
    relationship's documents start in their stage (``STARTS_IN``): the internal RMP and the exit
    strategy are the starting organization's, internal; the joint RMP is started by the lead, is
    the lead's and is joint. One of each per organization and relationship.
    """
    kind = DocumentKind(kind)
    owner, visibility = document_start_check(
        kind=kind, organization=organization, relationship=relationship
    )
    try:
        with transaction.atomic():
            # unscoped(create): the caller resolved the relationship; the row is its owner's
            document = Document.objects.unscoped().create(
                relationship=relationship,
                organization=owner,
                kind=kind,
                visibility=visibility,
                title=title.strip() or _default_title(kind, relationship, organization),
                created_by=membership,
            )
    except IntegrityError:
        raise Conflict(
            f"This {kind.label.lower()} exists already.", code="document_exists"
        ) from None
    # unscoped(create): the sections of the document just made
    Section.objects.unscoped().bulk_create(
        Section(
            document=document,
            relationship=relationship,
            organization=owner,
            visibility=visibility,
            key=spec.key,
            position=position,
        )
        for position, spec in enumerate(DOCUMENTS[kind].sections, start=1)
    )
    return document


@transaction.atomic
def document_share(*, document: Document, organization: Organization) -> Document:
    """The lead's exit strategy joins the joint workspace (from stage 5, Working together):
    every active party then reads and edits it, and it is issued by all their SERs."""
    if document.kind != DocumentKind.EXIT_STRATEGY:
        raise Conflict("Only an exit strategy is shared this way.", code="not_shareable")
    relationship = document.relationship
    relationship_ensure_open(relationship)
    require_lead(
        relationship=relationship, organization=organization, action="share the exit strategy"
    )
    if document.visibility == Visibility.JOINT:
        raise Conflict("The exit strategy is joint already.", code="already_joint")
    if relationship.current_stage < Stage.WORKING_TOGETHER:
        raise Conflict(
            "The exit strategy becomes joint in stage 5, Working together.", code="too_early"
        )
    document.visibility = Visibility.JOINT
    document.save(update_fields=["visibility", "updated_at"])
    # unscoped(by-id): the document's own sections
    Section.objects.unscoped().filter(document=document).update(visibility=Visibility.JOINT)
    return document


# --- sections ------------------------------------------------------------------------------


def _clean_fields(spec: SectionSpec, fields: dict) -> dict:
    """``fields`` checked against the section's structured fields; every problem at once."""
    if not isinstance(fields, dict):
        raise ValidationFailed(
            "Structured fields are an object.", fields={"fields": ["Expected an object."]}
        )
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for key, value in fields.items():
        field = spec.field(key)
        if field is None:
            known = ", ".join(f.key for f in spec.fields) or "none"
            errors[key] = [f"Not a field of this section (its fields: {known})."]
            continue
        problem, value = _clean_value(field, value)
        if problem:
            errors[key] = [problem]
        else:
            clean[key] = value
    if errors:
        raise ValidationFailed("Some structured fields are not valid.", fields=errors)
    return clean


def _clean_value(field: FieldSpec, value) -> tuple[str, object]:
    if field.kind == "choice":
        allowed = [key for key, _ in field.choices]
        if value in ("", None):
            return "", ""
        if value not in allowed:
            return f"Choose one of: {', '.join(allowed)}.", None
        return "", value
    if field.kind == "text":
        if not isinstance(value, str) or len(value) > MAX_CELL:
            return f"A text of at most {MAX_CELL} characters.", None
        return "", value.strip()
    # a table: a list of rows, each an object of the columns' texts
    columns = [key for key, _ in field.columns]
    if not isinstance(value, list) or len(value) > MAX_ROWS:
        return f"A list of at most {MAX_ROWS} rows.", None
    rows = []
    for number, row in enumerate(value, start=1):
        if not isinstance(row, dict) or set(row) - set(columns):
            return f"Row {number}: an object with the columns {', '.join(columns)}.", None
        if any(not isinstance(v, str) or len(v) > MAX_CELL for v in row.values()):
            return f"Row {number}: each cell a text of at most {MAX_CELL} characters.", None
        cells = {column: row.get(column, "").strip() for column in columns}
        if any(cells.values()):  # a row left empty is dropped
            rows.append(cells)
    return "", rows


def section_spec(section: Section) -> SectionSpec:
    spec = DOCUMENTS[section.document.kind].section(section.key)
    if spec is None:  # a section of an older template: kept, read only
        raise Conflict("This section is no longer part of the document.", code="section_retired")
    return spec


def section_save(
    *,
    section: Section,
    membership: Membership,
    expected_version: int,
    body: str | None = None,
    fields: dict | None = None,
) -> Section:
    """Save ``section`` as of ``expected_version``, the version the writer started from.

    If someone saved in between, nothing is written and ``PreconditionFailed`` carries the
    current section, so the writer can merge; two writers from one version: exactly one wins.
    What is not given is kept. Saving what is already there changes nothing, not the version.
    """
    spec = section_spec(section)
    document = section.document
    if document.relationship_id is not None:
        relationship_ensure_open(document.relationship)
    changes: dict = {}
    if body is not None:
        # Browsers send a textarea's lines with CRLF, API clients mostly with LF: one text, one
        # hash, whichever way it came.
        body = body.replace("\r\n", "\n").replace("\r", "\n")
        if len(body) > MAX_BODY:
            raise ValidationFailed(
                f"The text is longer than {MAX_BODY} characters.",
                fields={"body": [f"At most {MAX_BODY} characters."]},
            )
        changes["body"] = body
        changes["body_html"] = render_markdown(body)
    if fields is not None:
        changes["fields"] = {**section.fields, **_clean_fields(spec, fields)}
    with transaction.atomic():
        # unscoped(lock): the section the caller resolved, read again under the lock
        current = Section.objects.unscoped().select_for_update().get(pk=section.pk)
        if current.version != expected_version:
            raise PreconditionFailed(
                f"Someone saved this section after you opened it (version {expected_version}); "
                f"it is now at version {current.version}. Nothing of yours was saved.",
                extra={"current_version": current.version},
            )
        if all(getattr(current, name) == value for name, value in changes.items()):
            return current
        # unscoped(by-id): the row locked above
        Section.objects.unscoped().filter(pk=section.pk).update(
            **changes, version=F("version") + 1, updated_by=membership, updated_at=timezone.now()
        )
        # unscoped(by-id): the writer's own mark on the section
        SectionEditing.objects.unscoped().filter(section=section, membership=membership).delete()
    saved = Section.objects.unscoped()  # unscoped(by-id): the row just written
    return saved.select_related("document", "updated_by__user").get(pk=section.pk)


def section_editing_mark(*, section: Section, membership: Membership) -> SectionEditing:
    """Mark (or keep marking) ``membership`` as editing ``section`` for ``EDITING_MARK_TTL``."""
    # unscoped(create): the member's own mark on a section it resolved
    mark, _ = SectionEditing.objects.unscoped().update_or_create(
        section=section,
        membership=membership,
        defaults={
            "relationship_id": section.relationship_id,
            "organization_id": membership.organization_id,
            "visibility": section.visibility,
            "expires_at": timezone.now() + EDITING_MARK_TTL,
        },
    )
    return mark


def section_editing_clear(*, section: Section, membership: Membership) -> None:
    # unscoped(by-id): the member's own mark
    SectionEditing.objects.unscoped().filter(section=section, membership=membership).delete()
