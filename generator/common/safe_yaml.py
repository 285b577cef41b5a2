"""YAML as data only: bulletin.yml and the front matter of write-ups and bulletin frames.

PyYAML's safe loader already refuses to build Python objects, but it still follows aliases
without limit (a few lines of anchors expand to billions of values), builds whatever size of
value it is given, and stops with an English message or a raw exception on an impossible date.
Here the document is composed into nodes first (aliases stay shared, nothing is expanded) and
then converted node by node: only the standard tags, a bounded number of values with aliases
counted each time they are used, bounded text, real dates. Every refusal is a `YamlError` with
a Chinese message and the line of the key it is about.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

#: values (scalars, lists, mappings) one document may hold, aliases counted at each use
MAX_NODES = 20_000
#: characters one text value may hold
MAX_TEXT = 20_000
#: characters of a whole document
MAX_DOCUMENT = 1_000_000

_STANDARD = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}

_FULL_WIDTH_COLON = re.compile(r"^\s*(?:-\s+)?[A-Za-z_][\w-]*\s*：")


class YamlError(ValueError):
    """A YAML document refused; `line` (1-based, 0 when unknown) and a Chinese `message`."""

    def __init__(self, message: str, line: int = 0, key: str = "") -> None:
        self.message, self.line, self.key = message, line, key
        where = f"第{line}行" if line else ""
        name = f"“{key}”" if key else ""
        super().__init__(f"{where}{name}{'：' if where or name else ''}{message}")


class Document:
    """A YAML mapping converted to plain Python, with the line of every key path."""

    def __init__(self, text: str, first_line: int = 1) -> None:
        self.offset = first_line - 1
        self.lines: dict[tuple[Any, ...], int] = {}
        self.nodes = 0
        if len(text) > MAX_DOCUMENT:
            raise _too_large(text, self.offset)
        _check_layout(text, self.offset)
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, self.offset) from None
        except RecursionError:
            raise YamlError("嵌套层数太多。") from None
        self.data: Any = self._convert(node, ()) if node is not None else None

    def line(self, key_path: tuple[Any, ...]) -> int:
        return self.lines.get(key_path, 0)

    def _convert(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        line = node.start_mark.line + 1 + self.offset
        self.lines.setdefault(path, line)
        name = ".".join(str(k) for k in path)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlError(
                f"值的个数超过 {MAX_NODES} 个（常见于层层引用的锚点 & 和别名 *）：请直接写出要用的值。",
                line,
                name,
            )
        if node.tag not in _STANDARD:
            raise YamlError(
                f"不支持的 YAML 标签 {node.tag.replace('tag:yaml.org,2002:', '!!')}："
                "设置和前置信息只能写文字、数字、日期、列表和“键: 值”。",
                line,
                name,
            )
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _STANDARD:
                    raise YamlError("键应是一个简单的名称。", key_node.start_mark.line + 1, name)
                key = str(key_node.value)
                self.lines[(*path, key)] = key_node.start_mark.line + 1 + self.offset
                out[key] = self._convert(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._convert(item, (*path, i)) for i, item in enumerate(node.value)]
        if len(node.value) > MAX_TEXT:
            raise YamlError(f"值太长（{len(node.value)} 个字符，最多 {MAX_TEXT} 个）。", line, name)
        try:
            return yaml.SafeLoader("").construct_object(node)
        except ValueError:
            raise YamlError(
                f"“{node.value}”不是存在的日期（例如 2 月没有 30 日）。", line, name
            ) from None
        except yaml.YAMLError as exc:
            raise YamlError(f"无法读取的值：{node.value[:50]}（{exc}）", line, name) from None


def _too_large(text: str, offset: int) -> YamlError:
    """The refusal of a document too large to parse, naming its longest line and key."""
    lines = text.splitlines() or [""]
    number = max(range(len(lines)), key=lambda i: len(lines[i]))
    longest = lines[number]
    key = re.match(r"^\s*(?:-\s+)?([^\s:#]+)\s*:", longest[:200])
    return YamlError(
        f"值太长（这一行有 {len(longest)} 个字符，整个内容超过 {MAX_DOCUMENT // 1000} KB）。",
        number + 1 + offset,
        key.group(1) if key else "",
    )


def _check_layout(text: str, offset: int) -> None:
    """Mistakes YAML reports in English or on another line: tabs, full-width colons."""
    for number, line in enumerate(text.splitlines(), start=1 + offset):
        indent = line[: len(line) - len(line.lstrip())]
        if "\t" in indent:
            raise YamlError("行首有 Tab 键：YAML 只能用空格缩进，请把 Tab 换成空格。", number)
        if _FULL_WIDTH_COLON.match(line):
            raise YamlError(
                "用了中文全角冒号“：”：键和值之间应是英文冒号“:”再加一个空格，例如 name: 示例市总工会。",
                number,
            )


def _syntax_error(exc: yaml.YAMLError, offset: int) -> YamlError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 + offset if mark is not None else 0
    problem = str(getattr(exc, "problem", "") or "")
    if "tab" in problem.lower():
        reason = "行首有 Tab 键：YAML 只能用空格缩进，请把 Tab 换成空格。"
    elif "mapping values are not allowed" in problem or "expected <block end>" in problem:
        reason = "缩进不对：同一级的设置项要左对齐，下一级的比上一级多缩进两个空格（只用空格）。"
    elif "could not find expected ':'" in problem:
        reason = "缺少英文冒号“:”，或者冒号后面没有空格。"
    elif "found undefined alias" in problem or "found undefined anchor" in problem:
        reason = "引用了没有定义的别名（*）。"
    elif "found character" in problem:
        reason = "有不能出现在这里的字符（例如 @ 或 ` 开头的值要加引号）。"
    elif "quoted scalar" in problem or "end of stream" in problem:
        reason = "引号没有成对。"
    else:
        reason = f"不是合法的 YAML（{problem or exc}）。"
    return YamlError(reason, line)
