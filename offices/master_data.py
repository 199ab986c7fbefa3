"""Loading the national master data shipped in ``fixtures/`` (regions, prefectures, centers, local governments)."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from offices.models import Municipality, Office, Prefecture, Region
from offices.validators import validate_lg_code

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


@dataclass
class LoadReport:
    """What a load did, per model: created, updated and deactivated counts."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    deactivated: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(+self.created or +self.updated or +self.deactivated)

    def lines(self) -> list[str]:
        names = sorted(set(self.created) | set(self.updated) | set(self.deactivated))
        return [
            f"{name}: created {self.created[name]}, updated {self.updated[name]}, deactivated {self.deactivated[name]}"
            for name in names
        ]


def read_csv(directory: Path, name: str) -> list[dict[str, str]]:
    with open(directory / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _upsert(model, report: LoadReport, lookup: dict, values: dict):
    """Create or update one row; count it only when something actually changed."""
    obj = model.objects.filter(**lookup).first()
    label = model._meta.model_name
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.created[label] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.updated[label] += 1
    return obj


class Jurisdiction:
    """Which center serves a local government, from ``jurisdiction.csv``.

    Rules are tried from the most to the least specific: a row naming the local
    government itself, then its prefecture and subprefecture (振興局), then its
    prefecture alone.
    """

    def __init__(self, rows: list[dict[str, str]]):
        self.by_code = {}
        self.by_area = {}
        for row in rows:
            if row["lg_code"]:
                self.by_code[row["lg_code"]] = row["office_code"]
            else:
                self.by_area[(row["prefecture_code"], row["subprefecture"])] = row["office_code"]

    def office_code(self, lg_code: str, prefecture_code: str, subprefecture: str) -> str:
        code = (
            self.by_code.get(lg_code)
            or self.by_area.get((prefecture_code, subprefecture))
            or self.by_area.get((prefecture_code, ""))
        )
        if code is None:
            raise ValueError(f"No center serves {lg_code} (prefecture {prefecture_code}, {subprefecture})")
        return code


@transaction.atomic
def master_data_load(*, directory: Path = FIXTURES_DIR) -> LoadReport:
    """Load or update regions, prefectures, centers and local governments from ``directory``.

    Idempotent: a second run changes nothing. Changed names or telephone numbers
    are updated in place; a local government missing from the list is marked
    inactive, never deleted, so its history stays. All or nothing.
    """
    report = LoadReport()

    regions = {}
    # Bureaus before their branches, so a branch's parent already exists.
    for row in sorted(read_csv(directory, "regions.csv"), key=lambda row: bool(row["parent_region"])):
        parent = regions[row["parent_region"]] if row["parent_region"] else None
        regions[row["code"]] = _upsert(Region, report, {"code": row["code"]}, {"name": row["name"], "parent": parent})

    office_rows = read_csv(directory, "offices.csv")
    prefecture_region = {row["prefecture_code"]: row["region"] for row in office_rows}
    prefectures = {}
    prefecture_lg = {}
    for row in read_csv(directory, "prefectures.csv"):
        prefectures[row["code"]] = _upsert(
            Prefecture,
            report,
            {"code": row["code"]},
            {
                "name": row["name"],
                "name_kana": row["name_kana"],
                "name_en": row["name_en"],
                "region": regions[prefecture_region[row["code"]]],
            },
        )
        prefecture_lg[row["code"]] = row

    offices = {}
    for order, row in enumerate(office_rows, start=1):
        offices[row["code"]] = _upsert(
            Office,
            report,
            {"code": row["code"]},
            {
                "label": row["label"],
                "name": row["organization"],
                "division": row["division"],
                "phone": row["phone"],
                "region": regions[row["region"]],
                "prefecture": prefectures[row["prefecture_code"]],
                "is_region_head": row["region_head"] == "yes",
                "sort_order": order,
            },
        )

    jurisdiction = Jurisdiction(read_csv(directory, "jurisdiction.csv"))
    entries = [
        {
            "lg_code": row["lg_code"],
            "name": row["name"],
            "name_kana": row["name_kana"],
            "kind": Municipality.Kind.PREFECTURE,
            "prefecture_code": row["code"],
            "subprefecture": "",
        }
        for row in prefecture_lg.values()
    ]
    entries += read_csv(directory, "municipalities.csv")

    existing = {m.lg_code: m for m in Municipality.objects.all()}
    seen = set()
    to_create = []
    for entry in entries:
        code = entry["lg_code"]
        try:
            validate_lg_code(code)
        except ValidationError as error:
            raise ValueError("{}: {}".format(code, " ".join(error.messages))) from error
        values = {
            "name": entry["name"],
            "name_kana": entry["name_kana"],
            "kind": entry["kind"],
            "prefecture": prefectures[entry["prefecture_code"]],
            "subprefecture": entry["subprefecture"],
            "office": offices[jurisdiction.office_code(code, entry["prefecture_code"], entry["subprefecture"])],
            "is_active": True,
        }
        seen.add(code)
        obj = existing.get(code)
        if obj is None:
            to_create.append(Municipality(lg_code=code, **values))
            continue
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save(update_fields=changed)
            report.updated["municipality"] += 1
    Municipality.objects.bulk_create(to_create, batch_size=500)
    report.created["municipality"] += len(to_create)

    gone = Municipality.objects.filter(is_active=True).exclude(lg_code__in=seen)
    report.deactivated["municipality"] += gone.update(is_active=False)
    return report
