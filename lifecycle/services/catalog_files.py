"""Catalog files: read and validate one ``lifecycle/catalogs/*.yaml`` file, without the database.

The file format (one file per profile version)::

    profile: iso44001            # a FrameworkProfile value
    version: "2024.1"            # dotted numbers, quoted
    title: "..."
    items:
      - id: "iso44001:8.2.2"     # <profile prefix>:<rest>, unique in the file, never reused
        stage: 1                 # 1-8
        scope: internal          # internal | joint
        title: "..."
        guidance: "..."
        mandatory: true
        evidence: "..."          # the kind of evidence expected

Validation is strict: a typo must fail the load loudly rather than produce a requirement nobody
meant. Every error names the file and, for an item, its position and id.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cbrms.errors import ApplicationError
from lifecycle.models import Catalog, CatalogItem, ItemScope, Stage
from relationships.models import FrameworkProfile

CATALOG_KEYS = frozenset({"profile", "version", "title", "items"})
ITEM_KEYS = frozenset({"id", "stage", "scope", "title", "guidance", "mandatory", "evidence"})
STAGES = Stage.values
# Stages 1-3 are one organization's own work and 5-8 the parties' joint work; only stage 4 mixes
# the two (DOMAIN.md). A catalog breaking this would leak internal records or hide joint ones.
STAGE_SCOPES: dict[int, frozenset[str]] = {
    **{stage: frozenset({ItemScope.INTERNAL}) for stage in (1, 2, 3)},
    4: frozenset({ItemScope.INTERNAL, ItemScope.JOINT}),
    **{stage: frozenset({ItemScope.JOINT}) for stage in (5, 6, 7, 8)},
}
VERSION_PATTERN = re.compile(r"^\d+(\.\d+)*$")
ID_PATTERN = re.compile(r"^[a-z0-9]+:[A-Za-z0-9][A-Za-z0-9._-]*$")


class CatalogError(ApplicationError):
    """A catalog file cannot be loaded as it stands; the message names the file and the item."""

    code = "catalog_invalid"


@dataclass(frozen=True)
class CatalogItemSpec:
    """One item as the file declares it; ``position`` is its 1-based place in the file."""

    key: str
    stage: int
    scope: str
    title: str
    guidance: str
    mandatory: bool
    evidence: str
    position: int


@dataclass(frozen=True)
class CatalogSpec:
    """A validated catalog file; ``source_hash`` is the SHA-256 of the file's bytes."""

    path: Path
    profile: str
    version: str
    title: str
    source_hash: str
    items: tuple[CatalogItemSpec, ...]


def catalog_version_key(version: str) -> tuple[int, ...]:
    """Sort key of a catalog version: ``"2024.10"`` comes after ``"2024.9"``."""
    return tuple(int(part) for part in version.split("."))


def id_prefix(profile: str) -> str:
    """The prefix every item id of a profile's catalogs carries: ``iso44003-sme`` → ``iso44003``."""
    return profile.split("-", 1)[0]


