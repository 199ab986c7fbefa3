"""What each stage means for each item (段階の定義), as data: loaded from fixtures/stage_meanings.csv.

未着手 and 当面困難 mean the same for every item (data/progress_stages.csv);
the file gives the item-specific meaning of 検討中, 調整中, 実施 and 定着, and
marks a stage an item does not have (0-1 is done once: no 定着).
Headquarters may edit the meanings in the admin; a reload updates only the
rows the file still describes as it did.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from cooperation.models import RequestItem, Stage, StageMeaning


@transaction.atomic
def stage_meanings_load(*, path: Path) -> dict[str, int]:
    """Create or update the stage meanings of the file; items it names that do not exist are skipped."""
    counts = {"created": 0, "updated": 0}
    if not path.exists():
        return counts
    items = {item.code: item for item in RequestItem.objects.all()}
    existing = {(m.item_id, m.stage): m for m in StageMeaning.objects.all()}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            item = items.get(row["item"])
            if item is None or row["stage"] not in Stage.values:
                continue
            values = {"applies": row["applies"] != "no", "text_ja": row["text_ja"], "text_en": row["text_en"]}
            meaning = existing.get((item.pk, row["stage"]))
            if meaning is None:
                StageMeaning.objects.create(item=item, stage=row["stage"], **values)
                counts["created"] += 1
            elif any(getattr(meaning, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(meaning, name, value)
                meaning.save()
                counts["updated"] += 1
    from django.core.cache import cache

    cache.delete(CACHE_KEY)
    return counts


def meanings_by_item(items) -> dict[int, dict[str, StageMeaning]]:
    """``{item id: {stage: meaning}}`` for the given items, one query."""
    table: dict[int, dict[str, StageMeaning]] = {}
    for meaning in StageMeaning.objects.filter(item__in=[item.pk for item in items]):
        table.setdefault(meaning.item_id, {})[meaning.stage] = meaning
    return table


def meaning_rows(items) -> list[tuple[RequestItem, list[tuple[str, str, StageMeaning | None]]]]:
    """For each item, each stage with its label and meaning (None where the file gives none)."""
    table = meanings_by_item(items)
    return [
        (item, [(stage, str(label), table.get(item.pk, {}).get(stage)) for stage, label in Stage.choices])
        for item in items
    ]


CACHE_KEY = "yearly:stage-meanings"
CACHE_SECONDS = 300


def _cached_table() -> dict[int, list[tuple[str, str, str, bool]]]:
    """``{item id: [(stage, Japanese, English, applies)]}``: one query per five minutes, not one per form."""
    from django.core.cache import cache

    table = cache.get(CACHE_KEY)
    if table is None:
        table = {}
        for item_id, stage, text_ja, text_en, applies in StageMeaning.objects.order_by().values_list(
            "item_id", "stage", "text_ja", "text_en", "applies"
        ):
            table.setdefault(item_id, []).append((stage, text_ja, text_en, applies))
        cache.set(CACHE_KEY, table, CACHE_SECONDS)
    return table


def meanings_table() -> dict[int, list[tuple[str, str, str, bool]]]:
    """The stage meanings of every item, for ``stage_help(…, table=…)``."""
    return _cached_table()


def stage_help(item_id: int, *, table: dict | None = None) -> str:
    """The help text of a stage field: what each stage means for this item, in stage order.

    ``table`` is ``meanings_table()`` when a page builds several forms (read from the cache once).
    """
    from django.utils.translation import get_language
    from django.utils.translation import gettext as _

    english = (get_language() or "ja").startswith("en")
    table = _cached_table() if table is None else table
    entries = {stage: (ja, en, applies) for stage, ja, en, applies in table.get(item_id, [])}
    parts = []
    for stage, label in Stage.choices:
        if stage not in entries:
            continue
        ja, en, applies = entries[stage]
        text = (en or ja) if english else ja
        if not applies:
            text = _("not used for this item") + (f" ({text})" if text else "")
        parts.append(f"{label}: {text}")
    return " / ".join(parts)
