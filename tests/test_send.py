"""`bulletin send` (CONTRACT §4.1) against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import email
import email.policy
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner, Result
from conftest import UNITS, Project, write_roster
from test_issue import write_frame

from generator.build import BuildOptions, build
from generator.cli import cli
from generator.office.issue import issue_period

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

USER, PASSWORD = "zzb@test.gov.cn", "正确的密码"
ADDRESSES = {
    "990100": "jia@test.gov.cn",
    "990101": "dong@test.gov.cn",
    "990201": "nan@test.gov.cn；nan2@test.gov.cn",  # two addresses, a full-width separator
    "990200": "乙区总工会",  # not an address
}


class Mailbox:
    """An aiosmtpd handler keeping every message; it refuses the addresses in `refuse`.

    A message to `hold` is kept without an answer until `release` is set (`held` says it came):
    a server that has the message while the sender is killed.
    """

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse: set[str] = set()
        self.hold = ""
        self.held = threading.Event()
        self.release = threading.Event()
        #: the connection is dropped at RCPT of this address, or after the whole message to it
        self.drop_at_rcpt = ""
        self.drop_after_data = ""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        if address == self.drop_at_rcpt:
            server.transport.close()
            return "421 closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.original_content)))
        if self.drop_after_data in envelope.rcpt_tos:
            server.transport.close()  # it has the message and never says so
            return "250 never heard"
        if self.hold in envelope.rcpt_tos and not self.release.is_set():
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running(mailbox: Mailbox, **options: Any) -> Iterator[int]:
    """A real SMTP server on 127.0.0.1 for `mailbox`, with login; yields its port."""
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,  # security: none, a server on the office's own network
        **options,
    )
    controller.start()
    try:
        yield port
    finally:
        mailbox.release.set()
        controller.stop()


@pytest.fixture
def server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    with running(mailbox) as port:
        yield mailbox, port


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose October is issued; each test sends from its own copy."""
    root = tmp_path_factory.mktemp("send") / "project"
    project = Project(root)
    project.write("units", [{**u, "email": ADDRESSES.get(u["code"], "")} for u in UNITS])
    write_frame(root, "2026-09", 9, "2026-10-05")
    write_frame(root, "2026-10", 10, "2026-11-05")
    build(root, BuildOptions(site=False, jobs=1))
    issue_period(root, "2026-10")
    return root


@pytest.fixture
def project(issued: Path, tmp_path: Path, server: tuple[Mailbox, int]) -> Path:
    root = tmp_path / "project"
    # the build's caches along, as in the office's project: check and build take from them
    shutil.copytree(issued, root, ignore=shutil.ignore_patterns("site"))
    with (root / "bulletin.yml").open("a", encoding="utf-8") as handle:
        handle.write(
            f"mail:\n  host: 127.0.0.1\n  port: {server[1]}\n  security: none\n"
            f"  username: {USER}\n  from: {USER}\n"
        )
    return root


def send(root: Path, *args: str, password: str | None = PASSWORD, **kw: Any) -> Result:
    env = {"BULLETIN_SMTP_PASSWORD": password} if password is not None else {}
    if password is None:
        env["BULLETIN_SMTP_PASSWORD"] = ""
    return CliRunner().invoke(cli, ["send", "2026-10", str(root), *args], env=env, **kw)


def manifest(root: Path) -> dict[str, str]:
    path = root / "issued" / "2026-10" / "dist" / "2026-10" / "manifest.csv"
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[1:]
    return {Path(file).name: digest for _code, _name, file, digest in rows}


def sent_log(root: Path) -> list[dict[str, str]]:
    path = root / "issued" / "2026-10" / "sent.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def received(mailbox: Mailbox) -> dict[str, Any]:
    """The received messages by their first recipient."""
    out = {}
    for rcpts, data in mailbox.messages:
        out[rcpts[0]] = email.message_from_bytes(data, policy=email.policy.default)
    return out


