"""`bulletin send-problems`: each county with problems gets its list by mail, once per content,
against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import csv
import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner, Result
from conftest import ENTERPRISES, UNITS, Project
from openpyxl import load_workbook
from test_send import PASSWORD, USER, Mailbox, authenticator, free_port, running

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


def test_a_send_problems_killed_while_the_server_holds_a_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kill -9 while the server holds 甲县's list, unanswered: sent.csv has its 发送中 row with
    the Message-ID; the next run sends 乙区's list (never tried), names 甲县's message as of
    unknown outcome and does not send it again until the office confirms or resends it."""
    mailbox = Mailbox()
    mailbox.hold = "jia@test.gov.cn"
    with running(mailbox) as port:
        root = tmp_path / "project"
        project = project_with_problems(root, port)
        rows = [dict(r) for r in ENTERPRISES]
        rows[0]["employees"] = "一百二十"
        rows[2]["employees"] = "十个"  # 南街道's row: 乙区 has an error too
        project.write("enterprises", rows, period="2026-10")
        env = {**os.environ, "BULLETIN_SMTP_PASSWORD": PASSWORD}
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
        child = subprocess.Popen(
            [sys.executable, "-m", "generator", "send-problems", "2026-10", str(root), "--yes"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert mailbox.held.wait(120), "the server never got 甲县's list"
            os.kill(child.pid, signal.SIGKILL)
            assert child.wait(30) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
        mailbox.release.set()
        time.sleep(0.2)
        (held,) = [raw for to, raw in mailbox.messages if to == ["jia@test.gov.cn"]]
        held_id = email.message_from_bytes(held)["Message-ID"]
        log = root / "problems" / "2026-10" / "sent.csv"
        with log.open(encoding="utf-8-sig", newline="") as handle:
            journal = [
                (r["unit"], r["address"], r["result"], r["message_id"])
                for r in csv.DictReader(handle)
            ]
        assert journal == [("990100", "jia@test.gov.cn", "发送中", held_id)]

        monkeypatch.setenv("BULLETIN_SMTP_PASSWORD", PASSWORD)
        rerun = run(root, "--yes")
        assert rerun.exit_code == 1, rerun.output
        assert "Traceback" not in rerun.output
        assert "结果不明的邮件（1 封）" in rerun.output
        assert "990100 甲县 → jia@test.gov.cn" in rerun.output
        assert f"Message-ID：{held_id}" in rerun.output
        assert "bulletin send-problems 2026-10 --yes --resend-unknown" in rerun.output
        assert "已发送 1 个县市区" in rerun.output  # 乙区, never tried before the kill
        assert [to for to, _ in mailbox.messages] == [["jia@test.gov.cn"], ["yi@test.gov.cn"]]
        assert "结果不明的邮件" in run(root, "--yes").output
        assert len(mailbox.messages) == 2  # not sent again
        confirmed = run(root, "--confirm-unknown")
        assert confirmed.exit_code == 0, confirmed.output
        assert "已把 1 封结果不明的邮件记为已发送" in confirmed.output
        final = run(root, "--yes")
        assert final.exit_code == 0, final.output
        assert "结果不明" not in final.output
        assert "没有需要发送的问题清单" in final.output
        assert len(mailbox.messages) == 2
        with log.open(encoding="utf-8-sig", newline="") as handle:
            rows_after = [(r["unit"], r["result"], r["message_id"]) for r in csv.DictReader(handle)]
        # the confirmation keeps the Message-ID it confirms
        assert ("990100", "已发送", held_id) in rows_after
