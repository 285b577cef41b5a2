"""Reading the project's text content: write-ups (工作动态) and bulletin frames (CONTRACT §6).

Like the rosters, content is untrusted input: every mistake becomes a Problem naming the file
and line; nothing here raises for bad content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt

from generator.common import formatting as fmt
from generator.common.paths import ProjectPaths
from generator.common.periods import Period
from generator.common.problems import Problem, ProblemList
from generator.common.safe_yaml import Document, YamlError
from generator.rosters.specs import CAMPAIGNS

#: Write-up categories (CONTRACT §6): one per campaign, then the others, with their labels.
CATEGORY_LABELS = {
    **{c.category: c.label for c in CAMPAIGNS.values()},
    "union-building": "企业建会",
    "volunteer": "工会工作志愿者",
    "other": "其他",
}
CATEGORIES = tuple(CATEGORY_LABELS)
CLOSING_MARK = re.compile(r"^\s*<!--\s*closing\s*-->\s*$", re.MULTILINE)
#: After the closing, an optional closing of the public version (公开版) of the bulletin.
PUBLIC_CLOSING_MARK = re.compile(r"^\s*<!--\s*public\s+closing\s*-->\s*$", re.MULTILINE)
_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?", re.DOTALL)
#: A write-up is a news item (a long one is 30 KB); larger files are refused. The bound also
#: bounds the time: Markdown made only of markup takes markdown-it ~30 s a megabyte, per output.
MAX_WRITEUP_BYTES = 200_000
#: Token level at which a body is refused: the PDFs' parser (markdown-it) stops at 20 levels,
#: silently dropping the rest. A list level takes two token levels, a quote one: lists may
#: nest 8 deep, quotes 17.
MAX_BLOCK_LEVEL = 19
#: Deepest nesting of emphasis and links inside a paragraph (`****…x…****` makes thousands).
MAX_INLINE_LEVEL = 20
#: Image files the site and the PDFs show; SVG is refused because it can carry script.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")
_WRITEUP_KEYS = ("title", "date", "unit", "category", "audience", "images", "summary")
_FRAME_KEYS = ("doc_number", "title", "recipients", "cc", "signed_on", "printed_on")

# Problem codes of this module.
E_FRONT_MATTER = "E-CONTENT-FRONT-MATTER"
E_FIELD = "E-CONTENT-FIELD"
E_IMAGE = "E-CONTENT-IMAGE"
E_TOO_LARGE = "E-CONTENT-TOO-LARGE"
E_TOO_DEEP = "E-CONTENT-TOO-DEEP"
E_OUTSIDE = "E-CONTENT-OUTSIDE"
E_ENCODING = "E-CONTENT-ENCODING"
W_UNKNOWN_KEY = "W-CONTENT-UNKNOWN-KEY"
W_REMOTE_IMAGE = "W-CONTENT-REMOTE-IMAGE"
#: A frame naming a reporting deadline or a rectification period other than bulletin.yml's
W_DEADLINE = "W-CONTENT-DEADLINE"


@dataclass
class WriteUpSource:
    """A write-up as read from content/writeups/<slug>.md."""

    slug: str
    path: Path
    title: str
    date: date
    unit: str
    category: str
    audience: str
    images: list[str]  # relative to content/, checked to stay inside it
    body: str


@dataclass
class PageSource:
    """An extra page as read from content/pages/<slug>.md: its title and Markdown body."""

    slug: str
    title: str
    body: str


@dataclass
class Frame:
    """A bulletin frame: document fields, preface and closing of one period."""

    period: str
    doc_number: int | None = None
    title: str = ""
    recipients: str = ""
    cc: str = ""
    signed_on: date | None = None
    printed_on: date | None = None
    preface: str = ""
    closing: str = ""
    public_closing: str | None = None  # after <!-- public closing -->; None: derived


@dataclass
class Content:
    writeups: list[WriteUpSource] = field(default_factory=list)
    frames: dict[str, Frame] = field(default_factory=dict)
    pages: list[PageSource] = field(default_factory=list)
    problems: ProblemList = field(default_factory=ProblemList)

    def writeups_of(self, period: Period) -> list[WriteUpSource]:
        """The write-ups whose date falls in the period, newest first."""
        found = [w for w in self.writeups if period.contains(w.date)]
        return sorted(found, key=lambda w: (w.date, w.slug), reverse=True)


def split_front_matter(text: str) -> tuple[dict[str, Any] | None, str, int, str]:
    """Return (front matter, body, line where the body starts, error) of a Markdown file."""
    match = _FRONT.match(text)
    if not match:
        return None, text, 1, "文件开头缺少用 --- 包围的前置信息（front matter）"
    try:
        # the front matter starts on the file's second line, after the opening ---
        meta = Document(match.group(1), first_line=2).data or {}
    except YamlError as exc:
        return None, text, 1, f"前置信息有误：{exc}"
    if not isinstance(meta, dict):
        return None, text, 1, "前置信息应是“键: 值”的列表"
    body_line = text[: match.end()].count("\n") + 1
    return meta, text[match.end() :], body_line, ""


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # The parser of the PDFs (render/mdtree.py), whose nesting limit is the one that bites.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def markdown_depth_problem(body: str) -> tuple[int, str] | None:
    """(line in the body, message) when the Markdown nests deeper than the renderers take."""
    for token in _parser().parse(body):
        line = token.map[0] + 1 if token.map else 1
        if token.level >= MAX_BLOCK_LEVEL:
            return line, (
                "列表或引用嵌套层数太多（列表最多 8 层、引用最多 17 层），"
                "再深的内容无法排版：请减少嵌套层数。"
            )
        for child in token.children or ():
            if child.level > MAX_INLINE_LEVEL:
                return line, (
                    f"一段文字中的加粗、斜体或链接嵌套超过 {MAX_INLINE_LEVEL} 层"
                    "（常见于成串的 * 或 _ 符号）：请删去多余的符号。"
                )
    return None


def _body_images(body: str) -> list[tuple[int, str]]:
    """(line in the body, source) of every Markdown image of a body."""
    found = []
    for token in _parser().parse(body):
        line = token.map[0] + 1 if token.map else 1
        stack = list(token.children or ())
        while stack:
            child = stack.pop(0)
            if child.type == "image":
                found.append((line, str(child.attrs.get("src", ""))))
            stack.extend(child.children or ())
    return found


def _key_line(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines()[:60], start=1):
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return number
    return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
            try:
                return datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    return None


class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.content_dir = ProjectPaths(root).content
        self.problems = ProblemList()

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def front_matter(self, path: Path) -> tuple[str, dict[str, Any], str, int] | None:
        """A file's text, its front matter, body and the body's first line; None (the problem
        said) when it cannot be read or its front matter is broken."""
        text = self.read_text(path)
        if text is None:
            return None
        meta, body, body_line, error = split_front_matter(text)
        if meta is None:
            self.problem(path, 1, "", E_FRONT_MATTER, "", error)
            return None
        return text, meta, body, body_line

    def unknown_keys(
        self, path: Path, text: str, meta: dict[str, Any], known: tuple[str, ...]
    ) -> None:
        """W-UNKNOWN-KEY for each front-matter key not in `known` (it is ignored)."""
        for key in meta:
            if key not in known:
                self.problem(
                    path,
                    _key_line(text, str(key)),
                    str(key),
                    W_UNKNOWN_KEY,
                    meta[key],
                    f"不认识的前置信息“{key}”，已忽略。可用的有：{'、'.join(known)}",
                    "warning",
                )

    def problem(
        self,
        path: Path,
        line: int | None,
        column: str,
        code: str,
        value: Any,
        message: str,
        severity: str = "error",
    ) -> None:
        self.problems.add(
            Problem(
                file=self.rel(path),
                row=line,
                column=column,
                code=code,
                severity=severity,  # type: ignore[arg-type]
                value="" if value is None else str(value)[:200],
                message=message,
            )
        )

    def read_text(self, path: Path) -> str | None:
        if not path.resolve().is_relative_to(self.content_dir.resolve()) or not path.is_file():
            self.problem(
                path,
                None,
                "",
                E_OUTSIDE,
                "",
                "这个文件是指向 content/ 目录之外的链接（或不是普通文件）：请把文件本身放进 content/ 目录。",
            )
            return None
        if path.stat().st_size > MAX_WRITEUP_BYTES:
            self.problem(
                path,
                None,
                "",
                E_TOO_LARGE,
                f"{path.stat().st_size} 字节",
                f"文件太大（超过 {MAX_WRITEUP_BYTES // 1000} KB）：请拆分或删去多余内容。",
            )
            return None
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.problem(
                path,
                None,
                "",
                E_ENCODING,
                "",
                f"无法读取这个文件（{exc.strerror}）：请检查文件权限。",
            )
            return None
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        self.problem(path, None, "", E_ENCODING, "", "无法识别文件编码：请用 UTF-8 保存。")
        return None

    def image_path(
        self, md: Path, text: str, value: Any, line: int | None = None, column: str = "images"
    ) -> str | None:
        """Resolve an image relative to the write-up; refuse anything outside content/."""
        line = line if line is not None else _key_line(text, "images")

        def refused(message: str) -> str | None:
            self.problem(md, line, column, E_IMAGE, value, message)
            return None

        if not isinstance(value, str) or not value.strip():
            return refused("图片应写成相对路径，例如 img/照片1.jpg")
        content = self.content_dir.resolve()
        candidate = Path(value)
        if (
            candidate.is_absolute()
            or value.startswith(("/", "\\"))
            or re.match(r"^[A-Za-z]:", value)
        ):
            return refused("图片路径不能是绝对路径：请把图片放进 content/ 目录，写相对路径。")
        resolved = (md.parent / candidate).resolve()
        if not resolved.is_relative_to(content):
            return refused(
                "图片路径指向 content/ 目录之外（或经符号链接出去）：请把图片放进 content/ 目录。"
            )
        if not resolved.is_file():
            return refused("找不到这张图片：请检查文件名和路径。")
        if resolved.suffix.lower() not in IMAGE_SUFFIXES:
            return refused("图片应为 JPG、PNG、GIF 或 WebP 格式的文件。")
        if not image_ok(resolved):
            return refused("图片文件已损坏或不是它的扩展名所说的格式：请重新导出这张图片。")
        return resolved.relative_to(content).as_posix()

    def check_body(self, path: Path, body: str, body_line: int) -> bool:
        """Report Markdown the renderers cannot take; True when the body is fine."""
        found = markdown_depth_problem(body)
        if found is None:
            return True
        line, message = found
        self.problem(path, body_line + line - 1, "", E_TOO_DEEP, "", message)
        return False

    def check_body_images(self, path: Path, text: str, body: str, body_line: int) -> bool:
        """Check the images of a write-up's body as those of its front matter; True if fine.

        An image on the web (http:, https:) is a warning: neither the sites nor the PDFs load
        anything from outside, so it does not show.
        """
        ok = True
        for line, source in _body_images(body):
            where = body_line + line - 1
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", source) and not re.match(
                r"^[A-Za-z]:", source
            ):
                self.problem(
                    path,
                    where,
                    "正文",
                    W_REMOTE_IMAGE,
                    source,
                    "正文中的网络图片不会显示（网站和 PDF 不加载外部内容）：请把图片放进 content/ 目录，写相对路径。",
                    "warning",
                )
                continue
            ok = self.image_path(path, text, unquote(source), where, "正文") is not None and ok
        return ok

    def writeup(self, path: Path, unit_codes: set[str] | None) -> WriteUpSource | None:
        read = self.front_matter(path)
        if read is None:
            return None
        text, meta, body, body_line = read
        ok = self.check_body(path, body, body_line)
        ok = self.check_body_images(path, text, body, body_line) and ok

        def bad(key: str, message: str) -> None:
            nonlocal ok
            ok = False
            self.problem(path, _key_line(text, key), key, E_FIELD, meta.get(key), message)

        self.unknown_keys(path, text, meta, _WRITEUP_KEYS)
        title = meta.get("title")
        if not isinstance(title, str) or not title.strip():
            bad("title", "缺少标题（title）")
        day = _as_date(meta.get("date"))
        if day is None:
            bad("date", "日期（date）缺失或格式不对：应写成 2026-10-12")
        unit = meta.get("unit")
        unit = "" if unit is None else str(unit).strip()
        if not unit:
            bad("unit", "缺少单位代码（unit）")
        elif unit_codes is not None and unit not in unit_codes:
            bad("unit", f"单位代码“{unit}”不在单位名册（data/units）中")
        category = meta.get("category", "other")
        if category not in CATEGORIES:
            bad("category", f"类别应为 {'、'.join(CATEGORIES)} 之一")
        audience = meta.get("audience", "public")
        if audience not in ("public", "internal"):
            bad("audience", "发布范围（audience）应为 public（公开）或 internal（内部）")
        images_raw = meta.get("images") or []
        if isinstance(images_raw, str):
            images_raw = [images_raw]
        images: list[str] = []
        if not isinstance(images_raw, list):
            bad("images", "图片（images）应为列表，例如 [img/照片1.jpg]")
        else:
            for value in images_raw:
                resolved = self.image_path(path, text, value)
                if resolved is None:
                    ok = False
                else:
                    images.append(resolved)
        if not ok or day is None:
            return None
        return WriteUpSource(
            slug=path.stem,
            path=path,
            title=str(title).strip(),
            date=day,
            unit=unit,
            category=str(category),
            audience=str(audience),
            images=images,
            body=body,
        )

    def page(self, path: Path) -> PageSource | None:
        """Read and check an extra page (front matter optional); None when it cannot be published.

        The title is the front matter's `title`, else the first `# heading` (taken out of the
        body), else the file name.
        """
        text = self.read_text(path)
        if text is None:
            return None
        meta, body, body_line, _error = split_front_matter(text)
        if meta is None:
            body, body_line = text, 1
        elif meta.get("audience", "public") != "public":
            # Pages have no audience: each is published on both sites.
            self.problem(
                path,
                _key_line(text, "audience"),
                "audience",
                E_FIELD,
                meta.get("audience"),
                "content/pages 下的页面会同时发布到内网和外网，不能设发布范围："
                "只给内网看的内容请写成 audience: internal 的工作动态（content/writeups）。",
            )
            return None
        if not self.check_body(path, body, body_line):
            return None
        title = str((meta or {}).get("title") or "")
        if not title:
            heading = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
            title = heading.group(1).strip() if heading else path.stem
            if heading and (meta is not None or title != path.stem):
                body = body.replace(heading.group(0), "", 1)
        return PageSource(slug=path.stem, title=title, body=body)

    def frame(self, path: Path) -> Frame | None:
        read = self.front_matter(path)
        if read is None:
            return None
        text, meta, body, body_line = read
        if not self.check_body(path, body, body_line):
            return None
        frame = Frame(period=path.stem)
        self.unknown_keys(path, text, meta, _FRAME_KEYS)
        number = meta.get("doc_number")
        if number is not None:
            if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
                self.problem(
                    path,
                    _key_line(text, "doc_number"),
                    "doc_number",
                    E_FIELD,
                    number,
                    "发文序号（doc_number）应为正整数，例如 45（不加前导零）",
                )
            else:
                frame.doc_number = number
        for key in ("title", "recipients", "cc"):
            value = meta.get(key)
            if value is None:
                continue
            if isinstance(value, list):
                value = "，".join(str(v) for v in value)
            setattr(frame, key, str(value).strip())
        for key in ("signed_on", "printed_on"):
            value = meta.get(key)
            if value is None:
                continue
            day = _as_date(value)
            if day is None:
                self.problem(
                    path,
                    _key_line(text, key),
                    key,
                    E_FIELD,
                    value,
                    "日期格式不对：应写成 2026-11-05",
                )
            setattr(frame, key, day)
            # a signing day off (weekend, public holiday): model/frame_dates.py, with the calendar
        parts = CLOSING_MARK.split(body, maxsplit=1)
        frame.preface = parts[0].strip()
        closing = PUBLIC_CLOSING_MARK.split(parts[1], maxsplit=1) if len(parts) > 1 else [""]
        frame.closing = closing[0].strip()
        frame.public_closing = closing[1].strip() if len(closing) > 1 else None
        return frame


def image_ok(path: Path) -> bool:
    """Whether the image decodes (Typst stops the whole PDF on an image it cannot read)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False
    return True