def test_without_yes_nothing_is_sent(project: Path, server: tuple[Mailbox, int]) -> None:
    result = send(project)
    assert result.exit_code == 0, result.output
    assert "990100 甲县 → jia@test.gov.cn" in result.output
    assert "    990100-甲县-2026年10月报告.pdf" in result.output
    assert (
        "    测工发〔2026〕10号 关于2026年10月全市企业工会组建工作情况的通报.pdf" in result.output
    )
    assert "990201 南街道 → nan@test.gov.cn; nan2@test.gov.cn" in result.output
    assert "990102 西镇：未填写邮箱" in result.output
    assert "990200 乙区：邮箱格式不对：乙区总工会" in result.output
    assert "将发给 3 个单位，没有发送任何邮件" in result.output
    assert server[0].messages == [] and sent_log(project) == []


def test_a_roster_without_any_address_is_said_in_one_line(
    project: Path, server: tuple[Mailbox, int]
) -> None:
    """Not a line per unit, nor --yes to type for nobody: what to fill in first."""
    units = project / "data" / "units.csv"
    write_roster(units, "units", [{**u, "email": ""} for u in UNITS])
    result = send(project)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "单位名册中还没有任何单位填写邮箱：请在 data/units.csv 中增加“邮箱”列，填写各单位接收文件"
        "的邮箱，再运行 bulletin send 2026-10 预览。",
        "以上为预览：2026-10 期通报（测工发〔2026〕10号）将发给 0 个单位，没有发送任何邮件。"
        "没有可以发送的单位，不需要运行 --yes。",
    ]
    assert server[0].messages == [] and sent_log(project) == []


def test_packets_arrive_with_their_files_once(project: Path, server: tuple[Mailbox, int]) -> None:
    mailbox = server[0]
    result = send(project, "--yes")
    assert result.exit_code == 0, result.output
    assert "已发送 3 个单位，失败 0 个" in result.output
    digests = manifest(project)
    messages = received(mailbox)
    assert set(messages) == {"jia@test.gov.cn", "dong@test.gov.cn", "nan@test.gov.cn"}
    assert [r for r, _ in mailbox.messages if r[0] == "nan@test.gov.cn"] == [
        ["nan@test.gov.cn", "nan2@test.gov.cn"]
    ]
    # the 通报 is addressed (主送) to the counties: 甲县's mail carries it, the townships' do not
    bulletin = project / "issued" / "2026-10" / "internal" / "pdf" / "2026-10" / "bulletin.pdf"
    document = "测工发〔2026〕10号 关于2026年10月全市企业工会组建工作情况的通报.pdf"
    digests[document] = hashlib.sha256(bulletin.read_bytes()).hexdigest()
    for address, message in messages.items():
        county = address == "jia@test.gov.cn"
        subject = message["subject"]
        # the subject names what is attached
        assert "2026年10月报告和未建会重点企业清单" in subject and "测工发〔2026〕10号" in subject
        assert ("通报" in subject) == county, subject
        body = message.get_body(("plain",))
        assert body is not None and "请查收" in body.get_content()
        assert ("印发给你们" in body.get_content()) == county
        files = {a.get_filename(): a.get_content() for a in message.iter_attachments()}
        assert len(files) == (3 if county else 2), address
        for name, data in files.items():
            assert hashlib.sha256(data).hexdigest() == digests[name]
    assert messages["jia@test.gov.cn"]["subject"] == (
        "测试市总工会：关于2026年10月全市企业工会组建工作情况的通报（测工发〔2026〕10号）"
        "及甲县2026年10月报告和未建会重点企业清单"
    )
    assert messages["dong@test.gov.cn"]["subject"] == (
        "测试市总工会：东镇2026年10月报告和未建会重点企业清单（测工发〔2026〕10号）"
    )
    jia = [a.get_filename() for a in messages["jia@test.gov.cn"].iter_attachments()]
    assert jia == [
        document,
        "990100-甲县-2026年10月报告.pdf",
        "990100-甲县-2026年10月未建会重点企业清单.xlsx",
    ]
    # the names are encoded as RFC 2231 says, which Outlook, Foxmail and webmail read
    raw = next(d for r, d in mailbox.messages if r[0] == "jia@test.gov.cn").decode("ascii")
    assert "filename*=utf-8''990100-%E7%94%B2%E5%8E%BF-2026" in raw
    log = sent_log(project)
    assert list(log[0]) == ["unit", "address", "files", "sha256", "time", "result", "message_id"]
    # one row per address written ahead of each message, then one with the server's answer
    assert [(r["unit"], r["address"], r["result"]) for r in log] == [
        ("990100", "jia@test.gov.cn", "发送中"),
        ("990100", "jia@test.gov.cn", "已发送"),
        ("990101", "dong@test.gov.cn", "发送中"),
        ("990101", "dong@test.gov.cn", "已发送"),
        ("990201", "nan@test.gov.cn", "发送中"),
        ("990201", "nan2@test.gov.cn", "发送中"),
        ("990201", "nan@test.gov.cn", "已发送"),
        ("990201", "nan2@test.gov.cn", "已发送"),
    ]
    ids = {r["address"]: r["message_id"] for r in log}
    for address, message in messages.items():
        assert message["message-id"] == ids[address]
        # the journal names every file the message carried, with its sha256: 甲县's the 通报 too
        (row,) = [r for r in log if r["address"] == address and r["result"] == "已发送"]
        carried = [a.get_filename() for a in message.iter_attachments()]
        assert row["files"].split(";") == carried
        assert row["sha256"].split(";") == [digests[name] for name in carried]

    again = send(project, "--yes")
    assert again.exit_code == 0, again.output
    assert len(mailbox.messages) == 3  # nothing sent twice
    assert "990100 甲县：已于" in again.output and "发送过这些文件" in again.output
    assert "没有需要发送的单位" in again.output


