"""`bulletin fetch` against a real IMAP server: Dovecot on 127.0.0.1, started by these tests
with a throwaway configuration, filled over IMAP with MIME messages as mail programs write them."""

from __future__ import annotations

import csv
import email
import email.policy
import imaplib
import io
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from conftest import ENTERPRISES, UNITS, Project, uscc, write_roster
from openpyxl import load_workbook

from generator.cli import cli
from generator.common.periods import Period
from generator.common.record import RECEIVED, read_receipts
from generator.office import mailbox, mime
from generator.office.imap import MailboxError, imap_folder
from generator.office.mailbox import FETCHED, fetch, window
from generator.office.mime import BY_DATE, BY_INTERNALDATE, BY_RECEIVED, Mail, attachments

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

USER, PASSWORD = "office@test.gov.cn", "收件密码pw"
CST = ZoneInfo("Asia/Shanghai")
ADDRESSES = {"990100": "jia@test.gov.cn", "990200": "yi@test.gov.cn; yi2@test.gov.cn"}
NOW = datetime(2026, 12, 7, 9, 0)


@dataclass
class Dovecot:
    port: int
    folders: list[str]

    def append(self, folder: str, raw: bytes, internal: datetime) -> None:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            imap.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())
            name = imap_folder(folder)
            if folder not in self.folders:
                assert imap.create(name)[0] == "OK"
                self.folders.append(folder)
            status, _ = imap.append(name, None, imaplib.Time2Internaldate(internal), raw)
            assert status == "OK"
        finally:
            imap.logout()

    def count(self, folder: str) -> int:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            imap.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())
            status, data = imap.select(imap_folder(folder), readonly=True)
            assert status == "OK"
            return int(data[0] or 0)
        finally:
            imap.logout()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the module: a passwd-file user, maildirs in a throwaway folder."""
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not Path(binary).is_file():
        pytest.fail("没有安装 Dovecot（dovecot-imapd）：请运行 ./run setup")
    base = Path(tempfile.mkdtemp(prefix="bulletin-imap-"))
    base.chmod(0o755)
    # Dovecot runs mail processes as the userdb's uid, never root: as root they run as nobody
    if os.getuid() == 0:
        uid, gid, internal, login = 65534, 65534, "dovecot", "dovenull"
    else:
        name = pwd.getpwuid(os.getuid()).pw_name
        uid, gid, internal, login = os.getuid(), os.getgid(), name, name
    mail = base / "mail"
    mail.mkdir()
    if os.getuid() == 0:
        os.chown(mail, uid, gid)
    (base / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
    port = free_port()
    config = base / "dovecot.conf"
    config.write_text(
        f"""protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{mail}/%u
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
""",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (
                        (base / "dovecot.log").read_text(errors="replace")
                        if (base / "dovecot.log").is_file()
                        else ""
                    )
                    out = process.stdout.read().decode(errors="replace") if process.stdout else ""
                    pytest.fail(f"Dovecot did not start: {out}\n{log}")
                time.sleep(0.1)
        yield Dovecot(port, ["INBOX"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def office_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The office's computer is set to another zone than the office's (New York): receipts are
    still recorded, judged and shown on Beijing time, the project's clock."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def make_project(root: Path, port: int, folder: str) -> Project:
    """The small project with units' addresses and its October ledger not yet received."""
    project = Project(root)
    project.write("units", [{**u, "email": ADDRESSES.get(u["code"], "")} for u in UNITS])
    for old in (root / "data" / "2026-10").glob("enterprises.*"):
        old.unlink()
    with (root / "bulletin.yml").open("a", encoding="utf-8") as handle:
        handle.write(
            f"mailbox:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n"
            f"  username: {USER}\n  folder: {folder}\n"
        )
    return project


def ledger(tmp: Path, name: str, units: set[str], encoding: str = "utf-8-sig") -> bytes:
    rows = [r for r in ENTERPRISES if r["unit"] in units]
    return write_roster(tmp / name, "enterprises", rows, encoding=encoding).read_bytes()


def rfc2231(data: bytes, name: str, subtype: str = "octet-stream") -> MIMEBase:
    """An attachment named as Outlook and Foxmail do: filename*=gb18030''%..."""
    part = MIMEApplication(data, subtype)
    part.add_header("Content-Disposition", "attachment", filename=("gb18030", "", name))
    return part


def encoded_word(data: bytes, name: str) -> MIMEBase:
    """An attachment named as many Chinese webmails do: filename="=?GB18030?B?…?=" (RFC 2047)."""
    part = MIMEApplication(data, "octet-stream")
    word = Header(name, "gb18030").encode()
    part.add_header("Content-Disposition", f'attachment; filename="{word}"')
    part.set_param("name", word)
    return part


def message(
    sender: str,
    subject: str,
    parts: list[MIMEBase],
    *,
    received: datetime | None = None,
    date: datetime | None = None,
    message_id: str,
) -> MIMEMultipart:
    msg = MIMEMultipart()
    if received is not None:
        # the office's server adds its line on top; the sender's own server's line is below
        msg["Received"] = (
            f"from mx.county.test (mx.county.test [10.0.0.2]) by mail.office.test "
            f"with ESMTPS id 4AbC; {format_datetime(received)}"
        )
        msg["Received"] = (
            f"from [10.0.0.9] by mx.county.test with ESMTPSA; "
            f"{format_datetime(received.replace(minute=0))}"
        )
    msg["From"] = sender
    msg["To"] = USER
    msg["Subject"] = Header(subject, "utf-8").encode()
    if date is not None:
        msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg.attach(MIMEText("附件是本月台账，请查收。", "plain", "utf-8"))
    for part in parts:
        msg.attach(part)
    return msg