def load_content(root: Path, unit_codes: set[str] | None = None) -> Content:
    """Read content/writeups, content/bulletins and content/pages of a project."""
    reader = _Reader(root)
    content = Content()
    writeups_dir = reader.content_dir / "writeups"
    if writeups_dir.is_dir():
        for path in sorted(writeups_dir.glob("*.md")):
            item = reader.writeup(path, unit_codes)
            if item is not None:
                content.writeups.append(item)
    frames_dir = reader.content_dir / "bulletins"
    if frames_dir.is_dir():
        for path in sorted(frames_dir.glob("*.md")):
            if not Period.is_period_name(path.stem):
                reader.problem(
                    path,
                    None,
                    "",
                    E_FIELD,
                    path.name,
                    "通报框架文件名应为报告期，例如 2026-10.md",
                    "warning",
                )
                continue
            frame = reader.frame(path)
            if frame is not None:
                content.frames[frame.period] = frame
    pages_dir = reader.content_dir / "pages"
    if pages_dir.is_dir():
        for path in sorted(pages_dir.glob("*.md")):
            page = reader.page(path)
            if page is not None:
                content.pages.append(page)
    content.problems = reader.problems
    return content


_REPORT_DAY = re.compile(r"(?:每月|次月|下月)(\d{1,2})日(?:前|之前|以前)")
_WORKING_DAYS = re.compile(r"(\d{1,2})个工作日")


