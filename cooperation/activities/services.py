"""Logging activities of the centers, their follow-ups and attachments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cooperation.events import ACTIVITY_CHANGED, ACTIVITY_LOGGED
from cooperation.fiscal import today
from cooperation.models import Activity, Attachment
from cooperation.progress.services import progress_advance_to_done
from offices import events
from offices.models import Municipality, User
from offices.policies import ACTIVITY_CHANGE, ACTIVITY_LOG, PROGRESS_CHANGE, require, require_each

_PDF = (b"%PDF-",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # legacy Office (.doc, .xls, .ppt)
_ZIP = (b"PK\x03\x04",)  # Office Open XML and OpenDocument
# What may be attached: extension → (the content type it is stored and served with, how its content begins).
# The content type never comes from the browser, so a file cannot make itself served as HTML.
ATTACHMENT_TYPES = {
    ".pdf": ("application/pdf", _PDF),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".doc": ("application/msword", _OLE),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".ppt": ("application/vnd.ms-powerpoint", _OLE),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    ".odp": ("application/vnd.oasis.opendocument.presentation", _ZIP),
}
ATTACHMENT_EXTENSIONS = set(ATTACHMENT_TYPES)


def attachment_validate(uploaded_file) -> None:
    """Refuse anything but a non-empty PDF, image or Office file within the size limit.

    The extension decides the type, and the file's first bytes must match it,
    so a web page renamed to .pdf is refused.
    """
    name = Path(uploaded_file.name).name
    extension = Path(name).suffix.lower()
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError(_("“{name}”: only PDF, images and Office files can be attached.").format(name=name))
    if uploaded_file.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“{name}” is larger than {limit} MB.").format(
                name=name, limit=settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
            )
        )
    if not uploaded_file.size:
        raise ValidationError(_("“{name}” is empty.").format(name=name))
    uploaded_file.seek(0)
    start = uploaded_file.read(16)
    uploaded_file.seek(0)
    _content_type, signatures = ATTACHMENT_TYPES[extension]
    if not start.startswith(signatures):
        raise ValidationError(
            _("“{name}” does not look like a {kind} file.").format(name=name, kind=extension.lstrip(".").upper())
        )


@transaction.atomic
def activity_create(
    *,
    by: User | None,
    municipalities: Sequence[Municipality],
    advance: Iterable[Municipality] = (),
    files: Iterable = (),
    **fields,
) -> Activity:
    """Log an activity of a center; optionally move the local governments in ``advance`` to 実施.

    ``fields`` are Activity fields (date, office, item, kind, title, summary,
    the counts, follow_up_on). The activity is logged after it took place (no
    future date), for an active item that applies to every local government
    named. Those in ``advance`` (a subset of ``municipalities``) that have not
    adopted the item move to 実施 through :func:`progress_update`, with the
    activity as evidence. Scope is checked for the center and for every local
    government; attachments are validated. All or nothing.
    """
    require(by, ACTIVITY_LOG, fields.get("office"))
    municipalities = list(municipalities)
    advance = list(advance)
    require_each(by, PROGRESS_CHANGE, [municipality.pk for municipality in municipalities])
    activity = Activity(created_by=by, **fields)
    activity.full_clean(exclude=["municipalities"])
    errors = []
    if not municipalities:
        errors.append(_("Choose at least one local government."))
    if activity.date > today():
        errors.append(_("The date of the activity lies in the future."))
    item = activity.item
    errors += activity_fit_errors(activity)
    if not item.is_active:
        errors.append(_("Item {item} has been retired.").format(item=item.code))
    elsewhere = [municipality.name for municipality in municipalities if not item.applies_to(municipality)]
    if elsewhere:
        errors.append(
            _("Item {item} applies to prefectural governments only, not to {names}.").format(
                item=item.code, names="、".join(elsewhere)
            )
        )
    chosen = {municipality.pk for municipality in municipalities}
    if any(municipality.pk not in chosen for municipality in advance):
        errors.append(_("Only local governments named in the activity can be moved to “Done” by it."))
    if errors:
        raise ValidationError(errors)
    activity.save()
    activity.municipalities.set(municipalities)
    for uploaded in files:
        attachment_add(activity=activity, uploaded_file=uploaded, by=by)
    for municipality in advance:
        progress_advance_to_done(municipality=municipality, item=item, by=by, on=activity.date, activity=activity)
    events.publish(
        ACTIVITY_LOGGED,
        actor=by,
        target=activity.title,
        data={
            "activity_id": activity.pk,
            "office_id": activity.office_id,
            "item_id": activity.item_id,
            "municipality_ids": sorted(chosen),
        },
    )
    return activity


def activity_fit_errors(activity: Activity) -> list[str]:
    """An activity's kind must be one its item accepts as evidence (``RequestItem.evidence_kinds``)."""
    item = activity.item
    if item.accepts_kind(activity.kind):
        return []
    kinds = "、".join(str(Activity.Kind(kind).label) for kind in item.evidence_kinds if kind in Activity.Kind.values)
    return [
        _("A “{kind}” is not evidence for item {item}; it accepts: {kinds}.").format(
            kind=activity.get_kind_display(), item=item.code, kinds=kinds
        )
    ]


@transaction.atomic
def activity_follow_up_done(*, activity: Activity, by: User | None) -> Activity:
    """Mark an activity's follow-up as done (it leaves the desk's list of follow-ups due)."""
    require(by, ACTIVITY_CHANGE, activity.office_id)
    if activity.follow_up_on is None:
        raise ValidationError(_("This activity has no follow-up date."))
    Activity.objects.filter(pk=activity.pk).update(follow_up_done=True)
    activity.follow_up_done = True
    events.publish(
        ACTIVITY_CHANGED,
        actor=by,
        target=activity.title,
        data={"activity_id": activity.pk, "office_id": activity.office_id, "follow_up_done": True},
    )
    return activity


@transaction.atomic
def attachment_add(*, activity: Activity, uploaded_file, by: User | None) -> Attachment:
    """Attach a validated file to an activity; stored privately, served only by the scope-checked download view."""
    require(by, ACTIVITY_CHANGE, activity.office_id)
    attachment_validate(uploaded_file)
    name = Path(uploaded_file.name).name
    content_type, _signatures = ATTACHMENT_TYPES[Path(name).suffix.lower()]
    return Attachment.objects.create(
        activity=activity,
        file=uploaded_file,
        original_name=name[:255],
        content_type=content_type,
        size=uploaded_file.size,
        uploaded_by=by,
    )
