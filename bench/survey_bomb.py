"""The survey-bomb benchmark (issue 11): how long and how much memory the import takes to refuse hostile files.

``python -m bench.survey_bomb`` builds two files and plans each one in a fresh
process (so peak memory is that file's alone), on the development SQLite
database with the master data loaded:

- ``bomb.xlsx``: a workbook of about 500 KB whose one sheet unpacks to about
  200 MB (6.4 million one-cell rows, each row the same bytes so deflate packs it);
- ``rows.csv``: about 5 MB of one-column rows (2.6 million rows).

It prints, per file, the wall time, CPU time and peak resident memory of the
plan (``resource.getrusage``) and the number of problems found, as a Markdown
table (docs/security.md keeps the figures).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HEADER = "団体コード,団体名,項目,段階,日付,備考"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _cell(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def bomb_xlsx(rows: int = 6_400_000, sheet: str = "調査票") -> bytes:
    """A workbook with the survey header and ``rows`` identical one-cell rows, streamed into the zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(name=sheet))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            part.write(("<row>" + "".join(_cell(name) for name in HEADER.split(",")) + "</row>").encode())
            row = b'<row><c t="n"><v>1</v></c></row>'  # 32 bytes, as in the review
            chunk = row * 10_000
            for _ in range(rows // 10_000):
                part.write(chunk)
            part.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def rows_csv(size: int = 5_200_000) -> bytes:
    """A CSV of the survey header and one-column rows ``1`` up to ``size`` bytes (2.6 million rows for 5.2 MB)."""
    head = ("\ufeff" + HEADER + "\r\n").encode()
    return head + b"1\n" * ((size - len(head)) // 2)


def _measure(path: str) -> dict:
    """Plan one file in this process: wall and CPU seconds, peak RSS, problems."""
    import resource
    import time

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cooperation.settings")
    django.setup()
    from cooperation.survey import survey_plan

    content = Path(path).read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    plan = survey_plan(content=content, file_name=Path(path).name, by=None)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "file": Path(path).name,
        "bytes": len(content),
        "wall_s": round(wall, 2),
        "cpu_s": round((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), 2),
        "peak_rss_mb": round(after.ru_maxrss / 1024, 1),
        "problems_listed": len(plan.problems),
        "problems_total": getattr(plan, "problem_count", len(plan.problems)),
        "first_problem": plan.problems[0].message if plan.problems else "",
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(_measure(sys.argv[2]), ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory() as directory:
        files = {"bomb.xlsx": bomb_xlsx(), "rows.csv": rows_csv()}
        results = []
        for name, content in files.items():
            path = Path(directory) / name
            path.write_bytes(content)
            with zipfile.ZipFile(path) if name.endswith(".xlsx") else open(os.devnull) as handle:
                unpacked = sum(i.file_size for i in handle.infolist()) if name.endswith(".xlsx") else len(content)
            output = subprocess.run(
                [sys.executable, "-m", "bench.survey_bomb", "--measure", str(path)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            result = json.loads(output.strip().splitlines()[-1])
            result["unpacked_mb"] = round(unpacked / 1e6, 1)
            results.append(result)
    print("| file | size | unpacked | wall | CPU | peak RSS | problems (listed / total) |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['file']} | {r['bytes'] / 1e3:,.0f} KB | {r['unpacked_mb']} MB | {r['wall_s']} s | {r['cpu_s']} s"
            f" | {r['peak_rss_mb']} MB | {r['problems_listed']:,} / {r['problems_total']:,} |"
        )
    for r in results:
        print(f"- {r['file']}: {r['first_problem']}")


if __name__ == "__main__":
    main()
