"""Preview or apply a survey file (調査票) from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cooperation.survey import STAGE_LABELS, survey_apply, survey_plan
from offices.models import User
from offices.policies import NotAllowed


class Command(BaseCommand):
    help = (
        "Preview a survey file (.xlsx, or .csv in UTF-8 or Shift_JIS): list every change and every problem, "
        "write nothing. With --apply, import it: every change in one transaction, or none if any row has a problem. "
        "With --user, only local governments in that user's write scope may be changed and the changes are recorded "
        "as theirs; without it the command runs as the system: no scope restriction, changes recorded without a user. "
        "Exits non-zero if the file has problems."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The survey file (.xlsx or .csv).")
        parser.add_argument("--user", help="Import as this user (username), within their write scope.")
        parser.add_argument("--apply", action="store_true", help="Write the changes (default: preview only).")

    def handle(self, *args, file: Path, user: str | None, apply: bool, **options):
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(_("Cannot read {file}: {reason}").format(file=file, reason=error.strerror)) from error
        by = None
        if user:
            by = User.objects.filter(username=user, is_active=True).first()
            if by is None:
                raise CommandError(_("No active user named “{user}”.").format(user=user))
        outcome = None
        try:
            if apply:
                outcome = survey_apply(content=content, file_name=file.name, by=by)
                plan = outcome.plan
            else:
                plan = survey_plan(content=content, file_name=file.name, by=by)
        except NotAllowed as refusal:
            raise CommandError(str(refusal)) from refusal
        for change in plan.changes:
            self.stdout.write(
                _("row {row}: {code} {name} {item}: {old} → {new} ({date}) {note}")
                .format(
                    row=change.row,
                    code=change.lg_code,
                    name=change.name,
                    item=change.item_code,
                    old=STAGE_LABELS[change.from_stage],
                    new=STAGE_LABELS[change.to_stage],
                    date=change.effective_date.isoformat(),
                    note=change.note,
                )
                .rstrip()
            )
        for problem in plan.problems:
            where = _("file") if problem.row is None else _("row {row}").format(row=problem.row)
            if problem.column:
                where = f"{where}, {problem.column}"
            self.stdout.write(f"{where}: {problem.message}")
        self.stdout.write(
            _("{rows} rows: {changes} changes, {unchanged} unchanged, {problems} problems.").format(
                rows=plan.row_count,
                changes=len(plan.changes),
                unchanged=plan.unchanged_count,
                problems=len(plan.problems),
            )
        )
        if plan.problems:
            raise CommandError(_("{count} problems: nothing was written.").format(count=len(plan.problems)))
        if outcome is None:
            self.stdout.write(_("Preview only: nothing was written (add --apply to import)."))
        elif outcome.applied:
            message = _("Imported: batch {batch}, {changes} changes.").format(
                batch=outcome.batch.pk, changes=outcome.batch.change_count
            )
            self.stdout.write(self.style.SUCCESS(message))
        else:
            self.stdout.write(self.style.SUCCESS(_("No changes: every row matches the current stages.")))
