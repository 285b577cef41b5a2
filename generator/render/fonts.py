"""Fonts for the PDFs: a family stack per typographic role that prefers the official fonts.

GB/T 9704 names 小标宋 for titles, 仿宋 for the body, 黑体 and 楷体 for headings and 宋体 for page
numbers. Those fonts are commercial and often missing on Linux, so every role falls back to the
Noto CJK family that looks closest. Fonts are looked up the way Typst will see them: installed
system fonts plus the project's own `fonts/` folder (where users may drop the official fonts).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import typst

from generator.office.templates import check_folder

#: The project folder searched for extra font files, beside bulletin.yml.
PROJECT_FONT_DIR = "fonts"


@dataclass(frozen=True)
class FontChoice:
    """A family to try for a role, with the weight it should be used at."""

    family: str
    weight: int = 400
    official: bool = True


# Official fonts go by Chinese and English names depending on the font file; list both.
ROLES: dict[str, tuple[FontChoice, ...]] = {
    "title": (
        FontChoice("方正小标宋简体"),
        FontChoice("FZXiaoBiaoSong-B05S"),
        FontChoice("方正小标宋_GBK"),
        FontChoice("FZXiaoBiaoSong-B05"),
        FontChoice("Noto Serif CJK SC", 700, official=False),
    ),
    # 仿宋_GB2312 (Windows XP era), 方正仿宋 (方正仿宋_GBK, 方正仿宋简体), and 仿宋 as every
    # Chinese Windows has it (C:\Windows\Fonts\simfang.ttf, family FangSong).
    "body": (
        FontChoice("仿宋_GB2312"),
        FontChoice("FangSong_GB2312"),
        FontChoice("方正仿宋_GBK"),
        FontChoice("FZFangSong-Z02"),
        FontChoice("方正仿宋简体"),
        FontChoice("FZFangSong-Z02S"),
        FontChoice("仿宋"),
        FontChoice("FangSong"),
        FontChoice("Noto Serif CJK SC", official=False),
    ),
    "heading": (
        FontChoice("黑体"),
        FontChoice("SimHei"),
        FontChoice("Noto Sans CJK SC", official=False),
    ),
    "kai": (
        FontChoice("楷体_GB2312"),
        FontChoice("KaiTi_GB2312"),
        FontChoice("楷体"),
        FontChoice("KaiTi"),
        FontChoice("AR PL UKai CN", official=False),
        FontChoice("AR PL UKai", official=False),  # how Typst names the CN face of ukai.ttc
        FontChoice("Noto Serif CJK SC", official=False),
    ),
    "song": (
        FontChoice("宋体"),
        FontChoice("SimSun"),
        FontChoice("Noto Serif CJK SC", official=False),
    ),
}

#: What each role is for, as `bulletin doctor` shows it.
ROLE_LABELS = {
    "title": "标题、发文机关标志（小标宋）",
    "body": "正文、版记（仿宋）",
    "heading": "一级标题（黑体）",
    "kai": "二级标题（楷体）",
    "song": "页码（宋体）",
}

#: The family used for glyphs a chosen font lacks (GB2312 fonts miss rarer characters in names).
FALLBACK = {
    "title": "Noto Serif CJK SC",
    "body": "Noto Serif CJK SC",
    "heading": "Noto Sans CJK SC",
    "kai": "Noto Serif CJK SC",
    "song": "Noto Serif CJK SC",
}


@dataclass(frozen=True)
class ResolvedFont:
    """The family a role got on this machine, and the file it comes from."""

    role: str
    label: str
    family: str
    weight: int
    file: str
    official: bool
    stack: tuple[str, ...]  # the families Typst is given, in order


def font_paths(root: Path | None) -> list[Path]:
    """Extra font folders for a project: PROJECT/fonts/ when it exists."""
    if root is None:
        return []
    folder = root / PROJECT_FONT_DIR
    if not folder.is_dir():
        return []

    check_folder(root, folder, None)  # fonts may be links to the system's; never a pipe
    return [folder.resolve()]


@lru_cache(maxsize=8)
def load_fonts(paths: tuple[str, ...] = ()) -> typst.Fonts:
    """System fonts plus the fonts in `paths`, scanned once per process."""
    return typst.Fonts(include_system_fonts=True, font_paths=list(paths))


def resolve_fonts(root: Path | None = None) -> list[ResolvedFont]:
    """Resolve every role to the first installed family of its stack."""
    fonts = load_fonts(tuple(str(p) for p in font_paths(root)))
    available: dict[str, list[typst.FontInfo]] = {}
    for info in fonts.fonts():
        available.setdefault(info.family.casefold(), []).append(info)
    resolved = []
    for role, choices in ROLES.items():
        chosen: FontChoice | None = None
        infos: list[typst.FontInfo] = []
        for choice in choices:
            infos = available.get(choice.family.casefold(), [])
            if infos:
                chosen = choice
                break
        if chosen is None:  # not even Noto: let Typst fall back to whatever it has
            chosen, infos = choices[-1], []
        best = min(infos, key=lambda i: abs(i.weight - chosen.weight), default=None)
        family = best.family if best is not None else chosen.family
        stack = tuple(dict.fromkeys([family, FALLBACK[role]]))
        resolved.append(
            ResolvedFont(
                role=role,
                label=ROLE_LABELS[role],
                family=family,
                weight=chosen.weight,
                file=(best.path or "（内置字体）") if best is not None else "（未找到）",
                official=chosen.official and best is not None,
                stack=stack,
            )
        )
    return resolved


#: Roles GB/T 9704 sets in 仿宋. No free 仿宋 covers simplified Chinese (Debian's cwTeX 仿宋
#: has traditional characters only), so without an office font these fall back to a 宋体.
FANGSONG_ROLES = ("body",)


def fangsong_advice(resolved: list[ResolvedFont]) -> str | None:
    """What to do when a role that GB/T 9704 sets in 仿宋 has none; None when all have one."""
    missing = [f for f in resolved if f.role in FANGSONG_ROLES and not f.official]
    if not missing:
        return None
    roles = "、".join(f.label.split("（")[0] for f in missing)
    using = "、".join(dict.fromkeys(f.family for f in missing))
    return (
        f"{roles}没有仿宋字体，现用 {using}（宋体）代替。"
        f"请把仿宋_GB2312.ttf、方正仿宋_GBK.ttf 或 Windows 自带的 C:\\Windows\\Fonts\\simfang.ttf "
        f"复制到项目的 {PROJECT_FONT_DIR}/ 目录，再重新生成。"
    )


def typst_fonts(resolved: list[ResolvedFont]) -> dict[str, Any]:
    """The fonts as the PDF templates read them: role -> {family: [...], weight}."""
    return {f.role: {"family": list(f.stack), "weight": f.weight} for f in resolved}