class GbkZipInfo(zipfile.ZipInfo):
    """A zip member named in GBK without the UTF-8 flag, as Chinese Windows writes it."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("gbk"), self.flag_bits


def gbk_zip(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = GbkZipInfo(name, date_time=(2026, 11, 12, 9, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data)
    return buffer.getvalue()


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=CST)


@dataclass
class Month:
    root: Path
    dovecot: Dovecot
    folder: str
    files: dict[str, bytes]


@pytest.fixture(scope="module")
def month(dovecot: Dovecot, tmp_path_factory: pytest.TempPathFactory) -> Month:
    """October's mail: 甲县 on time with two files, a reply re-attaching one, a message without
    a spreadsheet; 乙区 forwarding its ledger late, then a correction in a zip; a stranger's
    ledger; a message of November's window."""
    base = tmp_path_factory.mktemp("fetch")
    folder = "县市区台账"
    root = base / "project"
    make_project(root, dovecot.port, folder)
    files = {
        "甲县东镇10月台账.xlsx": ledger(base, "a.xlsx", {"990101", "990100"}),
        "甲县西镇10月台账.csv": ledger(base, "b.csv", {"990102"}, encoding="gb18030"),
        "乙区10月台账.xlsx": ledger(base, "c.xlsx", {"990201"}),
    }
    corrected = [dict(r) for r in ENTERPRISES if r["unit"] == "990201"]
    corrected[0]["employees"] = "12"
    files["乙区10月台账（更正）.xlsx"] = write_roster(
        base / "d.xlsx", "enterprises", corrected
    ).read_bytes()
    # a name encoded as mail programs do; 乙区's program encodes `name <address>` whole
    jia = formataddr(("甲县总工会", "JIA@test.gov.cn"), charset="utf-8")
    two = message(
        jia,
        "甲县10月台账",
        [
            rfc2231(files["甲县东镇10月台账.xlsx"], "甲县东镇10月台账.xlsx"),
            encoded_word(files["甲县西镇10月台账.csv"], "甲县西镇10月台账.csv"),
        ],
        received=at(2026, 11, 3, 18, 30, 5),
        date=at(2026, 11, 3, 18, 29, 40),
        message_id="<m1@county.test>",
    )
    inner = message(
        "南街道 <nan@street.test>",
        "乙区10月台账",
        [rfc2231(files["乙区10月台账.xlsx"], "乙区10月台账.xlsx")],
        date=at(2026, 11, 2, 8, 0),
        message_id="<inner@street.test>",
    )
    forwarded = message(
        "乙区总工会 <yi2@test.gov.cn>",
        "转发：乙区10月台账",
        [MIMEMessage(inner)],
        date=at(2026, 11, 9, 10, 0),  # no Received: the Date is the arrival
        message_id="<m2@county.test>",
    )
    reply = message(
        jia,
        "回复：甲县10月台账",
        [rfc2231(files["甲县东镇10月台账.xlsx"], "甲县东镇10月台账.xlsx")],
        received=at(2026, 11, 10, 8, 15),
        date=at(2026, 11, 10, 8, 14),
        message_id="<m3@county.test>",
    )
    stranger = message(
        "张三 <zhangsan@qq.test>",
        "10月台账",
        [rfc2231(files["乙区10月台账.xlsx"], "台账.xlsx")],
        received=at(2026, 11, 4, 9, 0),
        date=at(2026, 11, 4, 9, 0),
        message_id="<m4@qq.test>",
    )
    zipped = message(
        "乙区总工会 <yi@test.gov.cn>",
        "乙区10月台账更正",
        [
            rfc2231(
                gbk_zip("乙区10月台账（更正）.xlsx", files["乙区10月台账（更正）.xlsx"]), "更正.zip"
            )
        ],
        received=at(2026, 11, 12, 16, 45, 30),
        date=at(2026, 11, 12, 16, 45),
        message_id="<m5@county.test>",
    )
    text_only = message(
        jia,
        "关于台账的说明",
        [rfc2231(b"PK\x03\x04 not really a document", "说明.docx")],
        message_id="<m6@county.test>",  # neither Received nor Date: the server's time
    )
    november = message(
        jia,
        "甲县11月台账",
        [rfc2231(files["甲县东镇10月台账.xlsx"], "甲县11月台账.xlsx")],
        received=at(2026, 12, 2, 9, 0),
        date=at(2026, 12, 2, 9, 0),
        message_id="<m7@county.test>",
    )
    for msg, internal in [
        (two, at(2026, 11, 3, 18, 30, 6)),
        (forwarded, at(2026, 11, 9, 10, 0, 3)),
        (reply, at(2026, 11, 10, 8, 15, 1)),
        (stranger, at(2026, 11, 4, 9, 0, 1)),
        (zipped, at(2026, 11, 12, 16, 45, 31)),
        (text_only, at(2026, 11, 6, 11, 20)),
        (november, at(2026, 12, 2, 9, 0, 1)),
    ]:
        dovecot.append(folder, msg.as_bytes(), internal)
    return Month(root, dovecot, folder, files)


