"""Breaking Chinese text into lines between words (jieba), balanced, and measuring it in em.

Titles (GB/T 9704 7.3.3: 词意完整, 排列对称) and table headers are broken here, not by Typst,
which breaks Chinese between any two characters.
"""

from __future__ import annotations

import logging
import unicodedata
from functools import lru_cache

#: Words a title line may well start with (a new phrase: 关于…情况 / 及…的通报); a break
#: before one is worth this much imbalance, in em.
_PHRASE_STARTS = ("及", "和", "与", "暨", "以及", "并")
PHRASE_BONUS = 2.5

#: Marks that may not start a line, and marks that may not end one.
_NO_START = set("、，。！？；：）》」』”’〕】%")
_NO_END = set("（《「『“‘〔【")


def char_width(ch: str) -> float:
    """Advance of a character in em: CJK and full-width 1, Latin digits and letters about 0.6."""
    if unicodedata.east_asian_width(ch) in ("F", "W"):
        return 1.0
    if ch == "%":
        return 0.85
    if ch in ".,:;'| ":
        return 0.3
    return 0.6


def text_width(text: str) -> float:
    return sum(char_width(ch) for ch in text)


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """The words of `text` (jieba, precise mode), punctuation attached where it must stay."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokens: list[str] = []
    for token in jieba.lcut(text, HMM=False):
        if tokens and (token[0] in _NO_START or tokens[-1][-1] in _NO_END):
            tokens[-1] += token  # no line starts with a closing mark or ends with an opening one
        else:
            tokens.append(token)
    return tuple(tokens)


def balanced_lines(text: str, max_width: float, lines: int | None = None) -> list[str]:
    """`text` in as few lines of at most `max_width` em as it takes (or exactly `lines`), broken
    between words, the lines as even as they can be; the longer lines first (a trapezoid).

    A single word wider than `max_width` stands on a line of its own.
    """
    tokens = words(text)
    if not tokens:
        return [text] if text else []
    widths = [text_width(t) for t in tokens]
    n = len(tokens)
    total = sum(widths)
    wanted = lines or 1
    starts = [t.startswith(_PHRASE_STARTS) for t in tokens]
    while True:
        best = _partition(widths, wanted, max_width if lines is None else float("inf"), starts)
        if best is not None or wanted >= n:
            break
        wanted += 1
    if best is None:
        best = list(range(1, n))  # a word a line
    cuts = [0, *best, n]
    result = ["".join(tokens[cuts[i] : cuts[i + 1]]) for i in range(len(cuts) - 1)]
    return result if total > 0 else [text]


def _partition(
    widths: list[float], k: int, limit: float, starts: list[bool] | None = None
) -> list[int] | None:
    """Cut points splitting the words into k lines within `limit`, minimising the widest line
    (less a bonus for each line that starts a phrase), then the spread; ties go to the longer
    line first."""
    starts = starts or [False] * len(widths)
    n = len(widths)
    if k > n:
        return None
    prefix = [0.0]
    for w in widths:
        prefix.append(prefix[-1] + w)
    mean = prefix[-1] / k
    best: tuple[float, float, tuple[float, ...]] | None = None
    best_cuts: list[int] | None = None

    def walk(start: int, left: int, cuts: list[int]) -> None:
        nonlocal best, best_cuts
        if left == 1:
            parts = [*cuts, n]
            edges = [0, *parts]
            line_widths = [prefix[edges[i + 1]] - prefix[edges[i]] for i in range(k)]
            if max(line_widths) > limit + 1e-9:
                return
            bonus = PHRASE_BONUS * sum(starts[c] for c in cuts)
            score = (
                round(max(line_widths) - bonus, 6),
                round(sum((w - mean) ** 2 for w in line_widths), 6),
                tuple(-w for w in line_widths),
            )
            if best is None or score < best:
                best, best_cuts = score, list(cuts)
            return
        for cut in range(start + 1, n - left + 2):
            if prefix[cut] - prefix[start] > limit + 1e-9:
                break
            walk(cut, left - 1, [*cuts, cut])

    walk(0, k, [])
    return best_cuts


# ---- pieces of a paragraph that the PDF templates break into lines ------------------------

#: Marks that may not start a line of the PDF, and marks that may not end one (as common.typ).
GRID_NO_START = frozenset("、，。！？；：）》」』”’〕】%．…")
GRID_NO_END = frozenset("（《「『“‘〔【")
#: Marks a Chinese font sets full width though Unicode calls their width ambiguous.
_WIDE_MARKS = frozenset("“”‘’—…")
#: A run of Latin letters and digits longer than this (a URL, an English sentence) is left to
#: Typst's own line breaking, with the paragraph it is in.
MAX_LATIN_RUN = 40


def is_wide(ch: str) -> bool:
    """A character that takes one place of the Chinese grid (an ideograph, a full-width mark)."""
    return unicodedata.east_asian_width(ch) in ("F", "W") or ch in _WIDE_MARKS


def grid_atoms(runs: list[str]) -> dict[str, list[int]] | None:
    """The unbreakable pieces of a paragraph made of `runs` (a run-in heading, the text), as
    the PDF templates break it into lines (site_templates/pdf/common.typ, grid-par): a Chinese
    character with the marks that keep to it, or a run of Latin letters and digits with its
    marks. None when a Latin run is too long to keep on one line.

    Piece k is `runs[r[k]]` from UTF-8 byte s[k] to e[k] (Typst slices strings by bytes); the
    sums before piece k (k = 0 … n) let the template find a line's width and its gaps without
    walking its pieces: c, the places on the grid of the Chinese pieces; m, the number of Latin
    pieces (listed in `lat`, measured when set); h, the ideographs (the gaps justification may
    widen).
    """
    owner: list[int] = []
    char_starts: list[int] = []  # the same pieces by character
    char_ends: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    latin: list[bool] = []
    places: list[int] = []
    gaps: list[int] = []
    glue = False
    latin_run = 0
    for r, run in enumerate(runs):
        offset = 0
        # a Latin run after a full-width mark (66.7%、80.0%) is a piece of its own: a line may
        # end after the mark, as after any Chinese character
        prev_wide = True
        for index, ch in enumerate(run):
            size = len(ch.encode())
            wide = is_wide(ch)
            latin_run = 0 if wide else latin_run + 1
            if latin_run > MAX_LATIN_RUN:
                return None
            joined = bool(owner) and owner[-1] == r
            after_latin = not wide and latin[-1] and not prev_wide if joined else False
            prev_wide = wide
            if joined and (glue or ch in GRID_NO_START or after_latin):
                ends[-1] += size
                char_ends[-1] = index + 1
                latin[-1] = latin[-1] or not wide
                places[-1] += 1
            else:
                owner.append(r)
                starts.append(offset)
                ends.append(offset + size)
                char_starts.append(index)
                char_ends.append(index + 1)
                latin.append(not wide)
                places.append(1)
                gaps.append(0)
            if wide and ch not in GRID_NO_START and ch not in GRID_NO_END and ch not in "—…":
                gaps[-1] += 1
            glue = ch in GRID_NO_END
            offset += size
    if not owner:
        return None
    # Latin pieces, and pieces with marks whose width is the font's (“”‘’—… are full width in
    # the bulletin, where they are boxed, and narrower in a report), are measured when set.
    measured = [
        is_latin or any(ch in _WIDE_MARKS for ch in runs[r][start:end])
        for is_latin, r, start, end in zip(latin, owner, char_starts, char_ends, strict=True)
    ]
    c, m, h = [0], [0], [0]
    for is_measured, n, g in zip(measured, places, gaps, strict=True):
        c.append(c[-1] + (0 if is_measured else n))
        m.append(m[-1] + is_measured)
        h.append(h[-1] + g)
    lat = [k for k, is_measured in enumerate(measured) if is_measured]
    return {"r": owner, "s": starts, "e": ends, "c": c, "m": m, "h": h, "lat": lat}