def test_a_refused_recipient_is_sent_next_run(project: Path, server: tuple[Mailbox, int]) -> None:
    mailbox = server[0]
    mailbox.refuse = {"dong@test.gov.cn"}
    result = send(project, "--yes")
    assert result.exit_code == 1
    assert "已发送 2 个单位，失败 1 个" in result.output
    assert "990101 东镇：失败：dong@test.gov.cn 被拒收（550" in result.output
    assert "下次运行" in result.output
    log = sent_log(project)
    assert {r["unit"]: r["result"][:3] for r in log} == {
        "990100": "已发送",
        "990101": "失败：",
        "990201": "已发送",
    }
    mailbox.refuse = set()
    again = send(project, "--yes")
    assert again.exit_code == 0, again.output
    assert "已发送 1 个单位，失败 0 个" in again.output
    assert [r[0] for r, _ in mailbox.messages] == [
        "jia@test.gov.cn",
        "nan@test.gov.cn",
        "dong@test.gov.cn",
    ]


def test_a_wrong_password_is_a_chinese_error(project: Path, server: tuple[Mailbox, int]) -> None:
    result = send(project, "--yes", password="错误的密码")
    assert result.exit_code == 1
    assert "拒绝了用户名或密码（用户名 zzb@test.gov.cn）。没有发送任何邮件" in result.output
    assert "Traceback" not in result.output
    assert server[0].messages == [] and sent_log(project) == []