def test_a_month_of_mail_is_taken_in_with_arrival_times(
    month: Month, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BULLETIN_IMAP_PASSWORD", PASSWORD)
    root = month.root
    result = fetch(root, "2026-10", now=NOW, timeout=10)
    assert result.window == (at(2026, 10, 31), at(2026, 11, 30))
    by_id = {m.message_id: m for m in result.taken}
    # taken in arrival order; the stranger's listed only; November's message not in the window
    assert list(by_id) == [
        "<m1@county.test>",
        "<m6@county.test>",
        "<m2@county.test>",
        "<m3@county.test>",
        "<m5@county.test>",
    ]
    assert [(m.sender, m.message_id) for m in result.unknown] == [
        ("zhangsan@qq.test", "<m4@qq.test>")
    ]
    assert by_id["<m1@county.test>"].arrived == at(2026, 11, 3, 18, 30, 5)
    assert by_id["<m1@county.test>"].arrived_by == BY_RECEIVED
    assert by_id["<m2@county.test>"].arrived_by == BY_DATE
    assert by_id["<m6@county.test>"].arrived == at(2026, 11, 6, 11, 20)
    assert by_id["<m6@county.test>"].arrived_by == BY_INTERNALDATE
    assert by_id["<m6@county.test>"].files == []
    assert "不是表格的附件未收取：说明.docx" in by_id["<m6@county.test>"].notes
    assert any(
        "压缩包 更正.zip：已解压出 1 个表格文件" in n for n in by_id["<m5@county.test>"].notes
    )
    assert any(
        line.startswith("未重复收取 甲县东镇10月台账.xlsx")
        for line in by_id["<m3@county.test>"].lines
    )

    # the files are in the period as intake stores them, byte for byte as attached
    folder = root / "data" / "2026-10"
    stored = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name[0] != "."}
    assert stored.pop("volunteer_reviews.csv")
    assert stored == {
        "990100-甲县.xlsx": month.files["甲县东镇10月台账.xlsx"],
        "990100-甲县-2.csv": month.files["甲县西镇10月台账.csv"],
        "990200-乙区.xlsx": month.files["乙区10月台账（更正）.xlsx"],
    }
    replaced = [p.read_bytes() for p in (folder / ".replaced").iterdir()]
    assert replaced == [month.files["乙区10月台账.xlsx"]]
    # the attachments as they came, under their decoded names, outside the period folder
    inbox = {p.name: p.read_bytes() for p in (root / "inbox" / "2026-10").rglob("*.*")}
    assert inbox == {
        "甲县东镇10月台账.xlsx": month.files["甲县东镇10月台账.xlsx"],
        "甲县西镇10月台账.csv": month.files["甲县西镇10月台账.csv"],
        "乙区10月台账.xlsx": month.files["乙区10月台账.xlsx"],
        "乙区10月台账（更正）.xlsx": month.files["乙区10月台账（更正）.xlsx"],
    }

    # each receipt carries its message's arrival time; the re-attached file is no new receipt
    receipts = [(r.source, r.counties, r.received_at) for r in read_receipts(folder)]
    assert receipts == [
        ("甲县东镇10月台账.xlsx", ("990100",), at(2026, 11, 3, 18, 30, 5)),
        ("甲县西镇10月台账.csv", ("990100",), at(2026, 11, 3, 18, 30, 5)),
        ("乙区10月台账.xlsx", ("990200",), at(2026, 11, 9, 10, 0)),
        ("乙区10月台账（更正）.xlsx", ("990200",), at(2026, 11, 12, 16, 45, 30)),
    ]
    assert (folder / FETCHED).is_file()
    # the summary per county: files, rows, problems, and the 报送情况 the arrival times give
    assert [(c[1], c[3], c[4], c[6]) for c in result.counties] == [
        ("甲县", 3, 0, "首次收到 2026-11-03 18:30，按时报送（截止 2026-11-05）"),
        ("乙区", 1, 0, "首次收到 2026-11-09 10:00，逾期4天，更正1次（截止 2026-11-05）"),
    ]

    # a second fetch takes nothing again and records nothing
    record = (folder / RECEIVED).read_bytes()
    again = fetch(root, "2026-10", now=NOW, timeout=10)
    assert again.taken == []
    assert again.already == 5
    assert [m.sender for m in again.unknown] == ["zhangsan@qq.test"]
    assert (folder / RECEIVED).read_bytes() == record
    # nothing was deleted or moved on the server
    assert month.dovecot.count(month.folder) == 7


