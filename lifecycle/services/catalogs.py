"""Framework catalogs: load the YAML files into the database, pick the latest, compare versions.

Catalogs are shared reference data, the same for every organization. A version, once
relationships run on it, only changes in wording: its items keep their stage and scope and none
that a requirement points at disappears. Anything more is a new version, which relationships
adopt through an explicit upgrade (``catalog_diff`` tells the upgrade what changed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from django.db import transaction

from lifecycle.models import Catalog, CatalogItem, Requirement
from lifecycle.services.catalog_files import (
    CatalogError,
    CatalogItemSpec,
    CatalogSpec,
    catalog_file_read,
    catalog_version_key,
)

__all__ = [
    "CATALOG_DIRECTORY",
    "CatalogDiff",
    "CatalogError",
    "CatalogLoadResult",
    "LoadOutcome",
    "catalog_diff",
    "catalog_latest",
    "catalog_version_key",
    "catalogs_load",
]

CATALOG_DIRECTORY = Path(__file__).resolve().parent.parent / "catalogs"

# What distinguishes two versions of an item. Position is left out on purpose: inserting one item
# would otherwise report every item after it as changed.
DIFF_FIELDS = ("stage", "scope", "title", "guidance", "mandatory", "evidence")
# What a reload of the same version may rewrite in place.
UPDATABLE_FIELDS = (*DIFF_FIELDS, "position")
# What a reload may not change under requirements that already point at an item.
FROZEN_FIELDS = ("stage", "scope")


class LoadOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class CatalogLoadResult:
    """What loading one file did to its catalog; keys are item ids in file order."""

    path: Path
    catalog: Catalog
    outcome: LoadOutcome
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def summary(self) -> str:
        name = f"{self.catalog.profile} v{self.catalog.version} ({self.path.name})"
        if self.outcome is LoadOutcome.UPDATED:
            return (
                f"{name}: updated, {len(self.added)} added, {len(self.changed)} changed, "
                f"{len(self.removed)} removed"
            )
        if self.outcome is LoadOutcome.CREATED:
            return f"{name}: created with {len(self.added)} items"
        return f"{name}: unchanged"


@dataclass(frozen=True)
class CatalogDiff:
    """How ``new`` differs from ``old``, by item key.

    ``added`` are in ``new`` only (in its order), ``removed`` in ``old`` only (in its order),
    ``changed`` maps each key present in both to the fields (of ``DIFF_FIELDS``) that differ.
    """

    old: Catalog
    new: Catalog
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def catalogs_load(*, directory: Path | None = None) -> list[CatalogLoadResult]:
    """Load every ``*.yaml`` catalog of ``directory`` (default ``lifecycle/catalogs``).

    Every file is read and validated before anything is written, then all catalogs are upserted
    by (profile, version) in one transaction. A file whose bytes are unchanged since the last
    load (same ``source_hash``) causes no write. A changed file for a known version updates the
    items' wording, flags and order, adds new items and deletes dropped ones, but refuses
    (``CatalogError``) to drop an item, or to change its stage or scope, while requirements
    point at it. Catalogs whose file disappeared are kept: relationships may still run on them.
    """
    directory = CATALOG_DIRECTORY if directory is None else directory
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise CatalogError(f"{directory}: no catalog files (*.yaml) found.")
    specs = [catalog_file_read(path=path) for path in paths]
    _check_one_file_per_version(specs)
    with transaction.atomic():
        return [_catalog_upsert(spec) for spec in specs]


def catalog_latest(profile: str) -> Catalog:
    """The loaded catalog of ``profile`` with the highest version ("2024.10" > "2024.9")."""
    catalogs = list(Catalog.objects.filter(profile=profile))
    if not catalogs:
        raise Catalog.DoesNotExist(
            f"No catalog is loaded for the profile {profile!r}; run manage.py load_catalogs."
        )
    return max(catalogs, key=lambda catalog: catalog_version_key(catalog.version))


def catalog_diff(*, old: Catalog, new: Catalog) -> CatalogDiff:
    """Compare two catalogs item by item (normally two versions of one profile)."""
    old_items = {item.key: item for item in old.items.order_by("position")}
    new_items = {item.key: item for item in new.items.order_by("position")}
    changed: dict[str, tuple[str, ...]] = {}
    for key, new_item in new_items.items():
        old_item = old_items.get(key)
        if old_item is None:
            continue
        fields = tuple(name for name in DIFF_FIELDS if _differs(old_item, new_item, name))
        if fields:
            changed[key] = fields
    return CatalogDiff(
        old=old,
        new=new,
        added=tuple(key for key in new_items if key not in old_items),
        removed=tuple(key for key in old_items if key not in new_items),
        changed=changed,
    )


def _check_one_file_per_version(specs: list[CatalogSpec]) -> None:
    seen: dict[tuple[str, str], Path] = {}
    for spec in specs:
        other = seen.setdefault((spec.profile, spec.version), spec.path)
        if other != spec.path:
            raise CatalogError(
                f"{spec.path}: {spec.profile} version {spec.version} is already defined by "
                f"{other}; give one of them a new version."
            )


def _catalog_upsert(spec: CatalogSpec) -> CatalogLoadResult:
    catalog = (
        Catalog.objects.select_for_update()
        .filter(profile=spec.profile, version=spec.version)
        .first()
    )
    if catalog is None:
        catalog = Catalog.objects.create(
            profile=spec.profile,
            version=spec.version,
            title=spec.title,
            source_hash=spec.source_hash,
        )
        CatalogItem.objects.bulk_create(_new_item(catalog, item) for item in spec.items)
        return CatalogLoadResult(
            path=spec.path,
            catalog=catalog,
            outcome=LoadOutcome.CREATED,
            added=tuple(item.key for item in spec.items),
        )
    if catalog.source_hash == spec.source_hash:
        return CatalogLoadResult(path=spec.path, catalog=catalog, outcome=LoadOutcome.UNCHANGED)
    return _catalog_update(catalog, spec)


def _catalog_update(catalog: Catalog, spec: CatalogSpec) -> CatalogLoadResult:
    existing = {item.key: item for item in catalog.items.order_by("position")}
    declared = {item.key: item for item in spec.items}
    removed = [key for key in existing if key not in declared]
    moved = [
        key
        for key, item in declared.items()
        if key in existing and any(_differs(existing[key], item, f) for f in FROZEN_FIELDS)
    ]
    _refuse_if_referenced(catalog, spec, removed=removed, moved=moved, existing=existing)

    changed = []
    for key, item in declared.items():
        row = existing.get(key)
        if row is None:
            continue
        fields = [name for name in UPDATABLE_FIELDS if _differs(row, item, name)]
        if fields:
            for name in fields:
                setattr(row, name, getattr(item, name))
            changed.append(row)
    added = [item for item in spec.items if item.key not in existing]

    if removed:
        CatalogItem.objects.filter(pk__in=[existing[key].pk for key in removed]).delete()
    if changed:
        CatalogItem.objects.bulk_update(changed, fields=list(UPDATABLE_FIELDS))
    if added:
        CatalogItem.objects.bulk_create(_new_item(catalog, item) for item in added)
    catalog.title = spec.title
    catalog.source_hash = spec.source_hash
    catalog.save(update_fields=["title", "source_hash", "loaded_at"])

    # Position-only changes count as changed for the load report; the diff ignores them.
    return CatalogLoadResult(
        path=spec.path,
        catalog=catalog,
        outcome=LoadOutcome.UPDATED,
        added=tuple(item.key for item in added),
        changed=tuple(row.key for row in changed),
        removed=tuple(removed),
    )


def _refuse_if_referenced(
    catalog: Catalog,
    spec: CatalogSpec,
    *,
    removed: list[str],
    moved: list[str],
    existing: dict[str, CatalogItem],
) -> None:
    at_risk = [existing[key].pk for key in (*removed, *moved)]
    if not at_risk:
        return
    # Catalog maintenance looks across every organization's requirements on purpose.
    referenced = set(
        # unscoped(system): catalog upkeep looks at every organization
        Requirement.objects.unscoped()
        .filter(item_id__in=at_risk)
        .values_list("item__key", flat=True)
        .distinct()
    )
    removed_in_use = [key for key in removed if key in referenced]
    if removed_in_use:
        raise CatalogError(
            f"{spec.path}: {catalog} still has requirements on {', '.join(removed_in_use)}; "
            "an item in use cannot be removed. Publish a new version instead.",
            code="catalog_item_in_use",
        )
    moved_in_use = [key for key in moved if key in referenced]
    if moved_in_use:
        raise CatalogError(
            f"{spec.path}: {catalog} still has requirements on {', '.join(moved_in_use)}; "
            "the stage or scope of an item in use cannot change. Publish a new version instead.",
            code="catalog_item_in_use",
        )


def _new_item(catalog: Catalog, item: CatalogItemSpec) -> CatalogItem:
    return CatalogItem(
        catalog=catalog, key=item.key, **{name: getattr(item, name) for name in UPDATABLE_FIELDS}
    )


def _differs(
    old: CatalogItem | CatalogItemSpec, new: CatalogItem | CatalogItemSpec, name: str
) -> bool:
    return getattr(old, name) != getattr(new, name)
