from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.common.config import load_config
from generator.common.errors import ConfigError
from generator.model.content import load_content
from generator.office.scaffold import init_project, new_period


def test_init_makes_a_project_with_roster_templates(tmp_path: Path) -> None:
    root = tmp_path / "青山市"
    result = CliRunner().invoke(
        cli, ["init", str(root), "--organization", "青山市总工会", "--doc-prefix", "青工发"]
    )
    assert result.exit_code == 0, result.output
    config = load_config(root)
    assert config.organization.name == "青山市总工会"
    assert config.organization.doc_prefix == "青工发"
    header = (root / "data/units.csv").read_bytes().decode("utf-8-sig").splitlines()[0]
    assert header == "单位代码,单位名称,层级,上级单位代码,排序,应配备志愿者,邮箱,简称"
    for name in ("targets", "volunteers", "pioneer_teams", "book_rooms"):
        assert (root / f"data/{name}.csv").is_file()
    assert (root / "content/writeups").is_dir()


def test_init_refuses_an_existing_project(tmp_path: Path) -> None:
    init_project(tmp_path / "a")
    with pytest.raises(ConfigError, match="已经是一个通报项目"):
        init_project(tmp_path / "a")
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "a")])
    assert result.exit_code == 2
    assert "已经是一个通报项目" in result.output
    assert "Traceback" not in result.output


def test_new_period_prefills_from_the_last_frame(tmp_path: Path) -> None:
    root = tmp_path / "p"
    init_project(root, "青山市总工会", "青工发")
    (root / "content/bulletins/2026-10.md").write_text(
        "---\ndoc_number: 45\nrecipients: 各县总工会\ncc: 省总工会\nsigned_on: 2026-11-05\n"
        "printed_on: 2026-11-06\n---\n现将2026年10月情况通报如下。\n\n<!-- closing -->\n\n一、要求。\n",
        encoding="utf-8",
    )
    result = new_period(root, "2026-11")
    assert result.based_on == "2026-10"
    assert (root / "data/2026-11").is_dir()
    frame = load_content(root).frames["2026-11"]
    assert frame.recipients == "各县总工会" and frame.cc == "省总工会"
    # the number and the signing date are the leader's and the registry's: left empty, said how
    assert frame.doc_number is None and frame.signed_on is None and frame.printed_on is None
    text = (root / "content/bulletins/2026-11.md").read_text("utf-8")
    assert "\ndoc_number:\n" in text and "\nsigned_on:\n" in text
    assert "例如 doc_number: 46（2026年下一个序号是 46 号" in text
    assert "不能早于报送截止日 2026-12-05" in text and "例如 signed_on: 2026-12-07" in text
    assert frame.preface == "现将2026年11月情况通报如下。"
    assert frame.closing == "一、要求。"
    with pytest.raises(ConfigError, match="已存在"):
        new_period(root, "2026-11")


def test_new_period_checks_the_cadence(tmp_path: Path) -> None:
    init_project(tmp_path / "p")
    with pytest.raises(ConfigError, match="按月"):
        new_period(tmp_path / "p", "2026-Q4")
    with pytest.raises(ConfigError, match="报告期"):
        new_period(tmp_path / "p", "2026年11月")


def test_init_documents_every_setting_rule_condition_and_metric(tmp_path: Path) -> None:
    """bulletin.yml of `init` names, in Chinese comments, every key a project may set."""
    from generator.common.config import _TOP_KEYS, RULE_KEYS, load_config
    from generator.figures.indicators import BY_NAME, RULE_METRICS
    from generator.office.scaffold import init_project

    init_project(tmp_path / "p", "某市总工会", "某工发", "month")
    text = (tmp_path / "p" / "bulletin.yml").read_text(encoding="utf-8")
    comments = "\n".join(line for line in text.splitlines() if "#" in line)
    for key in (*_TOP_KEYS, *RULE_KEYS):
        assert key in text, key
    for metric in RULE_METRICS:
        assert f"{metric} " in comments and BY_NAME[metric].label in comments, metric
    assert "所属县市区内排名和评价" in comments  # townships are judged within their county
    config = load_config(tmp_path / "p")  # and it reads back as the contract's defaults
    assert config.volunteer_deadline == (7, 1)
    assert [r.after_volunteer_deadline for r in config.judgments["criticize"]] == [
        False,
        True,
        False,
    ]
    # the default rules, as written (the 报送情况 rule of CONTRACT 1.1 among them)
    from generator.common.config import DEFAULT_JUDGMENTS, Rule

    assert config.judgments == {
        kind: tuple(Rule(**raw) for raw in raws) for kind, raws in DEFAULT_JUDGMENTS.items()
    }