def test_fetch_command_summary_and_reporting(month: Month, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's summary after the month was fetched: the stranger listed with what to do,
    nothing taken again; 报送情况 from the arrival times (乙区 four days late)."""
    from generator.common.config import load_config
    from generator.common.record import reporting_status
    from generator.rosters.load import load_project

    monkeypatch.setenv("BULLETIN_IMAP_PASSWORD", PASSWORD)
    result = CliRunner().invoke(cli, ["fetch", "2026-10", str(month.root)])
    assert result.exit_code == 0, result.output
    assert "2026-10-31 00:00 至 2026-11-30 00:00" in result.output
    assert "另有 5 封邮件此前已经收取" in result.output
    assert "张三 <zhangsan@qq.test>《10月台账》" in result.output
    assert "data/units.csv 的“邮箱”列" in result.output
    config = load_config(month.root)
    data = load_project(month.root, config)
    counties = {c: data.unit_index.name[c] for c in ("990100", "990200")}
    status = reporting_status(
        month.root, Period.parse("2026-10"), counties, {}, {}, config.report_deadline
    )
    assert [(s.name, s.received, s.status) for s in status] == [
        ("甲县", "2026-11-03 18:30:05", "按时报送"),
        ("乙区", "2026-11-09 10:00:00", "逾期4天，更正1次"),
    ]


def test_wrong_password_is_said_plainly(month: Month, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULLETIN_IMAP_PASSWORD", "错误的密码")
    result = CliRunner().invoke(cli, ["fetch", "2026-10", str(month.root)])
    assert result.exit_code == 1
    assert "拒绝了用户名或密码（用户名 office@test.gov.cn）" in result.output
    assert "BULLETIN_IMAP_PASSWORD" in result.output
    assert "Traceback" not in result.output


def test_refused_and_silent_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULLETIN_IMAP_PASSWORD", PASSWORD)
    closed = free_port()
    make_project(tmp_path / "refused", closed, "INBOX")
    result = CliRunner().invoke(cli, ["fetch", "2026-10", str(tmp_path / "refused")])
    assert result.exit_code == 1
    assert f"无法连接收件服务器 127.0.0.1:{closed}：服务器拒绝连接" in result.output
    assert "Traceback" not in result.output
    # a server that accepts the connection and never says a word
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        make_project(tmp_path / "silent", port, "INBOX")
        started = time.monotonic()
        with pytest.raises(MailboxError, match="服务器没有应答（连接超时）"):
            fetch(tmp_path / "silent", "2026-10", timeout=1)
        assert time.monotonic() - started < 10


def test_no_mailbox_settings_says_what_to_write(tmp_path: Path) -> None:
    Project(tmp_path / "project")
    result = CliRunner().invoke(cli, ["fetch", "2026-10", str(tmp_path / "project")])
    assert result.exit_code != 0
    assert "没有收件邮箱设置（mailbox）" in result.output
    assert "Traceback" not in result.output


def test_folder_names_in_modified_utf7() -> None:
    # RFC 3501 5.1.3's own example
    assert imap_folder("~peter/mail/台北/日本語") == '"~peter/mail/&U,BTFw-/&ZeVnLIqe-"'
    assert imap_folder("A&B") == '"A&-B"'


def _parsed(msg: MIMEMultipart) -> Mail:
    """What fetch takes from a message (parsed as fetch parses what the server gives)."""
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    mail = Mail("1", "<x@test>", "jia@test.gov.cn", "", "", None, BY_DATE)
    attachments(parsed, mail)
    return mail


def test_encrypted_oversize_and_bomb_attachments_are_said_not_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = ledger(tmp_path, "a.xlsx", {"990101"})
    # an xlsx with an opening password is an OLE file holding an EncryptedPackage stream
    encrypted = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le")
    )
    monkeypatch.setattr(mime, "MAX_ATTACHMENT", len(good) + 10)
    big = good + bytes(100)  # over the limit by 90 bytes
    # a zip whose member inflates far beyond the limit (a zip bomb): never inflated
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("台账.xlsx", bytes(len(good) * 50))
        archive.writestr("说明.txt", "见表")
    msg = message(
        "jia@test.gov.cn",
        "台账",
        [
            rfc2231(encrypted, "加密.xlsx"),
            rfc2231(big, "大.xlsx"),
            rfc2231(bomb.getvalue(), "台账.zip"),
            rfc2231(b"Rar!\x1a\x07\x00", "台账.rar"),
            rfc2231(good, "好.xlsx"),
        ],
        date=at(2026, 11, 3, 9, 0),
        message_id="<a@test>",
    )
    mail = _parsed(msg)
    assert [(f.name, f.data) for f in mail.files] == [("好.xlsx", good)]
    assert mail.notes == [
        "附件 加密.xlsx 设有打开密码（已加密），无法读取，未收取：请县市区取消密码后重发",
        f"附件 大.xlsx 有 {len(big) / 1024:.0f} KB，超过 {(len(good) + 10) / 1024:.0f} KB 的上限，"
        "未收取：请县市区删去多余的工作表或图片后重发",
        f"压缩包 台账.zip 中的 台账.xlsx 解压后有 {len(good) * 50 / 1024:.0f} KB，超过 "
        f"{(len(good) + 10) / 1024:.0f} KB 的上限（或压缩比异常），未收取",
        "压缩包 台账.zip 中没有表格文件（.xlsx、.xls、.ods、.csv）",
        "附件 台账.rar 是 rar 压缩包，无法打开：请县市区直接发送表格文件或用 zip 压缩",
    ]


def test_zip_names_and_raw_gb18030_file_names(tmp_path: Path) -> None:
    good = ledger(tmp_path, "a.xlsx", {"990101"})
    raw = MIMEApplication(good, "octet-stream")
    # a file name in raw GB18030 bytes, no encoding at all (older mail programs)
    raw["Content-Disposition"] = "attachment"
    msg = message("jia@test.gov.cn", "台账", [raw], message_id="<b@test>")
    text = msg.as_bytes().replace(
        b"Content-Disposition: attachment",
        b'Content-Disposition: attachment; filename="' + "东镇台账.xlsx".encode("gb18030") + b'"',
    )
    parsed = email.message_from_bytes(text, policy=email.policy.default)
    mail = Mail("1", "<b@test>", "jia@test.gov.cn", "", "", None, BY_DATE)
    attachments(parsed, mail)
    assert [f.name for f in mail.files] == ["东镇台账.xlsx"]
    # a path in a zip is not followed out of the folder: only the file's own name is kept
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../外面/西镇.xlsx", good)
    mail = _parsed(
        message(
            "jia@test.gov.cn", "台账", [rfc2231(archive.getvalue(), "a.zip")], message_id="<c@t>"
        )
    )
    assert [(f.name, f.within, f.data) for f in mail.files] == [("西镇.xlsx", "a.zip", good)]


def test_mailbox_settings_refuse_a_password_in_the_file(tmp_path: Path) -> None:
    from generator.common.config import load_config
    from generator.common.errors import ConfigError

    Project(tmp_path / "p")
    path = tmp_path / "p" / "bulletin.yml"
    base = path.read_text(encoding="utf-8")
    path.write_text(base + "mailbox:\n  host: imap.test\n  username: a@test\n", encoding="utf-8")
    settings = load_config(tmp_path / "p").mailbox
    assert settings is not None
    assert (settings.port, settings.security, settings.folder) == (993, "ssl", "INBOX")
    path.write_text(
        base + "mailbox:\n  host: imap.test\n  username: a@test\n  password: x\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="密码不能写在文件中"):
        load_config(tmp_path / "p")


def test_move_to_moves_only_the_messages_taken(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BULLETIN_IMAP_PASSWORD", PASSWORD)
    folder = "移动测试"
    root = tmp_path / "project"
    make_project(root, dovecot.port, folder)
    data = ledger(tmp_path, "a.xlsx", {"990101", "990102", "990100"})
    mine = message(
        formataddr(("甲县总工会", "jia@test.gov.cn"), charset="utf-8"),
        "甲县10月台账",
        [rfc2231(data, "甲县10月台账.xlsx")],
        received=at(2026, 11, 3, 9, 0),
        message_id="<move1@county.test>",
    )
    theirs = message(
        "李四 <lisi@qq.test>",
        "台账",
        [rfc2231(data, "台账.xlsx")],
        received=at(2026, 11, 3, 10, 0),
        message_id="<move2@qq.test>",
    )
    dovecot.append(folder, mine.as_bytes(), at(2026, 11, 3, 9, 0, 1))
    dovecot.append(folder, theirs.as_bytes(), at(2026, 11, 3, 10, 0, 1))
    result = CliRunner().invoke(cli, ["fetch", "2026-10", str(root), "--move-to", "已收"])
    assert result.exit_code == 0, result.output
    assert "已收取 甲县10月台账.xlsx（甲县，3 行）→ data/2026-10/990100-甲县.xlsx" in result.output
    assert "已把 1 封已收取的邮件移到邮件夹“已收”" in result.output
    # the stranger's message stays where it was; the county's is in 已收, not deleted
    assert dovecot.count(folder) == 1
    assert dovecot.count("已收") == 1
    again = CliRunner().invoke(cli, ["fetch", "2026-10", str(root), "--move-to", "已收"])
    assert again.exit_code == 0, again.output
    assert "没有新的台账邮件" in again.output
    assert "没有需要移到“已收”的邮件" in again.output
    assert dovecot.count("已收") == 1


def test_a_mail_is_judged_by_beijing_time_whatever_its_senders_zone(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline is 5 November, Beijing time; the office computer is set to New York. 甲县's
    mail says 23:30 +0800 on the 5th: on time. 乙区's says 16:30 -0800 on the 5th (its sender
    abroad): that is 08:30 on the 6th in Beijing, a day late."""
    monkeypatch.setenv("BULLETIN_IMAP_PASSWORD", PASSWORD)
    folder = "时区测试"
    root = tmp_path / "project"
    make_project(root, dovecot.port, folder)
    pacific = timezone(timedelta(hours=-8))
    sent = [
        ("jia@test.gov.cn", "甲县.xlsx", {"990101", "990102", "990100"}, at(2026, 11, 5, 23, 30)),
        ("yi@test.gov.cn", "乙区.xlsx", {"990201"}, datetime(2026, 11, 5, 16, 30, tzinfo=pacific)),
    ]
    for i, (sender, name, units, when) in enumerate(sent):
        data = ledger(tmp_path, name, units)
        mail = message(sender, name, [rfc2231(data, name)], date=when, message_id=f"<z{i}@t>")
        dovecot.append(folder, mail.as_bytes(), when + timedelta(seconds=1))
    result = CliRunner().invoke(cli, ["fetch", "2026-10", str(root)])
    assert result.exit_code == 0, result.output
    assert "首次收到 2026-11-05 23:30，按时报送（截止 2026-11-05）" in result.output
    assert "首次收到 2026-11-06 08:30，逾期1天（截止 2026-11-05）" in result.output
    receipts = [(r.source, r.received_at) for r in read_receipts(root / "data" / "2026-10")]
    assert receipts == [
        ("甲县.xlsx", at(2026, 11, 5, 23, 30)),
        ("乙区.xlsx", at(2026, 11, 6, 8, 30)),
    ]
    # written with the offset of the office's clock, whatever the computer's
    record = (root / "data" / "2026-10" / RECEIVED).read_text(encoding="utf-8")
    assert "2026-11-06 08:30:00+08:00" in record


def test_windows_follow_each_other_without_overlap() -> None:
    def span(text: str) -> tuple[str, str]:
        start, end = window(Period.parse(text))
        return f"{start:%Y-%m-%d %H:%M}", f"{end:%Y-%m-%d %H:%M}"

    assert span("2026-11") == ("2026-11-30 00:00", "2026-12-31 00:00")
    assert span("2026-12") == ("2026-12-31 00:00", "2027-01-31 00:00")
    assert span("2027-01") == ("2027-01-31 00:00", "2027-02-28 00:00")
    assert span("2026-Q4") == ("2026-12-31 00:00", "2027-03-31 00:00")


def test_a_county_sending_another_countys_file_is_pointed_out(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BULLETIN_IMAP_PASSWORD", PASSWORD)
    folder = "发错测试"
    root = tmp_path / "project"
    make_project(root, dovecot.port, folder)
    data = ledger(tmp_path, "a.xlsx", {"990101", "990102", "990100"})
    wrong = message(
        "yi@test.gov.cn",
        "乙区10月台账",
        [rfc2231(data, "乙区10月台账.xlsx")],
        received=at(2026, 11, 4, 9, 0),
        message_id="<wrong@county.test>",
    )
    dovecot.append(folder, wrong.as_bytes(), at(2026, 11, 4, 9, 0, 1))
    result = fetch(root, "2026-10", now=NOW, timeout=10)
    (mail,) = result.taken
    assert mail.lines[0] == "已收取 乙区10月台账.xlsx（甲县，3 行）→ data/2026-10/990100-甲县.xlsx"
    assert "  注意：发件邮箱是乙区的，文件中的单位却是甲县的，请核对是否发错了文件" in mail.lines


def test_fetched_ledger_with_an_error_gets_its_problem_list_mailed_once(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The month's loop: a county's ledger fetched from the mailbox, its problem list mailed
    back to the county's address (aiosmtpd), and not again on a second run."""
    from aiosmtpd.controller import Controller
    from test_send import PASSWORD as SMTP_PASSWORD
    from test_send import USER as SMTP_USER
    from test_send import Mailbox, authenticator

    monkeypatch.setenv("BULLETIN_IMAP_PASSWORD", PASSWORD)
    monkeypatch.setenv("BULLETIN_SMTP_PASSWORD", SMTP_PASSWORD)
    folder = "问题测试"
    root = tmp_path / "project"
    make_project(root, dovecot.port, folder)
    rows = [dict(r) for r in ENTERPRISES if r["unit"] != "990201"]
    rows[0]["employees"] = "一百二十"
    data = write_roster(tmp_path / "a.xlsx", "enterprises", rows).read_bytes()
    mine = message(
        "jia@test.gov.cn",
        "甲县10月台账",
        [rfc2231(data, "甲县10月台账.xlsx")],
        received=at(2026, 11, 3, 9, 0),
        message_id="<problem@county.test>",
    )
    dovecot.append(folder, mine.as_bytes(), at(2026, 11, 3, 9, 0, 1))
    fetched = CliRunner().invoke(cli, ["fetch", "2026-10", str(root)])
    assert fetched.exit_code == 1  # the ledger has an error: said, and the exit code says it
    assert "甲县：甲县10月台账.xlsx，3 行，错误 1 个" in fetched.output  # its own file name

    outbox = Mailbox()
    port = free_port()
    with (root / "bulletin.yml").open("a", encoding="utf-8") as handle:
        handle.write(
            f"mail:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n"
            f"  username: {SMTP_USER}\n  from: {SMTP_USER}\n"
        )
    controller = Controller(
        outbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        first = CliRunner().invoke(cli, ["send-problems", "2026-10", str(root), "--yes"])
        second = CliRunner().invoke(cli, ["send-problems", "2026-10", str(root), "--yes"])
    finally:
        controller.stop()
    assert first.exit_code == 0, first.output
    # 乙区 has not reported: chasing it is the office's; no list of its own carries the
    # office's next steps (intake, carry): they are in the 全市 list
    assert "990200 乙区：本期尚未报送台账" in first.output
    lists = root / "problems" / "2026-10"
    assert not (lists / "990200-乙区-问题清单.xlsx").exists()
    jia_cells = [
        c
        for row in load_workbook(lists / "990100-甲县-问题清单.xlsx").active.iter_rows(
            values_only=True
        )
        for c in row
    ]
    city_cells = [
        c
        for row in load_workbook(lists / "全市-问题清单.xlsx").active.iter_rows(values_only=True)
        for c in row
    ]
    assert "E-COUNTY-NOT-REPORTED" in city_cells
    assert "E-COUNTY-NOT-REPORTED" not in jia_cells
    assert not any("bulletin carry" in str(c) for c in jia_cells)
    assert [to for to, _raw in outbox.messages] == [["jia@test.gov.cn"]]
    parsed = email.message_from_bytes(outbox.messages[0][1], policy=email.policy.default)
    (listed,) = [a.get_filename() for a in parsed.iter_attachments()]  # type: ignore[attr-defined]
    assert listed == "990100-甲县-问题清单.xlsx"
    assert "发送过内容相同的问题清单" in second.output
    assert len(outbox.messages) == 1


def test_password_asked_when_not_in_the_environment(
    month: Month, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BULLETIN_IMAP_PASSWORD", raising=False)
    result = CliRunner().invoke(cli, ["fetch", "2026-10", str(month.root)], input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "收件邮箱密码" in result.output
    assert PASSWORD not in result.output  # typed, not echoed
    assert "此前已经收取" in result.output


def test_a_message_that_cannot_be_taken_in_is_tried_again(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message intake refuses as a whole (here: its arrival is after the office's clock) is
    said and not recorded, so the next fetch takes it."""
    monkeypatch.setenv("BULLETIN_IMAP_PASSWORD", PASSWORD)
    folder = "重试测试"
    root = tmp_path / "project"
    make_project(root, dovecot.port, folder)
    data = ledger(tmp_path, "a.xlsx", {"990101", "990102", "990100"})
    mine = message(
        "jia@test.gov.cn",
        "甲县10月台账",
        [rfc2231(data, "甲县10月台账.xlsx")],
        received=at(2026, 11, 20, 9, 0),
        message_id="<retry@county.test>",
    )
    dovecot.append(folder, mine.as_bytes(), at(2026, 11, 20, 9, 0, 1))
    early = fetch(root, "2026-10", now=datetime(2026, 11, 19, 9, 0), timeout=10)
    (mail,) = early.taken
    assert mail.result == "failed"
    assert mail.lines == [
        "未能收取：收到时间 2026-11-20 09:00 晚于现在（2026-11-19 09:00）：请填写文件实际收到的时间。"
    ]
    assert not (root / "data" / "2026-10" / FETCHED).exists()
    later = fetch(root, "2026-10", now=NOW, timeout=10)
    assert [m.result for m in later.taken] == ["taken"]
    receipts = read_receipts(root / "data" / "2026-10")
    assert [(r.source, r.received_at) for r in receipts] == [
        ("甲县10月台账.xlsx", at(2026, 11, 20, 9, 0))
    ]
    assert [p.name for p in (root / "inbox" / "2026-10").rglob("*.xlsx")] == ["甲县10月台账.xlsx"]


# ---- one check per fetch, the same judgments as a message at a time, a fetch killed between ----


def _twelve(unit: str, employees: str) -> list[dict[str, str]]:
    """Twelve enterprises of a unit (enough for E-LEDGER-STALE to compare the county)."""
    rows = []
    for i in range(12):
        row = dict(ENTERPRISES[1])
        row.update(unit=unit, uscc=uscc(f"91{unit}MB{i:07d}"), name=f"{unit}企业{i:03d}")
        row["employees"] = employees
        rows.append(row)
    return rows


def stale_month(tmp: Path, port: int, folder: str) -> tuple[Path, list[tuple[bytes, datetime]]]:
    """乙区 had twelve enterprises in September. In October's window it first sends its
    September ledger again (3 Nov, E-LEDGER-STALE: no submission), 甲县 sends its ledger
    (4 Nov), then 乙区 its October ledger (7 Nov, two days after the 5 November deadline).
    The project and the three messages (raw, arrival), in the order they arrived."""
    root = tmp / "project"
    project = make_project(root, port, folder)
    jia_rows = [dict(r) for r in ENTERPRISES if r["unit"] in ("990100", "990101", "990102")]
    project.write("enterprises", [*jia_rows, *_twelve("990201", "30")], period="2026-09")
    jia_rows[0]["employees"] = "一百二十"  # an error: 甲县 gets a problem list
    files = {
        "乙区9月台账.csv": write_roster(tmp / "s.csv", "enterprises", _twelve("990201", "30")),
        "甲县10月台账.xlsx": write_roster(tmp / "j.xlsx", "enterprises", jia_rows),
        "乙区10月台账.csv": write_roster(tmp / "o.csv", "enterprises", _twelve("990201", "31")),
    }
    sent = [
        ("yi@test.gov.cn", "乙区9月台账.csv", at(2026, 11, 3, 9, 0), "<old@yi.test>"),
        ("jia@test.gov.cn", "甲县10月台账.xlsx", at(2026, 11, 4, 10, 0), "<jia@jia.test>"),
        ("yi@test.gov.cn", "乙区10月台账.csv", at(2026, 11, 7, 11, 30), "<new@yi.test>"),
    ]
    messages = [
        (
            message(
                sender,
                name.removesuffix(".csv").removesuffix(".xlsx"),
                [rfc2231(files[name].read_bytes(), name)],
                received=when,
                message_id=mid,
            ).as_bytes(),
            when,
        )
        for sender, name, when, mid in sent
    ]
    return root, messages


def outcome(root: Path) -> tuple[list[tuple[str, str, datetime | None, str, bool]], list[Any]]:
    """What a fetch leaves that the bulletin reads: the receipts (file as sent, county, arrival,
    intake or resend, stale) and the problem lists' cells, per list."""
    receipts = [
        (r.source, ",".join(r.counties), r.received_at, r.kind, r.stale)
        for r in read_receipts(root / "data" / "2026-10")
    ]
    lists = [
        (
            path.name,
            [row for row in load_workbook(path).active.iter_rows(values_only=True)],
        )
        for path in sorted((root / "problems" / "2026-10").glob("*.xlsx"))
    ]
    return receipts, lists


#: worked out by hand: 乙区's September ledger is no submission (stale); its October ledger
#: replaces it as a resend and, arriving on 7 November, is its first submission
STALE_MONTH_RECEIPTS = [
    ("乙区9月台账.csv", "990200", at(2026, 11, 3, 9, 0), "intake", True),
    ("甲县10月台账.xlsx", "990100", at(2026, 11, 4, 10, 0), "intake", False),
    ("乙区10月台账.csv", "990200", at(2026, 11, 7, 11, 30), "resend", False),
]


def record_results(root: Path) -> list[tuple[str, str]]:
    with (root / "data" / "2026-10" / FETCHED).open(encoding="utf-8-sig", newline="") as f:
        return [(row[0], row[5]) for row in list(csv.reader(f))[1:]]


def test_fetch_checks_once_and_judges_each_message_as_if_taken_alone(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three messages in one fetch: the period is checked once (not once per message), and
    the receipts, E-LEDGER-STALE marks and problem lists are those of three fetches of one
    message each."""
    monkeypatch.setenv("BULLETIN_IMAP_PASSWORD", PASSWORD)
    root, messages = stale_month(tmp_path / "batch", dovecot.port, "一次收取")
    for raw, when in messages:
        dovecot.append("一次收取", raw, when)
    checks: list[Path] = []
    reads: list[object] = []
    real_check, real_stale = mailbox.check_project, mailbox.stale_now

    def check_project(*args: Any) -> Any:
        checks.append(args[0])
        return real_check(*args)

    def stale_now(desk: Any) -> set[str]:
        reads.append(desk)
        return real_stale(desk)

    monkeypatch.setattr(mailbox, "check_project", check_project)
    monkeypatch.setattr(mailbox, "stale_now", stale_now)
    result = fetch(root, "2026-10", now=NOW, timeout=10)
    assert [m.result for m in result.taken] == ["taken"] * 3
    assert len(checks) == 1
    # 乙区's October ledger would change the county the old one was judged on: the period is
    # read once before it goes in (甲县's ledger, between them, changes nothing of 乙区)
    assert len(reads) == 1
    batch = outcome(root)
    assert batch[0] == STALE_MONTH_RECEIPTS
    assert [name for name, _cells in batch[1]] == ["990100-甲县-问题清单.xlsx"]
    states = {name: state for _code, name, *_, state in result.counties}
    assert states["乙区"] == "首次收到 2026-11-07 11:30，逾期2天（截止 2026-11-05）"
    assert states["甲县"] == "首次收到 2026-11-04 10:00，按时报送（截止 2026-11-05）"
    # both judged when the period was read, before 乙区's October ledger went in
    assert record_results(root) == [
        ("<old@yi.test>", "filed"),
        ("<jia@jia.test>", "filed"),
        ("<old@yi.test>", "taken"),
        ("<jia@jia.test>", "taken"),
        ("<new@yi.test>", "filed"),
        ("<new@yi.test>", "taken"),
    ]

    monkeypatch.setattr(mailbox, "check_project", real_check)
    monkeypatch.setattr(mailbox, "stale_now", real_stale)
    one_by_one, messages = stale_month(tmp_path / "single", dovecot.port, "逐封收取")
    for raw, when in messages:
        dovecot.append("逐封收取", raw, when)
        assert [m.result for m in fetch(one_by_one, "2026-10", now=NOW, timeout=10).taken] == [
            "taken"
        ]
    assert outcome(one_by_one) == batch


CHILD = """
import sys, time
from pathlib import Path
from generator.office import mailbox
real, calls, marker = mailbox.file_in, [], Path(sys.argv[2])
def file_in(*args, **kw):
    calls.append(1)
    if len(calls) == 2:  # the first message is filed and recorded: wait here to be killed
        marker.touch()
        time.sleep(300)
    return real(*args, **kw)
mailbox.file_in = file_in
from generator.cli import main
sys.argv = ["bulletin", "fetch", "2026-10", sys.argv[1]]
main()
"""


def test_a_fetch_killed_between_messages_leaves_each_whole_and_the_next_one_judges_it(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kill -9 of a fetch after its first message is filed, before the second: the first is
    filed and recorded, nothing of the others is; the next fetch judges the first on the
    period it left, takes the others, and the record is that of a fetch never killed."""
    monkeypatch.setenv("BULLETIN_IMAP_PASSWORD", PASSWORD)
    root, messages = stale_month(tmp_path, dovecot.port, "中断收取")
    for raw, when in messages:
        dovecot.append("中断收取", raw, when)
    marker = tmp_path / "filed-one"
    env = {**os.environ, "BULLETIN_IMAP_PASSWORD": PASSWORD, "TZ": "America/Los_Angeles"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root), str(marker)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert marker.exists(), "the fetch never reached its second message"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    folder = root / "data" / "2026-10"
    # the first message whole: its file stored, its receipt and its line recorded; its
    # E-LEDGER-STALE judgment not yet, and nothing of the two others
    assert [(r.source, r.stale) for r in read_receipts(folder)] == [("乙区9月台账.csv", False)]
    assert record_results(root) == [("<old@yi.test>", "filed")]
    assert [p.name for p in folder.glob("99*")] == ["990200-乙区.csv"]

    rerun = CliRunner().invoke(cli, ["fetch", "2026-10", str(root)])
    assert rerun.exit_code == 1, rerun.output  # 甲县's ledger has its error
    assert "Traceback" not in rerun.output
    assert "另有 1 封邮件此前已经收取" in rerun.output
    assert "乙区：乙区9月台账.csv（往期台账，已被替换）、乙区10月台账.csv" in rerun.output
    assert "逾期2天（截止 2026-11-05）" in rerun.output
    assert outcome(root)[0] == STALE_MONTH_RECEIPTS
    assert record_results(root) == [
        ("<old@yi.test>", "filed"),
        ("<old@yi.test>", "taken"),  # judged first, on the period the killed fetch left
        ("<jia@jia.test>", "filed"),
        ("<new@yi.test>", "filed"),
        ("<jia@jia.test>", "taken"),
        ("<new@yi.test>", "taken"),
    ]


def test_a_county_not_reported_is_to_be_fetched_when_the_mailbox_is_set_up(
    tmp_path: Path,
) -> None:
    """E-COUNTY-NOT-REPORTED says how the office takes the ledger in: `fetch` first where the
    counties' mail comes to the office's mailbox, `intake` for a file that came otherwise."""
    from generator.rosters.load import check_project

    with_mail = make_project(tmp_path / "mail", 993, "INBOX")
    without = Project(tmp_path / "plain")
    for old in (without.root / "data" / "2026-10").glob("enterprises.*"):
        old.unlink()
    said = {}
    for name, root in (("mail", with_mail.root), ("plain", without.root)):
        yi = [r for r in ENTERPRISES if r["unit"] == "990201"]  # 乙区 reported, 甲县 not
        write_roster(root / "data" / "2026-10" / "990200-乙区.csv", "enterprises", yi)
        problems = check_project(root, Period.parse("2026-10")).problems.items
        (jia,) = [
            p for p in problems if p.code == "E-COUNTY-NOT-REPORTED" and p.county_name == "甲县"
        ]
        said[name] = jia.message
    assert (
        "收到后请用 bulletin fetch 2026-10（从收件邮箱收取邮件报来的台账）或 bulletin intake "
        '2026-10 文件 --received "收到时间"（其他途径报来的）收取；' in said["mail"]
    )
    assert 'bulletin intake 2026-10 文件 --received "收到时间" 收取；' in said["plain"]
    assert "fetch" not in said["plain"]


def test_a_mailed_file_named_for_another_month_is_pointed_out(
    dovecot: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """甲县 mails its September ledger again for October: taken (the office decides), with the
    same note as intake's."""
    monkeypatch.setenv("BULLETIN_IMAP_PASSWORD", PASSWORD)
    folder = "旧月份测试"
    root = tmp_path / "project"
    make_project(root, dovecot.port, folder)
    data = ledger(tmp_path, "a.xlsx", {"990101", "990102", "990100"})
    old = message(
        "jia@test.gov.cn",
        "甲县台账",
        [rfc2231(data, "甲县9月台账.xlsx")],
        received=at(2026, 11, 4, 9, 0),
        message_id="<old-month@county.test>",
    )
    dovecot.append(folder, old.as_bytes(), at(2026, 11, 4, 9, 0, 1))
    result = fetch(root, "2026-10", now=NOW, timeout=10)
    (mail,) = result.taken
    assert mail.lines[0] == "已收取 甲县9月台账.xlsx（甲县，3 行）→ data/2026-10/990100-甲县.xlsx"
    assert "  注意：文件名写的是9月，收进的是 2026-10 期：请核对是不是报错了月份" in mail.lines
