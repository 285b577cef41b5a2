"""`bulletin doctor`: what this machine has, what is missing, and how to fix it."""

from __future__ import annotations

import importlib.metadata
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator import __version__
from generator.render.fonts import FANGSONG_ROLES, fangsong_advice, resolve_fonts


@dataclass
class Check:
    """One line of the doctor's report."""

    topic: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


PACKAGES = (
    ("pandas", "表格计算"),
    ("pyarrow", "快速读取 CSV"),
    ("openpyxl", "读写 Excel"),
    ("xlsxwriter", "写出 Excel 下载表格"),
    ("mkdocs", "网站生成"),
    ("mkdocs-material", "网站主题"),
    ("jieba", "中文搜索分词"),
    ("typst", "PDF 排版"),
    ("nh3", "稿件 HTML 净化"),
    ("matplotlib", "图表"),
)


def run_checks(root: Path) -> list[Check]:
    """Every check, in the order the report prints them."""
    checks = [
        Check("bulletin", True, __version__),
        Check(
            "Python",
            sys.version_info >= (3, 11),
            sys.version.split()[0],
            "需要 Python 3.11 或更高版本",
        ),
    ]
    for name, role in PACKAGES:
        try:
            version = importlib.metadata.version(name)
            checks.append(Check(f"{name}（{role}）", True, version))
        except importlib.metadata.PackageNotFoundError:
            checks.append(Check(f"{name}（{role}）", False, "未安装", "运行 ./run setup 安装依赖"))
    checks.extend(_font_checks(root))
    for tool, role, package in (
        ("pdftoppm", "PDF 转图片（检查版式用）", "poppler-utils"),
        ("chromium", "浏览器测试和截图", "chromium"),
    ):
        found = shutil.which(tool)
        checks.append(
            Check(
                tool + f"（{role}）",
                bool(found),
                found or "未找到",
                f"apt-get install -y {package}",
                required=False,
            )
        )
    checks.append(_write_check(root))
    return checks


def _font_checks(root: Path) -> list[Check]:

    checks = []
    resolved = resolve_fonts(root)
    for font in resolved:
        found = not font.file.startswith("（")
        note = "" if font.official else "（未安装公文字体，使用替代字体）"
        no_fangsong = font.role in FANGSONG_ROLES and not font.official
        checks.append(
            Check(
                f"字体：{font.label}",
                found and not no_fangsong,
                f"{font.family}{note}　{font.file}",
                (fangsong_advice([font]) or "") if found else "apt-get install -y fonts-noto-cjk",
                required=not found,
            )
        )
    return checks


def _write_check(root: Path) -> Check:
    if not root.is_dir():
        return Check(
            "项目目录",
            False,
            f"{root} 不存在或不是文件夹",
            "请检查路径；新项目用 bulletin init 目录名 建立",
        )
    target = root
    try:
        with tempfile.NamedTemporaryFile(dir=target, prefix=".bulletin-doctor-"):
            pass
        free = shutil.disk_usage(target).free / 1e9
        ok = free > 1
        return Check(
            "写入权限和磁盘空间",
            ok,
            f"{target} 可写，剩余 {free:.1f} GB",
            "请清理磁盘空间（至少需要 1 GB）",
        )
    except OSError as exc:
        return Check(
            "写入权限和磁盘空间",
            False,
            f"{target} 不可写（{exc.strerror}）",
            f"请确认当前用户对 {target} 有写权限",
        )
