from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from generator.content import load_content
from generator.periods import Period


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


WRITEUP = """---
title: 青川区开展“工人先锋号”创建活动
date: 2026-10-12
unit: "990100"
category: pioneer-team
images: [img/a.png]
---
正文第一段。
"""


def test_writeup_is_read_and_assigned_to_its_period(tmp_path: Path) -> None:
    write(tmp_path / "content/writeups/a.md", WRITEUP)
    (tmp_path / "content/writeups/img").mkdir()
    Image.new("RGB", (4, 3)).save(tmp_path / "content/writeups/img/a.png")
    content = load_content(tmp_path, {"990100"})
    assert not content.problems.items
    (w,) = content.writeups
    assert (w.title, w.date, w.unit, w.audience) == (
        "青川区开展“工人先锋号”创建活动",
        date(2026, 10, 12),
        "990100",
        "public",
    )
    assert w.images == ["writeups/img/a.png"]
    assert content.writeups_of(Period.parse("2026-10")) == [w]
    assert content.writeups_of(Period.parse("2026-09")) == []
    assert content.writeups_of(Period.parse("2026-Q4")) == [w]


@pytest.mark.parametrize(
    "image",
    ["../../etc/passwd", "/etc/passwd", "../../../outside.png", "C:/Windows/a.png", "missing.png"],
)
def test_images_must_stay_inside_content(tmp_path: Path, image: str) -> None:
    write(tmp_path / "outside.png", "x")
    write(tmp_path / "content/writeups/a.md", WRITEUP.replace("img/a.png", image))
    content = load_content(tmp_path, {"990100"})
    assert content.writeups == []
    (problem,) = content.problems.items
    assert (problem.code, problem.file, problem.row, problem.column) == (
        "E-CONTENT-IMAGE",
        "content/writeups/a.md",
        6,
        "images",
    )


def test_symlink_out_of_content_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "secret.png", "x")
    write(tmp_path / "content/writeups/a.md", WRITEUP.replace("img/a.png", "link.png"))
    os.symlink(tmp_path / "secret.png", tmp_path / "content/writeups/link.png")
    content = load_content(tmp_path, {"990100"})
    assert [p.code for p in content.problems.items] == ["E-CONTENT-IMAGE"]


def test_bad_fields_are_problems_with_lines(tmp_path: Path) -> None:
    text = WRITEUP.replace("2026-10-12", "十月").replace('"990100"', '"999"')
    text = text.replace("pioneer-team", "sports").replace("images: [img/a.png]\n", "color: red\n")
    write(tmp_path / "content/writeups/a.md", text)
    content = load_content(tmp_path, {"990100"})
    found = {(p.code, p.column, p.row) for p in content.problems.items}
    assert found == {
        ("E-CONTENT-FIELD", "date", 3),
        ("E-CONTENT-FIELD", "unit", 4),
        ("E-CONTENT-FIELD", "category", 5),
        ("W-CONTENT-UNKNOWN-KEY", "color", 6),
    }
    assert content.writeups == []


def test_missing_front_matter(tmp_path: Path) -> None:
    write(tmp_path / "content/writeups/a.md", "# 标题\n正文")
    content = load_content(tmp_path, set())
    assert [p.code for p in content.problems.items] == ["E-CONTENT-FRONT-MATTER"]


def test_frame_splits_preface_and_closing(tmp_path: Path) -> None:
    write(
        tmp_path / "content/bulletins/2026-10.md",
        "---\ndoc_number: 45\nrecipients: 各县市区总工会\ncc: [市委组织部, 省总工会]\n"
        "signed_on: 2026-11-05\nprinted_on: 2026-11-06\n---\n前言。\n\n<!-- closing -->\n\n一、要求。\n",
    )
    frame = load_content(tmp_path).frames["2026-10"]
    assert frame.doc_number == 45
    assert frame.cc == "市委组织部，省总工会"
    assert frame.signed_on == date(2026, 11, 5)
    assert (frame.preface, frame.closing) == ("前言。", "一、要求。")
    assert frame.title == ""
