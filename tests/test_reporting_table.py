"""The internal bulletin's 报送情况 table: a county's files each on a row, its status once
beside them, so that no file row says of that file what is true only of the county."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from conftest import ENTERPRISES, Project, uscc, write_roster

from generator.build import BuildOptions, gather
from generator.common.periods import Period
from generator.office.intake import intake
from generator.render.document.records import reporting_section
from generator.render.document.wording import Wording
from generator.render.pdf import render_bulletin_pdf

SEP, OCT = Period.parse("2026-09"), Period.parse("2026-10")


def _ledger(path: Path, units: dict[str, int], employees: str) -> Path:
    """A county's ledger written by openpyxl (.xlsx) or as GB18030 CSV: `n` enterprises of
    each unit."""
    rows = []
    for unit, n in units.items():
        for i in range(n):
            row = dict(ENTERPRISES[1])
            row.update(unit=unit, uscc=uscc(f"91{unit}MB{i:07d}"), name=f"{unit}企业{i:03d}")
            row["employees"] = employees
            rows.append(row)
    encoding = "gb18030" if path.suffix == ".csv" else "utf-8-sig"
    return write_roster(path, "enterprises", rows, encoding=encoding)


def test_a_replaced_old_ledger_does_not_read_as_reported_on_time(tmp_path: Path) -> None:
    """乙区 first sends its September ledger again (2 November), then its October ledger
    (4 November, before the 5 November deadline): 乙区 reported on time, by the second file.
    The table lists both files with their times and says 按时报送 once, for 乙区, not on the
    row of the old file that did not count."""
    project = Project(tmp_path / "p")
    root = project.root
    for period in (SEP, OCT):
        for old in (root / "data" / str(period)).glob("enterprises.*"):
            old.unlink()
    inbox = tmp_path / "收件"
    jia = {"990101": 3, "990102": 2}
    yi_sep = _ledger(inbox / "乙区9月台账.csv", {"990201": 12}, "30")
    sep = [_ledger(inbox / "甲县9月台账.xlsx", jia, "30"), yi_sep]
    intake(root, SEP, sep, now=datetime(2026, 10, 8, 9), received="2026-10-03 16:00")
    late_autumn = datetime(2026, 11, 9, 9)
    intake(root, OCT, [yi_sep], now=late_autumn, received="2026-11-02 09:00")  # the old one
    oct_files = [
        _ledger(inbox / "甲县10月台账.xlsx", jia, "31"),
        _ledger(inbox / "乙区10月台账.csv", {"990201": 12}, "31"),
    ]
    intake(root, OCT, oct_files, now=late_autumn, received="2026-11-04 10:00")

    gathered = gather(root, BuildOptions(site=False, pdf=False, audience="internal"))
    bulletin = gathered.bulletins["internal"][-1]
    assert bulletin.period == str(OCT) and bulletin.reporting is not None
    yi = next(c for c in bulletin.reporting.counties if c.name == "乙区")
    assert (yi.status, [f.file for f in yi.files]) == (
        "按时报送",
        ["乙区9月台账.csv（往期台账，已被替换）", "乙区10月台账.csv"],
    )

    section = reporting_section(bulletin, Wording(root))
    assert section is not None
    table = next(b for b in section[1] if b["t"] == "table")
    # one row per file; 县市区 and 报送情况 once per county, spanning its files' rows
    assert table["rows"] == [
        ["甲县", "甲县10月台账.xlsx", "11月4日 10:00", "按时报送"],
        ["乙区", "乙区9月台账.csv（往期台账，已被替换）", "11月2日 09:00", "按时报送"],
        ["", "乙区10月台账.csv", "11月4日 10:00", ""],
    ]
    assert table["rowspans"] == [[1, 1, 1, 1], [2, 1, 1, 2], [0, 1, 1, 0]]

    # the document to be signed, as a reader of the PDF reads it
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is needed: ./run setup"
    pdf = render_bulletin_pdf(bulletin, gathered.config, tmp_path / "bulletin.pdf", charts=False)
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    section_text = text[text.index("报送情况") : text.index("附件：")]
    lines = [re.split(r"\s{2,}", line.strip()) for line in section_text.splitlines()]
    old = next(line for line in lines if "乙区9月台账.csv（往期台账，已被替换）" in line)
    assert "按时报送" not in old
    assert sum(line.count("按时报送") for line in lines) == 2  # 甲县's and 乙区's