def frame_deadline_problems(
    root: Path, frames: dict[str, Frame], report_deadline: int, rectify_days: int
) -> list[Problem]:
    """One deadline (CONTRACT 3.9): a frame naming a reporting day or a rectification period
    other than bulletin.yml's, which the generated sections state, is a warning at check."""
    problems: list[Problem] = []
    for period in sorted(frames):
        path = ProjectPaths(root).frame(period)
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            for found in _REPORT_DAY.finditer(line):
                if int(found.group(1)) != report_deadline:
                    problems.append(
                        _deadline_problem(
                            path,
                            root,
                            number,
                            found.group(0),
                            f"通报框架写的报送期限是“{found.group(0)}”，而 bulletin.yml 的 "
                            f"report_deadline 是 {report_deadline}（次月{report_deadline}日前），"
                            "通报的“报送情况”按后者判断是否按时：请把框架改为一致，"
                            "或修改 report_deadline。",
                        )
                    )
            for found in _WORKING_DAYS.finditer(line):
                if int(found.group(1)) != rectify_days:
                    problems.append(
                        _deadline_problem(
                            path,
                            root,
                            number,
                            found.group(0),
                            f"通报框架写的整改期限是“{found.group(0)}”，而通报中每段批评给出的整改"
                            f"日期按 bulletin.yml 的 rectify_days（{rectify_days}个工作日）计算："
                            "请把框架改为一致（或只写“在通报规定的期限内”），或修改 rectify_days。",
                        )
                    )
    return problems


