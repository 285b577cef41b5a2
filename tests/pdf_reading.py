"""The built PDFs read through pdfium (pypdfium2, which pdfplumber itself depends on).

pdfplumber parses each page's content stream in Python (pdfminer), about 50 ms a page; pdfium
reads it in a few. This module gives pdfplumber the objects pdfminer would have given it, read
through pdfium, and leaves the rest to pdfplumber's own code:

- `Page.chars`: every character drawn, in the page's order, with pdfminer's box (from the origin
  across the advance width; from the font's descent below the baseline up by the font size);
- `Page.objects["line"]` / `["curve"]`: each drawn subpath, by the points that end its segments
  (a two-point one a line), as pdfminer gives them;
- `Page.extract_text()` and `Page.extract_tables()`: pdfplumber's `Page` methods of those names,
  with their default settings, on these objects.

On the demo's 143 PDFs (768 pages) this gives pdfplumber's characters (the same text, in the
same order, boxes within 0.002 pt), its page texts and its tables, cell for cell.
"""

from __future__ import annotations

import ctypes
import functools
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as raw
from pdfplumber.container import Container
from pdfplumber.table import TableFinder, TableSettings
from pdfplumber.utils import chars_to_textmap

#: The pages read so far, by PDF and the file's identity then (inode, size, time): a PDF that
#: several tests read (the demo's bulletins, ~5 s of CPU to read all) is read once per module;
#: a file written anew at the same path is read anew. Emptied by `forget` (tests/conftest.py,
#: after each module), so what a module read does not stay in memory for the rest of the run.
_READ: dict[tuple[Path, int, int, int], list[Page]] = {}