def test_the_password_is_asked_for(project: Path, server: tuple[Mailbox, int]) -> None:
    result = send(project, "--yes", password=None, input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "邮件服务器密码" in result.output and PASSWORD not in result.output
    assert len(server[0].messages) == 3


def test_only_issued_periods_and_configured_servers(project: Path) -> None:
    result = CliRunner().invoke(cli, ["send", "2026-09", str(project), "--yes"])
    assert result.exit_code == 2
    assert "2026-09 期通报尚未印发，不能发送（已印发：2026-10）" in result.output
    text = (project / "bulletin.yml").read_text("utf-8")
    (project / "bulletin.yml").write_text(text.split("mail:")[0], encoding="utf-8")
    assert send(project).exit_code == 0  # the preview needs no server
    result = send(project, "--yes")
    assert result.exit_code == 2 and "bulletin.yml 中没有邮件服务器设置（mail）" in result.output
    (project / "bulletin.yml").write_text(
        text.split("mail:")[0] + "mail:\n  host: x\n  from: a@b.cn\n  password: 1\n", "utf-8"
    )
    result = send(project)
    assert result.exit_code == 2 and "密码不能写在文件中" in result.output


def test_an_unreachable_server_is_told(project: Path) -> None:
    port = free_port()  # nothing listens there
    text = (project / "bulletin.yml").read_text("utf-8")
    (project / "bulletin.yml").write_text(
        text.split("mail:")[0] + f"mail:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n"
        f"  from: {USER}\n",
        encoding="utf-8",
    )
    result = send(project, "--yes")
    assert result.exit_code == 1
    assert f"无法连接邮件服务器 127.0.0.1:{port}" in result.output
    assert sent_log(project) == []


def test_a_changed_issued_file_is_not_sent(project: Path, server: tuple[Mailbox, int]) -> None:
    folder = project / "issued" / "2026-10" / "dist" / "2026-10" / "990100-甲县"
    pdf = folder / "990100-甲县-2026年10月报告.pdf"
    pdf.write_bytes(pdf.read_bytes()[:-10])
    result = send(project, "--yes")
    assert result.exit_code == 1 and "与印发时登记的 sha256 不符" in result.output
    assert server[0].messages == []


# ---- encrypted connections: STARTTLS and SSL with a certificate made for the test -------------


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes"),
            *("-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_encrypted_connections(
    issued: Path, tmp_path: Path, certificate: tuple[Path, Path], security: str
) -> None:
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    mailbox, port = Mailbox(), free_port()
    tls: dict[str, Any] = (
        {"tls_context": context, "require_starttls": True}
        if security == "starttls"
        # aiosmtpd does not count implicit TLS as TLS for AUTH: the whole connection is TLS here
        else {"ssl_context": context, "auth_require_tls": False}
    )
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,  # and, by default, only over TLS
        **tls,
    )
    controller.start()
    try:
        root = tmp_path / "project"
        shutil.copytree(issued, root, ignore=shutil.ignore_patterns("site"))
        with (root / "bulletin.yml").open("a", encoding="utf-8") as handle:
            handle.write(
                f"mail:\n  host: 127.0.0.1\n  port: {port}\n  security: {security}\n"
                f"  username: {USER}\n  from: {USER}\n"
            )
        # a certificate the machine does not trust: refused, in Chinese, nothing sent
        untrusted = send(root, "--yes")
        assert untrusted.exit_code == 1
        assert f"与邮件服务器 127.0.0.1:{port} 建立加密连接失败" in untrusted.output
        assert mailbox.messages == [] and sent_log(root) == []
        # the office's certificate authority trusted: sent
        result = CliRunner().invoke(
            cli,
            ["send", "2026-10", str(root), "--yes"],
            env={"BULLETIN_SMTP_PASSWORD": PASSWORD, "SSL_CERT_FILE": str(cert)},
        )
        assert result.exit_code == 0, result.output
        assert len(mailbox.messages) == 3
    finally:
        controller.stop()


# ---- sends that overlap, addresses corrected after sending -------------------------------------


def test_a_send_waits_for_no_other_and_never_sends_twice(
    project: Path, server: tuple[Mailbox, int]
) -> None:
    from generator.common.publish import exclusive_issue
    from generator.office.send import plan_send
    from generator.office.send import send as run_send

    mailbox = server[0]
    with exclusive_issue(project):  # another `send` (or `issue`) of this project is running
        busy = send(project, "--yes")
    assert busy.exit_code != 0
    assert "另一个 bulletin issue 或 send 命令正在处理这个项目" in busy.output
    assert mailbox.messages == [] and sent_log(project) == []
    # a plan made before another send finished does not mail those units again
    stale = plan_send(project, "2026-10")
    assert len(stale.to_send()) == 3
    assert send(project, "--yes").exit_code == 0
    assert len(mailbox.messages) == 3
    os.environ["BULLETIN_SMTP_PASSWORD"] = PASSWORD
    try:
        run_send(project, stale)
    finally:
        del os.environ["BULLETIN_SMTP_PASSWORD"]
    assert len(mailbox.messages) == 3
    assert all(p.skip.startswith("已于") and p.result == "" for p in stale.packets if p.sent_at)


def test_a_corrected_address_gets_the_files(project: Path, server: tuple[Mailbox, int]) -> None:
    mailbox = server[0]
    assert send(project, "--yes").exit_code == 0
    units = project / "data" / "units.csv"
    units.write_text(
        units.read_text(encoding="utf-8-sig").replace("jia@test.gov.cn", "jia2@test.gov.cn"),
        encoding="utf-8-sig",
    )
    preview = send(project)
    assert "990100 甲县 → jia2@test.gov.cn" in preview.output
    assert "已发给 jia@test.gov.cn，这次只发给 jia2@test.gov.cn" in preview.output
    assert "990101 东镇：已于" in preview.output
    assert "将发给 1 个单位" in preview.output
    again = send(project, "--yes")
    assert again.exit_code == 0, again.output
    assert [r for r, _ in mailbox.messages][3:] == [["jia2@test.gov.cn"]]
    # both addresses have it now: a third run sends nothing
    assert "没有需要发送的单位" in send(project, "--yes").output
    assert len(mailbox.messages) == 4


