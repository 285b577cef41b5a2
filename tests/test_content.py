from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from generator.common.periods import Period
from generator.model.content import load_content


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


def test_a_gb18030_page_keeps_its_title_on_the_site(tmp_path: Path) -> None:
    """A page saved by Chinese Windows (GB18030) is decoded once, by the content stage, and the
    site shows the title it was given (it once read the file again as UTF-8: '��������')."""
    from site_helpers import sample_bulletins

    from generator.common.config import Config
    from generator.model.assemble import pages
    from generator.render.site import render_site

    page = tmp_path / "content/pages/about.md"
    page.parent.mkdir(parents=True)
    page.write_bytes(
        "---\ntitle: 关于本站\n---\n# 联系方式\n\n电话：0000-1234567\n".encode("gb18030")
    )
    page.with_name("guide.md").write_bytes("# 填报说明\n\n每月5日前报送。\n".encode("gb18030"))
    content = load_content(tmp_path)
    assert not content.problems.items
    assert [(p.slug, p.title) for p in content.pages] == [
        ("about", "关于本站"),
        ("guide", "填报说明"),
    ]
    assert "联系方式" in content.pages[0].body and "填报说明" not in content.pages[1].body
    bulletins = sample_bulletins("public")
    for b in bulletins:
        b.pages = pages(content)
    out = tmp_path / "site"
    render_site(bulletins, Config(root=tmp_path), out, work_dir=tmp_path / "work")
    html = (out / "pages" / "about.html").read_text(encoding="utf-8")
    assert "<title>关于本站" in html and "联系方式" in html and "\ufffd" not in html
    guide = (out / "pages" / "guide.html").read_text(encoding="utf-8")
    assert "<title>填报说明" in guide and "每月5日前报送" in guide


def test_the_public_closing_leaves_out_what_only_the_original_says() -> None:
    from generator.model.content import public_text

    closing = (
        "一、抓好考核结果运用。考核结果将作为评选先进的重要依据；被一票否决的单位，本年度不得评先评优。\n\n"
        "二、对照目标，查找差距。要认真分析存在的问题，对进度滞后的乡镇逐一约谈、限期整改。\n\n"
        "三、严格落实整改。受到通报批评的单位，要在10个工作日内书面报告整改措施。\n\n"
        "四、规范台账。每月3日前报送台账。"
    )
    assert public_text(closing) == (
        "一、抓好考核结果运用。考核结果将作为评选先进的重要依据。\n\n"
        "二、对照目标，查找差距。要认真分析存在的问题。\n\n"
        "三、规范台账。每月3日前报送台账。"
    )


def test_a_frame_may_give_the_public_version_its_own_closing(tmp_path: Path) -> None:
    frames = tmp_path / "content" / "bulletins"
    frames.mkdir(parents=True)
    (frames / "2026-10.md").write_text(
        "---\ndoc_number: 45\n---\n前言。\n\n<!-- closing -->\n\n一、内部要求。\n\n"
        "<!-- public closing -->\n\n一、公开的要求。\n",
        encoding="utf-8",
    )
    frame = load_content(tmp_path).frames["2026-10"]
    assert frame.closing == "一、内部要求。"
    assert frame.public_closing == "一、公开的要求。"


def test_recipients_default_to_the_ranked_county_level_units() -> None:
    from generator.model.assemble import default_recipients

    names = ["明湖区", "云栖县", "鹭洲市", "示例高新技术产业开发区"]
    assert default_recipients(names) == "各县（市、区）总工会，示例高新技术产业开发区工会"
    assert default_recipients(["甲县", "乙区"]) == "各县（区）总工会"
    assert default_recipients(["甲县"]) == "各县总工会"


def test_the_public_title_promises_no_assessment_results() -> None:
    from generator.model.content import public_title

    title = "关于2025年全市企业工会组建工作情况及年度目标任务考核结果的通报"
    assert public_title(title) == "关于2025年全市企业工会组建工作情况的通报"
    preface = "现将2025年12月及全年企业工会组建工作情况和年度目标任务考核结果通报如下。"
    assert public_title(preface) == "现将2025年12月及全年企业工会组建工作情况通报如下。"
    plain = "关于2026年10月全市企业工会组建工作情况的通报"
    assert public_title(plain) == plain


def test_a_frame_naming_another_deadline_is_a_warning(tmp_path: Path) -> None:
    """One deadline (CONTRACT 3.9): the closing's 每月3日前 against report_deadline 5, and its
    15个工作日 against rectify_days 10, are warnings naming the file and line; none once they
    agree."""
    from generator.model.content import frame_deadline_problems

    frame = tmp_path / "content" / "bulletins" / "2026-10.md"
    frame.parent.mkdir(parents=True)
    frame.write_text(
        "---\ndoc_number: 45\n---\n\n现将情况通报如下。\n\n<!-- closing -->\n\n"
        "一、每月3日前将上月台账报送市总工会。\n\n二、受到通报批评的单位，15个工作日内书面报告。\n",
        encoding="utf-8",
    )
    frames = load_content(tmp_path).frames
    problems = frame_deadline_problems(tmp_path, frames, report_deadline=5, rectify_days=10)
    assert [(p.code, p.file, p.row, p.value) for p in problems] == [
        ("W-CONTENT-DEADLINE", "content/bulletins/2026-10.md", 9, "每月3日前"),
        ("W-CONTENT-DEADLINE", "content/bulletins/2026-10.md", 11, "15个工作日"),
    ]
    assert "report_deadline 是 5" in problems[0].message
    assert not frame_deadline_problems(tmp_path, frames, report_deadline=3, rectify_days=15)