def _deadline_problem(path: Path, root: Path, line: int, value: str, message: str) -> Problem:
    return Problem(
        file=path.relative_to(root).as_posix(),
        row=line,
        column="",
        code=W_DEADLINE,
        severity="warning",
        value=value,
        message=message,
    )


# ---- the public version's wording ------------------------------------------------------------

#: Words of what only the signed original says: criticism, veto and their consequences.
INTERNAL_WORDS = re.compile(r"批评|否决|问责|追责|约谈|整改|处分|不得.{0,8}评先")
_SENTENCES = re.compile(r"[^。；！？]*[。；！？]?")
_ITEM_NUMBER = re.compile(r"^[一二三四五六七八九十]+、")


def public_text(markdown: str) -> str:
    """A frame text without what only the signed original says (criticism, veto, rectification).

    Sentences (to 。；！？) naming them are left out; when only the trailing clauses of a
    sentence name them, only those clauses go. A paragraph left without its content goes too,
    and the items 一、二、… that remain are numbered anew.
    """
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", markdown.strip()):
        sentences = [x for x in _SENTENCES.findall(paragraph) if x]
        kept = [k for k in (_public_sentence(x) for x in sentences) if k]
        text = "".join(kept).strip()
        if text.endswith("；"):
            text = text[:-1] + "。"
        heading_only = len(kept) == 1 < len(sentences) and _ITEM_NUMBER.match(text)
        if text and not heading_only:
            paragraphs.append(text)
    number = 0
    out = []
    for text in paragraphs:
        if _ITEM_NUMBER.match(text):
            number += 1
            text = _ITEM_NUMBER.sub(_item_number(number), text, count=1)
        out.append(text)
    return "\n\n".join(out)