# ---- issued/ is append-only: a register restored from an older backup -----------------------


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_a_register_restored_too_old_stops_issue_check_and_send(
    project: Path, server: tuple[Mailbox, int]
) -> None:
    mailbox = server[0]
    assert send(project, "--yes").exit_code == 0 and len(mailbox.messages) == 3
    register = project / "issued" / "register.csv"
    complete = register.read_bytes()
    # a register that lost some of October's lines is refused as well
    register.write_bytes(b"\r\n".join(complete.split(b"\r\n")[:-4]) + b"\r\n")
    partial = CliRunner().invoke(cli, ["issue", "2026-10", str(project)])
    assert partial.exit_code == 2 and "缺少这一期的登记行" in partial.output
    # the backup made before October was issued: the header only
    register.write_bytes(complete.split(b"\r\n", 1)[0] + b"\r\n")
    before = tree_bytes(project / "issued")
    runner = CliRunner()
    refused = runner.invoke(cli, ["issue", "2026-10", str(project)])
    assert refused.exit_code == 2, refused.output
    flat = "".join(refused.output.split())
    assert "issued/中有已印发的2026-10期存档，但issued/register.csv中缺少这一期的登记行" in flat
    assert "请从最近的备份中恢复issued/register.csv（要有2026-10期的各行）" in flat
    assert "issued/2026-10/register-rows.csv" in flat  # or the lines the period kept itself
    checked = runner.invoke(cli, ["check", str(project)])
    assert checked.exit_code == 1
    with (project / "problems" / "problems.csv").open(encoding="utf-8-sig") as handle:
        assert "E-ISSUED-UNREGISTERED" in handle.read()
    shown = "".join(c for c in checked.output if not c.isspace() and c != "│")
    assert "issued/register.csv中缺少这一期的登记行" in shown and "register-rows.csv" in shown
    again = send(project, "--yes")
    assert again.exit_code == 2 and "缺少这一期的登记行" in again.output
    # nor is October published again from the data as they are now, in place of the record
    built = runner.invoke(cli, ["build", str(project), "--jobs", "1"])
    assert built.exit_code == 2 and "缺少这一期的登记行" in built.output
    assert not (project / "site").exists()
    for output in (refused.output, checked.output, again.output, built.output):
        assert "Traceback" not in output
    assert len(mailbox.messages) == 3  # nobody mailed twice
    assert tree_bytes(project / "issued") == before  # every issued file as it was, byte for byte
    # the lines the message points to restore the register as it was
    kept = (project / "issued" / "2026-10" / "register-rows.csv").read_bytes()
    with register.open("ab") as handle:
        handle.write(kept.split(b"\r\n", 1)[1])
    assert register.read_bytes() == complete
    assert "没有需要发送的单位" in send(project, "--yes").output
    assert len(mailbox.messages) == 3


# ---- per address, write-ahead, SMTPUTF8, headers -------------------------------------------


def set_addresses(root: Path, changes: dict[str, str]) -> None:
    """Write data/units.csv again with the given 邮箱 cells."""
    import csv as csv_

    path = root / "data" / "units.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv_.reader(handle))
    column = rows[0].index("邮箱") if "邮箱" in rows[0] else rows[0].index("email")
    for row in rows[1:]:
        row[column] = changes.get(row[0], row[column])
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv_.writer(handle).writerows(rows)


def use_port(root: Path, port: int) -> None:
    path = root / "bulletin.yml"
    text = re.sub(r"port: \d+", f"port: {port}", path.read_text("utf-8"))
    path.write_text(text, encoding="utf-8")


def to_address(mailbox: Mailbox, address: str) -> list[list[str]]:
    """The recipients of every message the server took for `address`."""
    return [rcpts for rcpts, _ in mailbox.messages if address in rcpts]


