"""A month played by mail, as a five-county office plays it: the counties' messages in a real
IMAP server (Dovecot, started once for this module by test_fetch's fixture), fetched with their
arrival times, problem lists mailed back over real SMTP (aiosmtpd), the corrections fetched,
the bulletin built; its 报送情况 is checked against the arrival times worked out by hand."""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
import subprocess
from datetime import timedelta
from email.mime.message import MIMEMessage
from email.utils import formataddr, parsedate_to_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import ENTERPRISES, TARGETS, UNITS, Project, uscc, write_roster
from test_fetch import (  # noqa: F401  (dovecot, office_clock: this module's fixtures)
    PASSWORD,
    USER,
    Dovecot,
    at,
    dovecot,
    encoded_word,
    gbk_zip,
    message,
    office_clock,
    rfc2231,
)
from test_send import PASSWORD as SMTP_PASSWORD
from test_send import USER as SMTP_USER
from test_send import Mailbox, running

from generator.build import BuildOptions, build, gather
from generator.cli import cli
from generator.common.record import read_receipts
from generator.render.pdf import render_bulletin_pdf

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

OCT = "2026-10"
FOLDER = "县市区来信"
#: the three counties this month adds to the small project's 甲县 and 乙区
MORE = [
    ("990300", "丙县", "县", "990301", "北镇"),
    ("990400", "丁区", "区", "990401", "中街道"),
    ("990500", "戊县", "县", "990501", "山乡"),
]
ADDRESSES = {
    "990100": "jia@test.gov.cn",
    "990200": "yi@test.gov.cn",
    "990300": "bing@test.gov.cn",
    "990400": "ding@test.gov.cn",
    "990500": "wu@test.gov.cn",
}


def enterprise(town: str, n: int, employees: str = "80") -> dict[str, str]:
    """A unionised enterprise of a township of the added counties."""
    row = dict(ENTERPRISES[0])
    row.update(
        uscc=uscc(f"91{town}MA000001{n}"),
        name=f"{town[:4]}第{n}机械有限公司",
        unit=town,
        employees=employees,
        members="60",
    )
    return row


ADDED = {code: [enterprise(town, 1)] for code, _n, _l, town, _t in MORE}


def five_counties(root: Path, imap: int, smtp: int) -> Project:
    """The small project grown to five counties with their 邮箱; September as the office has
    it, October's ledgers not yet received; the office's mailbox and mail server set."""
    project = Project(root)
    units = [{**u, "email": ADDRESSES.get(u["code"], "")} for u in UNITS]
    for code, name, level, town, town_name in MORE:
        units.append(
            {"code": code, "name": name, "level": level, "parent": "990000", "order": ""}
            | {"email": ADDRESSES[code]}
        )
        units.append(
            {"code": town, "name": town_name, "level": "乡镇", "parent": code, "order": ""}
            | {"email": ""}
        )
    project.write("units", units)
    targets = [*TARGETS]
    targets += [
        {"year": "2026", "unit": c, "new_unions": "5", "new_members": "100"} for c, *_ in MORE
    ]
    project.write("targets", targets)
    september = ENTERPRISES[:3] + [r for rows in ADDED.values() for r in rows]
    project.write("enterprises", september, period="2026-09")
    for old in (root / "data" / OCT).glob("enterprises.*"):
        old.unlink()
    with (root / "bulletin.yml").open("a", encoding="utf-8") as handle:
        handle.write(
            f"mailbox:\n  host: 127.0.0.1\n  port: {imap}\n  security: none\n"
            f"  username: {USER}\n  folder: {FOLDER}\n"
            f"mail:\n  host: 127.0.0.1\n  port: {smtp}\n  security: none\n"
            f"  username: {SMTP_USER}\n  from: {SMTP_USER}\n"
        )
    return project


def ledger(tmp: Path, name: str, rows: list[dict[str, str]], encoding: str = "utf-8-sig") -> bytes:
    return write_roster(tmp / name, "enterprises", rows, encoding=encoding).read_bytes()


def of(*units: str) -> list[dict[str, str]]:
    return [dict(r) for r in ENTERPRISES if r["unit"] in units]