#: PyYAML's safe loader, in C where libyaml is there: ten times faster, and catalogs are read
#: after every migrate (and every flush of a test database).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def catalog_file_read(*, path: Path) -> CatalogSpec:
    """Parse and validate one catalog file; raise ``CatalogError`` naming what is wrong."""
    raw = path.read_bytes()
    try:
        document = yaml.load(raw, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        raise CatalogError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise CatalogError(f"{path}: the file must hold a mapping with {_names(CATALOG_KEYS)}.")
    _check_keys(document, CATALOG_KEYS, where=f"{path}")

    profile = document["profile"]
    if profile not in FrameworkProfile.values:
        raise CatalogError(
            f"{path}: profile {profile!r} is not one of {_names(FrameworkProfile.values)}."
        )
    version = document["version"]
    if not isinstance(version, str) or not VERSION_PATTERN.match(version):
        raise CatalogError(
            f'{path}: version must be a quoted string of dotted numbers such as "2024.1", '
            f"got {version!r}."
        )
    _check_length(version, Catalog, "version", where=f"{path}: version")
    title = _text(document["title"], where=f"{path}: title")
    _check_length(title, Catalog, "title", where=f"{path}: title")

    entries = document["items"]
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{path}: items must be a non-empty list.")
    items = tuple(
        _item(entry, position=position, path=path, prefix=id_prefix(profile))
        for position, entry in enumerate(entries, start=1)
    )
    _check_unique_ids(items, path=path)
    missing = sorted(set(STAGES) - {item.stage for item in items})
    if missing:
        raise CatalogError(f"{path}: no items for stage(s) {', '.join(map(str, missing))}.")

    return CatalogSpec(
        path=path,
        profile=profile,
        version=version,
        title=title,
        source_hash=hashlib.sha256(raw).hexdigest(),
        items=items,
    )


def _item(entry: Any, *, position: int, path: Path, prefix: str) -> CatalogItemSpec:
    label = f"{path}, item {position}"
    if not isinstance(entry, dict):
        raise CatalogError(f"{label}: an item must be a mapping with {_names(ITEM_KEYS)}.")
    key = entry.get("id")
    if isinstance(key, str):
        label = f"{label} ({key!r})"
    _check_keys(entry, ITEM_KEYS, where=label)

    if not isinstance(key, str) or not ID_PATTERN.match(key):
        raise CatalogError(f"{label}: id must look like '{prefix}:8.2.2', got {key!r}.")
    if key.split(":", 1)[0] != prefix:
        raise CatalogError(f"{label}: id must start with '{prefix}:' like every id of this file.")
    _check_length(key, CatalogItem, "key", where=f"{label}: id")

    stage = entry["stage"]
    if isinstance(stage, bool) or not isinstance(stage, int) or stage not in STAGES:
        raise CatalogError(f"{label}: stage must be an integer from 1 to 8, got {stage!r}.")
    scope = entry["scope"]
    if scope not in ItemScope.values:
        raise CatalogError(f"{label}: scope must be one of {_names(ItemScope.values)}.")
    if scope not in STAGE_SCOPES[stage]:
        raise CatalogError(
            f"{label}: a stage-{stage} item must be {_names(STAGE_SCOPES[stage])}, not {scope!r}."
        )
    mandatory = entry["mandatory"]
    if not isinstance(mandatory, bool):
        raise CatalogError(f"{label}: mandatory must be true or false, got {mandatory!r}.")

    texts = {}
    for name in ("title", "guidance", "evidence"):
        texts[name] = _text(entry[name], where=f"{label}: {name}")
        _check_length(texts[name], CatalogItem, name, where=f"{label}: {name}")

    return CatalogItemSpec(
        key=key, stage=stage, scope=scope, mandatory=mandatory, position=position, **texts
    )


def _check_keys(mapping: dict, expected: frozenset[str], *, where: str) -> None:
    missing = expected - mapping.keys()
    if missing:
        raise CatalogError(f"{where}: missing {_names(missing)}.")
    unknown = mapping.keys() - expected
    if unknown:
        raise CatalogError(f"{where}: unknown {_names(map(str, unknown))}.")


def _check_unique_ids(items: tuple[CatalogItemSpec, ...], *, path: Path) -> None:
    first_position: dict[str, int] = {}
    for item in items:
        if item.key in first_position:
            raise CatalogError(
                f"{path}, item {item.position} ({item.key!r}): id already used by item "
                f"{first_position[item.key]}."
            )
        first_position[item.key] = item.position


def _text(value: Any, *, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where} must be a non-empty string.")
    return value.strip()


def _check_length(value: str, model: type, field: str, *, where: str) -> None:
    limit = model._meta.get_field(field).max_length
    if limit is not None and len(value) > limit:
        raise CatalogError(f"{where} is {len(value)} characters long; the limit is {limit}.")


def _names(values) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))