#: "及年度目标任务考核结果" in a title or a preface: results the public version leaves out.
_RESULTS_PROMISED = re.compile(r"[及和与暨][^及和与暨，。；]{0,16}?考核结果")


def public_title(text: str) -> str:
    """A title (or preface) for the public version: not promising 考核结果, which it leaves
    out (关于2025年…工作情况及年度目标任务考核结果的通报 -> 关于2025年…工作情况的通报)."""
    return _RESULTS_PROMISED.sub("", text)


def _public_sentence(sentence: str) -> str:
    if not INTERNAL_WORDS.search(sentence):
        return sentence
    end = sentence[-1] if sentence[-1] in "。；！？" else ""
    clauses = re.split(r"(?<=，)", sentence[: len(sentence) - len(end)])
    while clauses and INTERNAL_WORDS.search(clauses[-1]):
        clauses.pop()
    if not clauses or any(INTERNAL_WORDS.search(c) for c in clauses):
        return ""
    return "".join(clauses).rstrip("，") + (end or "。")


def _item_number(n: int) -> str:
    return fmt.chinese_number(n) + "、"


def read_frame(root: Path, period: str) -> Frame | None:
    """The bulletin frame of one period (content/bulletins/<period>.md), None without one or
    when it cannot be read (`check` names its problems)."""
    path = ProjectPaths(root).frame(period)
    return _Reader(root).frame(path) if path.is_file() else None