def cli_run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def first_mail(box: Dovecot, tmp: Path) -> dict[str, bytes]:
    """The mail up to 10 November (the office fetches that evening)."""
    files = {
        "甲县东镇10月台账.xlsx": ledger(tmp, "a.xlsx", of("990101", "990100")),
        "甲县西镇10月台账.csv": ledger(tmp, "b.csv", of("990102"), encoding="gb18030"),
        "乙区10月台账.xlsx": ledger(tmp, "c.xlsx", of("990201")),
        "丙县10月台账.xlsx": ledger(tmp, "d.xlsx", [enterprise("990301", 1, "八十")]),
        "丙县10月台账（改）.xlsx": ledger(tmp, "e.xlsx", ADDED["990300"]),
        "丁区10月台账.xlsx": ledger(tmp, "f.xlsx", [enterprise("990401", 1, "八十")]),
        "戊县10月台账.xlsx": ledger(tmp, "g.xlsx", [enterprise("990501", 1, "八十")]),
    }
    jia = formataddr(("甲县总工会", "jia@test.gov.cn"), charset="utf-8")
    inner = message(
        "南街道 <nan@street.test>",
        "乙区10月台账",
        [rfc2231(files["乙区10月台账.xlsx"], "乙区10月台账.xlsx")],
        date=at(2026, 11, 5, 17, 0),
        message_id="<inner@street.test>",
    )
    mails = [
        # 甲县: two files in one message, one named RFC 2231, one RFC 2047 (GB18030)
        message(
            jia,
            "甲县10月台账",
            [
                rfc2231(files["甲县东镇10月台账.xlsx"], "甲县东镇10月台账.xlsx"),
                encoded_word(files["甲县西镇10月台账.csv"], "甲县西镇10月台账.csv"),
            ],
            received=at(2026, 11, 3, 18, 30, 5),
            date=at(2026, 11, 3, 18, 29, 40),
            message_id="<jia1@county.test>",
        ),
        # 戊县's ledger from a clerk's own address: listed, not taken
        message(
            "张三 <zhangsan@qq.test>",
            "戊县10月台账",
            [rfc2231(files["戊县10月台账.xlsx"], "戊县10月台账.xlsx")],
            received=at(2026, 11, 2, 9, 0),
            date=at(2026, 11, 2, 9, 0),
            message_id="<wu0@qq.test>",
        ),
        # 丙县 on time, with an error; then resent corrected
        message(
            "丙县总工会 <bing@test.gov.cn>",
            "丙县10月台账",
            [rfc2231(files["丙县10月台账.xlsx"], "丙县10月台账.xlsx")],
            received=at(2026, 11, 4, 9, 12),
            date=at(2026, 11, 4, 9, 11),
            message_id="<bing1@county.test>",
        ),
        # 丁区: a zip whose spreadsheet is named in GBK, as Chinese Windows writes it
        message(
            "丁区总工会 <ding@test.gov.cn>",
            "丁区10月台账",
            [rfc2231(gbk_zip("丁区10月台账.xlsx", files["丁区10月台账.xlsx"]), "丁区台账.zip")],
            received=at(2026, 11, 4, 17, 0),
            date=at(2026, 11, 4, 16, 59),
            message_id="<ding1@county.test>",
        ),
        # 乙区 forwards its township's message late on the deadline day: on time
        message(
            "乙区总工会 <yi@test.gov.cn>",
            "转发：乙区10月台账",
            [MIMEMessage(inner)],
            received=at(2026, 11, 5, 23, 50, 10),
            date=at(2026, 11, 5, 23, 50),
            message_id="<yi1@county.test>",
        ),
        # ... and replies to its own message with the same file re-attached: no new receipt
        message(
            "乙区总工会 <yi@test.gov.cn>",
            "回复：转发：乙区10月台账",
            [rfc2231(files["乙区10月台账.xlsx"], "乙区10月台账.xlsx")],
            received=at(2026, 11, 6, 8, 40),
            date=at(2026, 11, 6, 8, 39),
            message_id="<yi2@county.test>",
        ),
        # 戊县 from its own address, three days after the deadline, with an error
        message(
            "戊县总工会 <wu@test.gov.cn>",
            "戊县10月台账",
            [rfc2231(files["戊县10月台账.xlsx"], "戊县10月台账.xlsx")],
            received=at(2026, 11, 8, 16, 20),
            date=at(2026, 11, 8, 16, 19),
            message_id="<wu1@county.test>",
        ),
        message(
            "丙县总工会 <bing@test.gov.cn>",
            "丙县10月台账（改）",
            [rfc2231(files["丙县10月台账（改）.xlsx"], "丙县10月台账（改）.xlsx")],
            received=at(2026, 11, 10, 14, 0),
            date=at(2026, 11, 10, 13, 59),
            message_id="<bing2@county.test>",
        ),
    ]
    for msg in mails:  # the server files each a second after its Received: time
        arrived = parsedate_to_datetime(str(msg["Received"]).rpartition(";")[2])
        box.append(FOLDER, msg.as_bytes(), arrived + timedelta(seconds=1))
    return files


