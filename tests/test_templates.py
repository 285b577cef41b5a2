"""Templates compiled once per process (generator.office.templates.CompiledTemplates): reused only where
the compiled code would be the same."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from jinja2.sandbox import SandboxedEnvironment

from generator.office.templates import CompiledTemplates


def env(folder: Path, cache: CompiledTemplates, **kw: object) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)), bytecode_cache=cache, **kw
    )


def test_a_template_is_compiled_once_and_reused_by_a_like_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "page.html").write_text("<p>{{ x }}</p>", encoding="utf-8")
    cache = CompiledTemplates()
    assert env(tmp_path, cache).get_template("page.html").render(x="甲") == "<p>甲</p>"
    second = env(tmp_path, cache)

    def never(*_args: object, **_kw: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(second, "compile", never)
    assert second.get_template("page.html").render(x="乙") == "<p>乙</p>"


def test_other_settings_or_another_source_compile_anew(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<p>{{ x }}</p>\n", encoding="utf-8")
    cache = CompiledTemplates()
    plain = env(tmp_path, cache)
    assert plain.get_template("page.html").render(x="<b>") == "<p><b></p>"
    escaped = env(tmp_path, cache, autoescape=True)
    assert escaped.get_template("page.html").render(x="<b>") == "<p>&lt;b&gt;</p>"
    kept = env(tmp_path, cache, keep_trailing_newline=True)
    assert kept.get_template("page.html").render(x="a") == "<p>a</p>\n"
    other_syntax = env(tmp_path, cache, variable_start_string="<%", variable_end_string="%>")
    assert other_syntax.get_template("page.html").render(x="a") == "<p>{{ x }}</p>"
    page.write_text("<div>{{ x }}</div>", encoding="utf-8")
    assert env(tmp_path, cache).get_template("page.html").render(x="a") == "<div>a</div>"
    # the sandbox's own class keeps its own code (and refuses what the plain one showed)
    page.write_text("{{ x.__class__ }}", encoding="utf-8")
    assert env(tmp_path, cache).get_template("page.html").render(x="") == "<class 'str'>"
    sandboxed = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(tmp_path)), bytecode_cache=cache
    )
    assert sandboxed.get_template("page.html").render(x="") == ""
