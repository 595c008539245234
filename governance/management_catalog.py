"""Loading the management-system catalog (``governance/catalogs/management-system.yaml``): after
every migrate, idempotent, a new version added beside the old ones, checked before anything is
written."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from governance.models import CompetenceTheme, SystemCatalog, SystemItem, SystemSection
from lifecycle.services.catalog_files import SAFE_LOADER

CATALOG_DIR = Path(__file__).resolve().parent / "catalogs"
CATALOG_KEY = "management-system"

#: The requirements of ISO 44001 the organization-wide system answers, one catalog item each.
CLAUSES = [
    "4.1",
    "4.2",
    "4.3",
    "4.4",
    "4.5",
    "5.1",
    "5.2",
    "5.3.1",
    "5.3.2",
    "5.3.3",
    "6.1",
    "6.2",
    "6.3.1",
    "6.3.2",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "7.5.1",
    "7.5.2",
    "7.5.3",
    "7.5.4",
    "7.5.5",
    "8.1",
    "9.1.1",
    "9.1.2",
    "9.2",
    "9.3",
    "10.1",
    "10.2",
]

#: The kinds of record an item may name as its evidence; readiness knows how to find each.
SOURCES = frozenset(
    {
        "document:ms_context",
        "document:ms_stakeholders",
        "document:ms_scope",
        "document:ms_policy",
        "document:ms_governance",
        "document:corporate_rmp",
        "organization_ser",
        "memberships",
        "relationship_sers",
        "gate_ledger",
        "controlled_documents",
        "ms_objectives",
        "kpi_measurements",
        "risk_register",
        "meetings",
        "portfolio",
        "portfolio_decisions",
        "competence",
        "key_individuals",
        "maturity_review",
        "exit_evaluation",
        "internal_audit",
        "management_review",
        "corrective_action",
    }
)
_ID = re.compile(r"^iso44001:(\d+(?:\.\d+){1,2})$")
_FIELDS = ("id", "section", "title", "guidance", "evidence", "sources")


def _read(path: Path) -> dict:
    data = yaml.load(path.read_bytes(), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    where = path.name
    for name in ("key", "version", "title", "items"):
        if not data.get(name):
            raise ImproperlyConfigured(f"{where}: '{name}' is missing.")
    seen = set()
    for item in data["items"]:
        missing = [name for name in _FIELDS if not item.get(name)]
        if missing:
            raise ImproperlyConfigured(f"{where}: {item.get('id')} lacks {', '.join(missing)}.")
        match = _ID.match(item["id"])
        if match is None:
            raise ImproperlyConfigured(f"{where}: {item['id']} is not an iso44001:<clause> id.")
        if item["id"] in seen:
            raise ImproperlyConfigured(f"{where}: {item['id']} appears twice.")
        seen.add(item["id"])
        item["clause"] = match.group(1)
        if item["section"] not in SystemSection.values:
            raise ImproperlyConfigured(f"{where}: {item['id']} has no section {item['section']}.")
        unknown = sorted(set(item["sources"]) - SOURCES)
        if unknown:
            raise ImproperlyConfigured(f"{where}: {item['id']} names unknown sources {unknown}.")
    clauses = [item["clause"] for item in data["items"]]
    if data["key"] == CATALOG_KEY and sorted(clauses) != sorted(CLAUSES):
        missing = sorted(set(CLAUSES) - set(clauses))
        extra = sorted(set(clauses) - set(CLAUSES))
        raise ImproperlyConfigured(f"{where}: clauses missing {missing}, unexpected {extra}.")
    return data


def _load(directory: Path, pattern: str, read, rows) -> list[SystemCatalog]:
    """Each file's version, read and checked whole by ``read``, stored with the rows ``rows``
    makes of it, unless that version is there already; returns the catalogs added."""
    added = []
    for path in sorted(directory.glob(pattern)):
        data = read(path)
        version = str(data["version"])
        if SystemCatalog.objects.filter(key=data["key"], version=version).exists():
            continue
        with transaction.atomic():
            catalog = SystemCatalog.objects.create(
                key=data["key"], version=version, title=data["title"]
            )
            model, objects = rows(catalog, data)
            model.objects.bulk_create(objects)
        added.append(catalog)
    return added


def _items(catalog: SystemCatalog, data: dict):
    return SystemItem, [
        SystemItem(
            catalog=catalog,
            item_id=item["id"],
            clause=item["clause"],
            section=item["section"],
            position=position,
            title=item["title"],
            guidance=" ".join(item["guidance"].split()),
            evidence=item["evidence"],
            sources=list(item["sources"]),
        )
        for position, item in enumerate(data["items"], start=1)
    ]


def system_catalogs_load(directory: Path = CATALOG_DIR) -> list[SystemCatalog]:
    """Every management-system catalog file's version, loaded unless already there."""
    return _load(directory, "management-*.yaml", _read, _items)


def current_catalog(key: str = CATALOG_KEY) -> SystemCatalog:
    """The newest loaded version of the management-system catalog."""
    catalog = SystemCatalog.objects.filter(key=key).order_by("-loaded_at", "-id").first()
    if catalog is None:
        raise ImproperlyConfigured(f"No {key} catalog is loaded: run migrate.")
    return catalog


COMPETENCE_KEY = "competence-themes"


def _read_competences(path: Path) -> dict:
    data = yaml.load(path.read_bytes(), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    where = path.name
    for name in ("key", "version", "title", "themes"):
        if not data.get(name):
            raise ImproperlyConfigured(f"{where}: '{name}' is missing.")
    keys = [theme.get("key") for theme in data["themes"]]
    if not all(keys) or len(set(keys)) != len(keys):
        raise ImproperlyConfigured(f"{where}: every theme needs a key of its own.")
    for theme in data["themes"]:
        missing = [name for name in ("title", "description", "good") if not theme.get(name)]
        if missing:
            raise ImproperlyConfigured(f"{where}: {theme['key']} lacks {', '.join(missing)}.")
    return data


def _themes(catalog: SystemCatalog, data: dict):
    return CompetenceTheme, [
        CompetenceTheme(
            catalog=catalog,
            key=theme["key"],
            position=position,
            title=theme["title"],
            description=theme["description"],
            good=theme["good"],
        )
        for position, theme in enumerate(data["themes"], start=1)
    ]


def competence_catalogs_load(directory: Path = CATALOG_DIR) -> list[SystemCatalog]:
    """Every competence catalog file's version, loaded unless already there."""
    return _load(directory, "competence-*.yaml", _read_competences, _themes)
