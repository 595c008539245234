"""Loading the maturity models (``governance/catalogs/maturity-*.yaml``) into the database:
after every migrate, idempotent, a new version added beside the old ones (a review keeps the
version it was opened with)."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from governance.models import MaturityModel, MaturityPrinciple
from lifecycle.services.catalog_files import SAFE_LOADER

CATALOG_DIR = Path(__file__).resolve().parent / "catalogs"
LEVELS = ["1", "2", "3", "4", "5"]


def _read(path: Path) -> dict:
    data = yaml.load(path.read_bytes(), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    where = path.name
    for field in ("model", "version", "title", "levels", "principles"):
        if not data.get(field):
            raise ImproperlyConfigured(f"{where}: '{field}' is missing.")
    if sorted(str(k) for k in data["levels"]) != LEVELS:
        raise ImproperlyConfigured(f"{where}: levels must be 1 to 5.")
    keys = [p.get("key") for p in data["principles"]]
    if len(set(keys)) != len(keys) or not all(keys):
        raise ImproperlyConfigured(f"{where}: every principle needs a key of its own.")
    for principle in data["principles"]:
        if sorted(str(k) for k in principle.get("levels", {})) != LEVELS:
            raise ImproperlyConfigured(f"{where}: {principle['key']} must describe levels 1-5.")
    return data


def maturity_models_load(directory: Path = CATALOG_DIR) -> list[MaturityModel]:
    """Every model file's version, loaded unless already there; returns those added."""
    added = []
    for path in sorted(directory.glob("maturity-*.yaml")):
        data = _read(path)
        if MaturityModel.objects.filter(key=data["model"], version=data["version"]).exists():
            continue
        with transaction.atomic():
            model = MaturityModel.objects.create(
                key=data["model"],
                version=str(data["version"]),
                title=data["title"],
                levels={str(k): v for k, v in data["levels"].items()},
            )
            MaturityPrinciple.objects.bulk_create(
                MaturityPrinciple(
                    model=model,
                    key=p["key"],
                    position=position,
                    title=p["title"],
                    question=p["question"],
                    levels={str(k): v for k, v in p["levels"].items()},
                    actions=list(p.get("actions", [])),
                )
                for position, p in enumerate(data["principles"], start=1)
            )
        added.append(model)
    return added


def current_model(key: str) -> MaturityModel:
    """The newest loaded version of the ``key`` model."""
    model = MaturityModel.objects.filter(key=key).order_by("-loaded_at", "-id").first()
    if model is None:
        raise ImproperlyConfigured(f"No maturity model {key!r} is loaded: run migrate.")
    return model
