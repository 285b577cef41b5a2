"""Where templates come from: the project's own site_templates/ first, then the built-in ones."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
from jinja2.bccache import Bucket

from generator.common.errors import ConfigError

#: The built-in templates, shipped beside the package.
BUILTIN = Path(__file__).resolve().parent.parent.parent / "site_templates"


def template_dirs(root: Path | None, kind: str) -> list[Path]:
    """Folders to search for templates of `kind` (site, pdf, project), overrides first."""
    dirs = []
    if root is not None:
        own = (root / "site_templates" / kind).resolve()
        if own.is_dir() and own != (BUILTIN / kind):
            check_folder(root, own, root / "site_templates")
            dirs.append(own)
    dirs.append(BUILTIN / kind)
    return dirs


def find_template(root: Path | None, kind: str, name: str) -> Path:
    """The first `kind/name` template found, the project's own before the built-in one."""
    for folder in template_dirs(root, kind):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"找不到模板 site_templates/{kind}/{name}")


def check_folder(root: Path, folder: Path, inside: Path | None) -> None:
    """Refuse a folder of templates or fonts holding what must not be read from it.

    Refused: anything but regular files and folders (a named pipe would hang the build, a
    device would never end), and, when `inside` is given, a symbolic link leading out of it
    (a template could otherwise read any file of the machine into a page or a PDF).
    """
    limit = os.path.realpath(inside) if inside is not None else None
    for base, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = os.path.join(base, name)
            shown = _shown(root, path)
            try:
                info = os.lstat(path)
                if stat.S_ISLNK(info.st_mode):
                    target = os.path.realpath(path)
                    if limit is not None and os.path.commonpath([limit, target]) != limit:
                        raise ConfigError(
                            f"{shown} 是指向 {target} 的符号链接，位于 {_shown(root, limit)}/ 之外："
                            "模板只能读取模板目录中的文件。请删除该链接，把需要的文件复制进来。"
                        )
                    info = os.stat(path)
            except OSError as exc:
                raise ConfigError(f"无法读取 {shown}：{exc.strerror}。") from None
            if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
                raise ConfigError(
                    f"{shown} 不是普通文件（例如命名管道或设备），无法读取：请删除它或换成普通文件。"
                )


def _shown(root: Path, path: str | Path) -> str:
    try:
        return Path(path).relative_to(root.resolve()).as_posix()
    except ValueError:
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            return str(path)


class CompiledTemplates(jinja2.BytecodeCache):
    """Jinja templates compiled once per process and reused by every later build (a serve
    session, a test run): compiling the site's and the theme's templates took about as long as
    rendering the pages. Kept in memory only, as code objects, never written anywhere.

    A template is reused only for the same name, file and source, and an environment whose
    settings give the same compiled code (class, syntax, whitespace rules, autoescape for this
    name, extensions, and the filters and tests with the arguments each is passed).
    """

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, CodeType]] = {}

    def get_bucket(
        self, environment: jinja2.Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        key = self.get_cache_key(repr((_compiles_as(environment, name), name)), filename)
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self._code.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._code[bucket.key] = (bucket.checksum, bucket.code)


def _compiles_as(env: jinja2.Environment, name: str) -> tuple[object, ...]:
    """What of `env` the code compiled from a template named `name` depends on."""
    autoescape = env.autoescape(name) if callable(env.autoescape) else env.autoescape
    return (
        type(env).__module__,
        type(env).__qualname__,
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        env.optimized,
        env.is_async,
        env.finalize is not None,
        bool(autoescape),
        tuple(sorted(env.extensions)),
        tuple(sorted((k, repr(v)) for k, v in env.policies.items() if not callable(v))),
        tuple(sorted((k, _passes(f)) for k, f in env.filters.items())),
        tuple(sorted((k, _passes(f)) for k, f in env.tests.items())),
    )


def _passes(function: Any) -> str:
    """Which of context, eval context or environment a filter or test is passed."""
    from jinja2.utils import _PassArg

    return repr(_PassArg.from_obj(function))


#: The process's compiled templates, shared by every environment of the site's renderer and
#: MkDocs' theme.
COMPILED = CompiledTemplates()
