"""`bulletin send-problems`: each county with problems gets its list by mail, once per content,
against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner, Result
from conftest import ENTERPRISES, UNITS, Project
from openpyxl import load_workbook
from test_send import PASSWORD, USER, Mailbox, authenticator, free_port

from generator.cli import cli

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

ADDRESSES = {"990100": "jia@test.gov.cn", "990200": "yi@test.gov.cn"}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def project_with_problems(root: Path, port: int) -> Project:
    """October with one error in 甲县's rows (东镇's employees are not a number); 乙区 clean."""
    project = Project(root)
    project.write("units", [{**u, "email": ADDRESSES.get(u["code"], "")} for u in UNITS])
    rows = [dict(r) for r in ENTERPRISES]
    rows[0]["employees"] = "一百二十"
    project.write("enterprises", rows, period="2026-10")
    with (root / "bulletin.yml").open("a", encoding="utf-8") as handle:
        handle.write(
            f"mail:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n"
            f"  username: {USER}\n  from: {USER}\n"
        )
    return project


def run(root: Path, *extra: str) -> Result:
    return CliRunner().invoke(cli, ["send-problems", "2026-10", str(root), *extra])


def test_problem_lists_go_to_the_counties_with_problems_once(
    tmp_path: Path, server: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox, port = server
    mailbox.messages.clear()
    monkeypatch.setenv("BULLETIN_SMTP_PASSWORD", PASSWORD)
    root = tmp_path / "project"
    project = project_with_problems(root, port)

    preview = run(root)
    assert preview.exit_code == 0, preview.output
    assert "990100 甲县（错误 1 个，警告 0 个）→ jia@test.gov.cn" in preview.output
    assert "990100-甲县-问题清单.xlsx" in preview.output
    assert "乙区" not in preview.output  # no problems: no list, no mail
    assert "没有发送任何邮件" in preview.output
    assert mailbox.messages == []

    sent = run(root, "--yes")
    assert sent.exit_code == 0, sent.output
    assert "已发送 1 个县市区，失败 0 个" in sent.output
    assert len(mailbox.messages) == 1
    recipients, raw = mailbox.messages[0]
    assert recipients == ["jia@test.gov.cn"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "测试市总工会：甲县2026年10月台账问题清单（错误 1 个、警告 0 个）"
    (attachment,) = list(msg.iter_attachments())  # type: ignore[attr-defined]
    assert attachment.get_filename() == "990100-甲县-问题清单.xlsx"
    listed = root / "problems" / "2026-10" / "990100-甲县-问题清单.xlsx"
    assert attachment.get_content() == listed.read_bytes()
    sheet = load_workbook(listed).worksheets[0]
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "一百二十" in values and "东方机械有限公司" in values

    # the same list is never sent twice, even though the file is written afresh
    again = run(root, "--yes")
    assert again.exit_code == 0, again.output
    assert "已于" in again.output and "发送过内容相同的问题清单" in again.output
    assert len(mailbox.messages) == 1

    # the county resends with another mistake: the list changed, so it goes again
    rows = [dict(r) for r in ENTERPRISES]
    rows[0]["employees"] = "120"
    rows[3]["members"] = "很多"
    project.write("enterprises", rows, period="2026-10")
    third = run(root, "--yes")
    assert third.exit_code == 0, third.output
    assert "已发送 1 个县市区" in third.output
    assert len(mailbox.messages) == 2
    log = (root / "problems" / "2026-10" / "sent.csv").read_text(encoding="utf-8-sig")
    assert log.count("已发送") == 2


def test_no_problems_no_mail_and_a_refused_login(
    tmp_path: Path, server: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox, port = server
    mailbox.messages.clear()
    root = tmp_path / "project"
    project_with_problems(root, port)
    monkeypatch.setenv("BULLETIN_SMTP_PASSWORD", "错误的密码")
    refused = run(root, "--yes")
    assert refused.exit_code == 1
    assert "拒绝了用户名或密码" in refused.output
    assert "Traceback" not in refused.output
    assert mailbox.messages == []
    # nothing was logged as sent: the next run with the right password sends it
    monkeypatch.setenv("BULLETIN_SMTP_PASSWORD", PASSWORD)
    assert "已发送 1 个县市区" in run(root, "--yes").output

    clean = tmp_path / "clean"
    Project(clean)
    result = run(clean, "--yes")
    assert result.exit_code == 0, result.output
    assert "没有县市区有问题" in result.output