def pages(pdf: Path) -> list[Page]:
    """The pages of `pdf`; each is read when first asked for its characters or paths."""
    stat = Path(pdf).stat()
    key = (Path(pdf), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key not in _READ:
        doc = pdfium.PdfDocument(pdf)
        _READ[key] = [Page(doc, i) for i in range(len(doc))]
    return list(_READ[key])


def forget() -> None:
    """Drop the pages read so far (their characters and paths)."""
    _READ.clear()


@functools.cache
def page_texts(pdf: Path) -> tuple[str, ...]:
    """The text of each page (`Page.extract_text`), read once per PDF for the whole run."""
    return tuple(page.extract_text() for page in pages(pdf))


class Page(Container):
    """One page's characters and drawn paths, as the pdfplumber objects its methods read."""

    def __init__(self, doc: pdfium.PdfDocument, index: int) -> None:
        self.doc, self.index = doc, index

    @functools.cached_property
    def page(self) -> pdfium.PdfPage:
        return self.doc[self.index]

    @functools.cached_property
    def size(self) -> tuple[float, float]:
        """The page's width and height (its MediaBox, as pdfplumber takes them)."""
        left, bottom, right, top = self.page.get_mediabox()
        if self.page.get_rotation() or (left, bottom) != (0, 0):
            raise ValueError("only unrotated pages with the origin at the corner are read")
        return right, top

    @property
    def width(self) -> float:
        return self.size[0]

    @property
    def height(self) -> float:
        return self.size[1]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (0, 0, self.width, self.height)

    @functools.cached_property
    def chars(self) -> list[dict[str, Any]]:
        return self._chars()

    @functools.cached_property
    def paths(self) -> dict[str, list[dict[str, Any]]]:
        return self._paths()

    @property
    def objects(self) -> dict[str, list[dict[str, Any]]]:
        return {"char": self.chars, **self.paths}

    def extract_text(self) -> str:
        """What `pdfplumber.Page.extract_text()` gives."""
        textmap = chars_to_textmap(
            self.chars, layout_bbox=self.bbox, layout_width=self.width, layout_height=self.height
        )
        return textmap.as_string

    def extract_tables(self) -> list[list[list[str | None]]]:
        """What `pdfplumber.Page.extract_tables()` gives."""
        settings = TableSettings.resolve(None)
        tables = TableFinder(self, settings).tables
        return [table.extract(**(settings.text_settings or {})) for table in tables]

    def _chars(self) -> list[dict[str, Any]]:
        textpage = self.page.get_textpage()
        text, height = textpage.raw, self.height
        out = []
        x, y = ctypes.c_double(), ctypes.c_double()
        value, loose = ctypes.c_float(), raw.FS_RECTF()
        objects: dict[int | None, tuple[Any, int | None, float, float]] = {}
        widths: dict[tuple[int | None, float, int], float] = {}
        try:
            for i in range(raw.FPDFText_CountChars(text)):
                if raw.FPDFText_IsGenerated(text, i):
                    continue  # a space or line break pdfium adds, not drawn on the page
                code = raw.FPDFText_GetUnicode(text, i)
                obj = raw.FPDFText_GetTextObject(text, i)
                key = ctypes.c_void_p.from_buffer(obj).value  # the object's address
                if key not in objects:  # a text object: one font at one size
                    font = raw.FPDFTextObj_GetFont(obj)
                    size = raw.FPDFText_GetFontSize(text, i)
                    raw.FPDFFont_GetDescent(font, size, value)
                    objects[key] = font, ctypes.cast(font, ctypes.c_void_p).value, size, value.value
                font, font_key, size, descent = objects[key]
                if (font_key, size, code) not in widths:
                    raw.FPDFFont_GetGlyphWidth(font, code, size, value)
                    widths[font_key, size, code] = value.value
                raw.FPDFText_GetCharOrigin(text, i, x, y)
                # pdfminer's box: from the origin over the advance width, from the font's
                # descent below the baseline up by the font size. pdfium's loose box is as wide
                # unless the glyph's ink reaches further; the width it gives for a character
                # can be another glyph's of the same character (the em dash): the smaller one
                raw.FPDFText_GetLooseCharBox(text, i, loose)
                x0 = x.value
                x1 = min(loose.right, x0 + widths[font_key, size, code])
                bottom = height - (y.value + descent)
                out.append(
                    {
                        "object_type": "char",
                        "text": chr(code),
                        "x0": x0,
                        "x1": x1,
                        "top": bottom - size,
                        "bottom": bottom,
                        "doctop": bottom - size,
                        "width": x1 - x0,
                        "height": size,
                        "size": size,
                        "upright": True,
                    }
                )
        finally:
            textpage.close()
        return out

    def _paths(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {"line": [], "curve": []}
        point = ctypes.c_float(), ctypes.c_float()
        height = self.height
        for obj in self.page.get_objects(max_depth=0):
            if obj.type == raw.FPDF_PAGEOBJ_FORM:
                raise ValueError("form XObjects are not read")
            if obj.type != raw.FPDF_PAGEOBJ_PATH:
                continue
            a, b, c, d, e, f = obj.get_matrix().get()
            subpaths: list[tuple[list[tuple[float, float]], bool]] = []  # points, straight
            beziers = 0  # a cubic is three segments, two control points and its end
            for k in range(raw.FPDFPath_CountSegments(obj.raw)):
                segment = raw.FPDFPath_GetPathSegment(obj.raw, k)
                raw.FPDFPathSegment_GetPoint(segment, *point)
                kind = raw.FPDFPathSegment_GetType(segment)
                x, y = point[0].value, point[1].value
                xy = (a * x + c * y + e, height - (b * x + d * y + f))
                if kind == raw.FPDF_SEGMENT_MOVETO:
                    subpaths.append(([xy], True))
                    continue
                if not subpaths:
                    raise ValueError("a path that does not start with a move")
                points, straight = subpaths[-1]
                if kind == raw.FPDF_SEGMENT_BEZIERTO:
                    beziers += 1
                    subpaths[-1] = points, False
                    if beziers % 3:
                        continue  # a control point
                points.append(xy)
                if raw.FPDFPathSegment_GetClose(segment):
                    subpaths[-1] = points, False  # closed: a shape, not a line
                    if xy != points[0]:
                        points.append(points[0])
            for points, straight in subpaths:
                if len(points) > 1:
                    line = straight and len(points) == 2
                    out["line" if line else "curve"].append(_path(points, line))
        return out


def _path(points: list[tuple[float, float]], line: bool) -> dict[str, Any]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return {
        "object_type": "line" if line else "curve",
        "pts": points,
        "x0": min(xs),
        "x1": max(xs),
        "top": min(ys),
        "bottom": max(ys),
        "doctop": min(ys),
        "width": max(xs) - min(xs),
        "height": max(ys) - min(ys),
    }
