"""The catalogue of request items and the progress rows it implies."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from cooperation.models import Category, Progress, RequestItem
from offices.models import Municipality


def progress_backfill(*, municipalities: Iterable[Municipality] | None = None) -> int:
    """Make sure every active local government has a progress row (未着手) for each active item that applies.

    Called after master data or items change (``load_master_data``, saving an
    item in the admin), so a new item shows up everywhere at once. Retired
    items get no new rows; their history stays. Returns the number of rows created.
    """
    items = list(RequestItem.objects.active())
    targets = Municipality.objects.active() if municipalities is None else municipalities
    existing = set(Progress.objects.values_list("municipality_id", "item_id"))
    missing = [
        Progress(municipality=municipality, item=item)
        for municipality in targets
        for item in items
        if item.applies_to(municipality) and (municipality.pk, item.pk) not in existing
    ]
    Progress.objects.bulk_create(missing, batch_size=1000, ignore_conflicts=True)
    return len(missing)


@transaction.atomic
def request_items_load(*, path: Path) -> dict[str, int]:
    """Create or update request items and categories from ``request_items.csv``.

    Whether an item is retired is headquarters' decision in the admin, so a
    reload never brings a retired item back.
    """
    counts = {"created": 0, "updated": 0}
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for order, row in enumerate(rows, start=1):
        category, _created = Category.objects.get_or_create(
            code=row["category_code"], defaults={"name_ja": row["category_ja"], "name_en": row["category_en"]}
        )
        if (category.name_ja, category.name_en) != (row["category_ja"], row["category_en"]):
            category.name_ja, category.name_en = row["category_ja"], row["category_en"]
            category.save(update_fields=["name_ja", "name_en"])
        values = {
            "category": category,
            "title_ja": row["title_ja"],
            "title_en": row["title_en"],
            "scope": row["scope"],
            "sort_order": order * 10,
            "first_referral_moves": row.get("first_referral", "no") == "yes",
            "first_referral_from_center_moves": row.get("first_referral_from_center", "no") == "yes",
            "first_referral_to_commissioner_moves": row.get("first_referral_to_commissioner", "no") == "yes",
            "evidence_kinds": (row.get("evidence_kinds") or "").split(),
            "commissioner_evidence": row.get("commissioner_evidence", ""),
        }
        item = RequestItem.objects.filter(code=row["code"]).first()
        if item is None:
            RequestItem.objects.create(code=row["code"], **values)
            counts["created"] += 1
        elif any(getattr(item, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(item, name, value)
            item.save()
            counts["updated"] += 1
    return counts