def corrections(box: Dovecot, tmp: Path) -> None:
    """丁区 and 戊县 answer their problem lists with corrected ledgers."""
    for code, when, mid in [
        ("990400", at(2026, 11, 13, 10, 30), "<ding2@county.test>"),
        ("990500", at(2026, 11, 14, 11, 5), "<wu2@county.test>"),
    ]:
        name = {"990400": "丁区", "990500": "戊县"}[code]
        data = ledger(tmp, f"{code}.xlsx", ADDED[code])
        msg = message(
            f"{name}总工会 <{ADDRESSES[code]}>",
            f"回复：测试市总工会：{name}2026年10月台账问题清单",
            [rfc2231(data, f"{name}10月台账（更正）.xlsx")],
            received=when,
            date=when,
            message_id=mid,
        )
        box.append(FOLDER, msg.as_bytes(), when)


def test_a_month_by_mail(
    dovecot: Dovecot,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BULLETIN_IMAP_PASSWORD", PASSWORD)
    monkeypatch.setenv("BULLETIN_SMTP_PASSWORD", SMTP_PASSWORD)
    outbox = Mailbox()
    with running(outbox) as port:
        root = tmp_path / "project"
        five_counties(root, dovecot.port, port)
        files = first_mail(dovecot, tmp_path)

        fetched = cli_run("fetch", OCT, str(root))
        assert "Traceback" not in fetched.output
        assert fetched.exit_code == 1, fetched.output  # 丁区's and 戊县's ledgers have errors
        assert "张三 <zhangsan@qq.test>《戊县10月台账》" in fetched.output
        # one line a county, by its own file names, with the verdict the arrival times give
        assert (
            "丙县：丙县10月台账.xlsx（已被替换）、丙县10月台账（改）.xlsx，1 行，错误 0 个，警告 0 个；"
            "首次收到 2026-11-04 09:12，按时报送，更正1次（截止 2026-11-05）" in fetched.output
        )
        assert (
            "戊县：戊县10月台账.xlsx，1 行，错误 1 个，警告 0 个；"
            "首次收到 2026-11-08 16:20，逾期3天（截止 2026-11-05）" in fetched.output
        )
        assert "下一步：bulletin send-problems 2026-10" in fetched.output
        folder = root / "data" / OCT
        receipts = [(r.source, r.counties, r.received_at, r.kind) for r in read_receipts(folder)]
        assert receipts == [
            ("甲县东镇10月台账.xlsx", ("990100",), at(2026, 11, 3, 18, 30, 5), "intake"),
            ("甲县西镇10月台账.csv", ("990100",), at(2026, 11, 3, 18, 30, 5), "intake"),
            ("丙县10月台账.xlsx", ("990300",), at(2026, 11, 4, 9, 12), "intake"),
            ("丁区10月台账.xlsx", ("990400",), at(2026, 11, 4, 17, 0), "intake"),
            ("乙区10月台账.xlsx", ("990200",), at(2026, 11, 5, 23, 50, 10), "intake"),
            ("戊县10月台账.xlsx", ("990500",), at(2026, 11, 8, 16, 20), "intake"),
            ("丙县10月台账（改）.xlsx", ("990300",), at(2026, 11, 10, 14, 0), "resend"),
        ]
        assert (folder / "990200-乙区.xlsx").read_bytes() == files["乙区10月台账.xlsx"]

        # the problem lists go to the two counties with problems, and not again
        first = cli_run("send-problems", OCT, str(root), "--yes")
        assert first.exit_code == 0, first.output
        assert "已发送 2 个县市区，失败 0 个" in first.output
        assert [to for to, _raw in outbox.messages] == [["ding@test.gov.cn"], ["wu@test.gov.cn"]]
        lists = sorted(p.name for p in (root / "problems" / OCT).glob("99*问题清单.xlsx"))
        assert lists == ["990400-丁区-问题清单.xlsx", "990500-戊县-问题清单.xlsx"]
        sent = email.message_from_bytes(outbox.messages[1][1], policy=email.policy.default)
        assert sent["Subject"] == "测试市总工会：戊县2026年10月台账问题清单（错误 1 个、警告 0 个）"
        again = cli_run("send-problems", OCT, str(root), "--yes")
        assert again.exit_code == 0, again.output
        assert "没有需要发送的问题清单" in again.output
        assert len(outbox.messages) == 2

        # their corrections come back; fetched; nothing left to mail
        corrections(dovecot, tmp_path)
        second = cli_run("fetch", OCT, str(root))
        assert second.exit_code == 0, second.output
        assert "另有 7 封邮件此前已经收取" in second.output
        third = cli_run("send-problems", OCT, str(root), "--yes")
        assert third.exit_code == 0, third.output
        assert len(outbox.messages) == 2

    # the build's model of the internal bulletin (the PDFs of the whole build are the same
    # renderer's: the bulletin's alone is rendered below, to keep the test cheap)
    build(root, BuildOptions(site=False, pdf=False, audience="internal"))
    model = json.loads((root / "site" / "internal" / "data" / OCT / "bulletin.json").read_text())
    reporting = model["reporting"]
    assert reporting["deadline"] == "2026-11-05"
    # worked out by hand from the Received: times against 5 November (the deadline day counts)
    shown = [
        (c["name"], c["status"], [(f["file"], f["received_at"]) for f in c["files"]])
        for c in reporting["counties"]
    ]
    expected = [
        (
            "甲县",
            "按时报送",
            [
                ("甲县东镇10月台账.xlsx", "2026-11-03 18:30:05"),
                ("甲县西镇10月台账.csv", "2026-11-03 18:30:05"),
            ],
        ),
        ("乙区", "按时报送", [("乙区10月台账.xlsx", "2026-11-05 23:50:10")]),
        (
            "丙县",
            "按时报送，更正1次",
            [
                ("丙县10月台账.xlsx（已被替换）", "2026-11-04 09:12:00"),
                ("丙县10月台账（改）.xlsx", "2026-11-10 14:00:00"),
            ],
        ),
        (
            "丁区",
            "按时报送，更正1次",
            [
                ("丁区10月台账.xlsx（已被替换）", "2026-11-04 17:00:00"),
                ("丁区10月台账（更正）.xlsx", "2026-11-13 10:30:00"),
            ],
        ),
        (
            "戊县",
            "逾期3天，更正1次",
            [
                ("戊县10月台账.xlsx（已被替换）", "2026-11-08 16:20:00"),
                ("戊县10月台账（更正）.xlsx", "2026-11-14 11:05:00"),
            ],
        ),
    ]
    assert shown == expected
    assert [c["late"] for c in reporting["counties"]] == [False, False, False, False, True]
    assert_pdf_table(root, expected)


def assert_pdf_table(root: Path, expected: list[tuple[str, str, list[tuple[str, str]]]]) -> None:
    """The document to be signed (the internal bulletin's PDF, as `build` renders it) says the
    same: one row per file of a county, with its time as printed, and the county's verdict once
    beside its files (a merged cell: text extraction puts it on a line of its own between two
    file rows)."""
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is needed: ./run setup"
    gathered = gather(root, BuildOptions(site=False, pdf=False, audience="internal"))
    bulletin = gathered.bulletins["internal"][-1]
    assert bulletin.period == OCT
    pdf = render_bulletin_pdf(bulletin, gathered.config, root / "bulletin.pdf", charts=False)
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    section = text[text.index("报送情况") : text.index("存在问题")]
    assert "按时报送的4个县市区；逾期报送的：戊县（逾期3天）" in section.replace("\n", "")
    header = section.index("收到时间")
    rows = [re.split(r"\s{2,}", line.strip()) for line in section[header:].splitlines()[1:]]
    # a table that runs onto the next page repeats its header there
    printed = [r for r in rows if len(r) > 1 and r != ["县市区", "文件", "收到时间", "报送情况"]]
    wanted: list[list[str]] = []
    for county, status, files in expected:
        shown = [
            [name, f"{int(when[5:7])}月{int(when[8:10])}日 {when[11:16]}"] for name, when in files
        ]
        assert len(shown) <= 2  # the layout read here: one or two files a county
        wanted += (
            [[county, *shown[0], status]]
            if len(shown) == 1
            else [shown[0], [county, status], shown[1]]
        )
    assert printed == wanted