def test_an_address_that_accepted_is_never_sent_again(
    project: Path, server: tuple[Mailbox, int]
) -> None:
    mailbox = server[0]
    mailbox.refuse = {"nan2@test.gov.cn"}  # one of 南街道's two addresses
    for _run in range(3):
        result = send(project, "--yes")
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "990201 南街道：失败：nan2@test.gov.cn 被拒收（550" in result.output
    # the server took it for the address it accepted, once; the refused one had nothing
    assert to_address(mailbox, "nan@test.gov.cn") == [["nan@test.gov.cn"]]
    preview = send(project)
    assert "990201 南街道 → nan2@test.gov.cn" in preview.output
    assert "已发给 nan@test.gov.cn，这次只发给 nan2@test.gov.cn" in preview.output
    mailbox.refuse = set()
    assert send(project, "--yes").exit_code == 0
    assert to_address(mailbox, "nan@test.gov.cn") == [["nan@test.gov.cn"]]
    assert to_address(mailbox, "nan2@test.gov.cn") == [["nan2@test.gov.cn"]]
    assert len(mailbox.messages) == 4  # 3 on the first run; the refused address alone, once
    assert "没有需要发送的单位" in send(project, "--yes").output


@pytest.mark.parametrize("decision", ["resend", "confirm"])
def test_a_send_killed_while_the_server_holds_a_message(
    project: Path, server: tuple[Mailbox, int], decision: str
) -> None:
    mailbox = server[0]
    mailbox.hold = "dong@test.gov.cn"
    env = {**os.environ, "BULLETIN_SMTP_PASSWORD": PASSWORD}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    child = subprocess.Popen(
        [sys.executable, "-m", "generator", "send", "2026-10", str(project), "--yes"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert mailbox.held.wait(120), "the server never got 东镇's message"
        os.kill(child.pid, signal.SIGKILL)  # kill -9 while the server has it, unanswered
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    mailbox.release.set()
    time.sleep(0.2)
    held_id = email.message_from_bytes(to_and_data(mailbox, "dong@test.gov.cn")[0])["Message-ID"]
    assert [r[0] for r, _ in mailbox.messages] == ["jia@test.gov.cn", "dong@test.gov.cn"]

    rerun = send(project, "--yes")
    assert rerun.exit_code == 1, rerun.output
    assert "Traceback" not in rerun.output
    assert "结果不明的邮件（1 封）" in rerun.output
    assert "990101 东镇 → dong@test.gov.cn" in rerun.output
    assert f"Message-ID：{held_id}" in rerun.output
    assert "bulletin send 2026-10 --yes --resend-unknown" in rerun.output
    assert "已发送 1 个单位" in rerun.output  # 南街道, never tried before the kill
    assert len(to_address(mailbox, "dong@test.gov.cn")) == 1  # not sent again
    assert len(to_address(mailbox, "jia@test.gov.cn")) == 1
    assert len(to_address(mailbox, "nan@test.gov.cn")) == 1
    # a run without the decision sends nothing and says it again
    assert "结果不明的邮件" in send(project, "--yes").output
    assert len(mailbox.messages) == 3
    if decision == "resend":  # the office found it was not sent, and sends it again: once
        resent = send(project, "--yes", "--resend-unknown")
        assert resent.exit_code == 0, resent.output
        assert "已发送 1 个单位，失败 0 个" in resent.output
        assert len(to_address(mailbox, "dong@test.gov.cn")) == 2
    else:  # the office found the server had sent it: recorded, never sent again
        confirmed = send(project, "--confirm-unknown")
        assert confirmed.exit_code == 0, confirmed.output
        assert "已把 1 封结果不明的邮件记为已发送" in confirmed.output
        assert "990101 东镇：已于" in confirmed.output
        assert len(to_address(mailbox, "dong@test.gov.cn")) == 1
    final = send(project, "--yes")
    assert final.exit_code == 0 and "没有需要发送的单位" in final.output
    assert "结果不明" not in final.output
    assert len(mailbox.messages) == (4 if decision == "resend" else 3)


def to_and_data(mailbox: Mailbox, address: str) -> list[bytes]:
    return [data for rcpts, data in mailbox.messages if address in rcpts]


@pytest.mark.parametrize("smtputf8", [True, False])
def test_a_chinese_address(project: Path, smtputf8: bool) -> None:
    set_addresses(project, {"990101": "张三@test.gov.cn"})
    mailbox = Mailbox()
    with running(mailbox, enable_SMTPUTF8=smtputf8) as port:
        use_port(project, port)
        result = send(project, "--yes")
        assert "Traceback" not in result.output
        others = {r[0] for r, _ in mailbox.messages} - {"张三@test.gov.cn"}
        assert others == {"jia@test.gov.cn", "nan@test.gov.cn"}  # the other units go on
        if smtputf8:
            assert result.exit_code == 0, result.output
            (data,) = to_and_data(mailbox, "张三@test.gov.cn")
            message = email.message_from_bytes(data, policy=email.policy.default)
            assert message["to"] == "张三@test.gov.cn"
            assert "东镇" in message["subject"]
            assert len(list(message.iter_attachments())) == 2
        else:
            assert result.exit_code == 1
            assert (
                "990101 东镇：失败：张三@test.gov.cn：邮件服务器不支持中文邮箱地址（SMTPUTF8）"
                in (result.output)
            )
            assert "请改用英文字母的邮箱" in result.output
            assert to_and_data(mailbox, "张三@test.gov.cn") == []
            # tried again on the next run, the others not mailed twice
            again = send(project, "--yes")
            assert again.exit_code == 1 and "已发送 0 个单位，失败 1 个" in again.output
            assert len(mailbox.messages) == 2


def test_check_refuses_control_characters_in_names_and_addresses(project: Path) -> None:
    import csv as csv_

    path = project / "data" / "units.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv_.reader(handle))
    rows[2][1] = "东镇\r\nBcc: all@example.com"
    column = rows[0].index("邮箱") if "邮箱" in rows[0] else rows[0].index("email")
    rows[1][column] = "jia@test.gov.cn\t"
    rows[1][column] = "jia@test.\x0bgov.cn"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv_.writer(handle).writerows(rows)
    result = CliRunner().invoke(cli, ["check", str(project)])
    assert result.exit_code == 1
    with (project / "problems" / "problems.csv").open(encoding="utf-8-sig", newline="") as handle:
        found = [r for r in csv_.DictReader(handle) if "E-CONTROL-CHAR" in r.values()]
    assert sorted(r["行号"] for r in found) == ["2", "3"]
    assert {r["内容"] for r in found} == {"东镇␍␊Bcc: all@example.com", "jia@test.U+000Bgov.cn"}
    assert all("只能写在一行里" in r["说明"] for r in found)


@pytest.fixture(scope="module")
def issued_with_a_broken_name(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """October issued while 东镇's name held a line break (before `check` refused one)."""
    import generator.rosters.rules as validate

    root = tmp_path_factory.mktemp("send-name") / "project"
    project = Project(root)
    units = [{**u, "email": ADDRESSES.get(u["code"], "")} for u in UNITS]
    for unit in units:
        if unit["code"] == "990101":
            unit["name"] = "东镇\r\nBcc: all@example.com"
    project.write("units", units)
    write_frame(root, "2026-10", 10, "2026-11-05")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate, "_CONTROL", re.compile("(?!)"))  # an earlier release
        issue_period(root, "2026-10")
    return root


def test_a_line_break_frozen_in_an_issued_name_breaks_no_header(
    issued_with_a_broken_name: Path, tmp_path: Path, server: tuple[Mailbox, int]
) -> None:
    root = tmp_path / "project"
    shutil.copytree(issued_with_a_broken_name, root, ignore=shutil.ignore_patterns("site"))
    with (root / "bulletin.yml").open("a", encoding="utf-8") as handle:
        handle.write(
            f"mail:\n  host: 127.0.0.1\n  port: {server[1]}\n  security: none\n"
            f"  username: {USER}\n  from: {USER}\n"
        )
    # `check` now refuses the name: the office corrects units.csv
    units = root / "data" / "units.csv"
    units.write_bytes(
        units.read_bytes().replace("东镇\r\nBcc: all@example.com".encode(), "东镇".encode())
    )
    assert CliRunner().invoke(cli, ["check", str(root)]).exit_code == 0
    frozen = (root / "issued/2026-10/dist/2026-10/manifest.csv").read_bytes()
    assert "东镇\r\nBcc".encode() in frozen  # correcting units.csv cannot change it
    result = send(root, "--yes")
    assert result.exit_code == 0, result.output
    assert "已发送 3 个单位，失败 0 个" in result.output
    (data,) = to_and_data(server[0], "dong@test.gov.cn")
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert message["bcc"] is None and "all@example.com" not in str(message["to"])
    assert "东镇 Bcc: all@example.com" in message["subject"]
    assert [r for r, _ in server[0].messages if "all@example.com" in r] == []


def test_a_log_of_the_earlier_release_is_read(project: Path, server: tuple[Mailbox, int]) -> None:
    """sent.csv written before results were kept per address: one row per unit, a;b."""
    digests = manifest(project)
    names = ["990201-南街道-2026年10月报告.pdf", "990201-南街道-2026年10月未建会重点企业清单.xlsx"]
    log = project / "issued" / "2026-10" / "sent.csv"
    # a county's row of that release names its packet only, not the 通报 the mail carried
    jia = ["990100-甲县-2026年10月报告.pdf", "990100-甲县-2026年10月未建会重点企业清单.xlsx"]
    log.write_text(
        "unit,address,files,sha256,time,result\r\n"
        f"990201,nan@test.gov.cn;nan2@test.gov.cn,{';'.join(names)},"
        f"{';'.join(digests[n] for n in names)},2026-11-06T10:00:00+08:00,已发送\r\n"
        f"990100,jia@test.gov.cn,{';'.join(jia)},"
        f"{';'.join(digests[n] for n in jia)},2026-11-06T10:00:00+08:00,已发送\r\n",
        encoding="utf-8-sig",
    )
    result = send(project, "--yes")
    assert result.exit_code == 0, result.output
    assert "990201 南街道：已于 2026-11-06 10:00 发送过这些文件" in result.output
    assert "990100 甲县：已于 2026-11-06 10:00 发送过这些文件" in result.output
    assert sorted(r[0] for r, _ in server[0].messages) == ["dong@test.gov.cn"]
    assert log.read_text("utf-8-sig").startswith("unit,address,files,sha256,time,result\n990201")


def test_a_connection_dropped_before_or_after_the_message(
    project: Path, server: tuple[Mailbox, int]
) -> None:
    mailbox = server[0]
    mailbox.drop_at_rcpt = "dong@test.gov.cn"  # before the message: a failure, tried again
    first = send(project, "--yes")
    assert first.exit_code == 1 and "Traceback" not in first.output
    assert "990101 东镇：失败：dong@test.gov.cn：服务器断开了连接" in first.output
    assert "已发送 2 个单位，失败 1 个" in first.output  # the next unit on a new connection
    mailbox.drop_at_rcpt = ""
    mailbox.drop_after_data = "dong@test.gov.cn"  # the server has it and never answers
    second = send(project, "--yes")
    assert second.exit_code == 1 and "Traceback" not in second.output
    (data,) = to_and_data(mailbox, "dong@test.gov.cn")
    message_id = email.message_from_bytes(data)["Message-ID"]
    assert "结果不明的邮件（1 封）" in second.output
    assert "990101 东镇 → dong@test.gov.cn" in second.output and message_id in second.output
    mailbox.drop_after_data = ""
    third = send(project, "--yes")
    assert third.exit_code == 1 and message_id in third.output
    assert len(to_and_data(mailbox, "dong@test.gov.cn")) == 1  # not sent twice
    assert len(mailbox.messages) == 3


def test_a_province_addresses_its_members_from_its_members_roster(tmp_path: Path) -> None:
    """A province's units.csv names itself 省 and its members 市: `send` reads it as the
    members' roster (a city's roster refuses 省), each member addressed as a city's county."""
    from generator.office.scaffold import init_project
    from generator.office.send import _unit_addresses

    root = tmp_path / "province"
    init_project(root, "测试省总工会", "测省工发", level="province")
    (root / "data" / "units.csv").write_text(
        "单位代码,单位名称,层级,上级单位代码,邮箱\n"
        "800000,测试省,省,,\n"
        "810000,甲市,市,800000,zgh@jia.example.gov.cn\n"
        "820000,乙市,市,800000,\n",
        encoding="utf-8",
    )
    assert _unit_addresses(root, "province") == {
        "800000": ("", "city"),
        "810000": ("zgh@jia.example.gov.cn", "county"),
        "820000": ("", "county"),
    }
