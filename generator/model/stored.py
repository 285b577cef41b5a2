"""A bulletin as the build cache keeps it: JSON text, each model record named by its type.

Assembling the city's bulletins again when one write-up changed is seconds of work for nothing:
the build keeps each bulletin, without its write-ups, under the digest of what its assembly read
(generator.build). What is kept must come back exactly: every field of every record, NaN and
-0.0 among the numbers (JSON as Python writes it keeps them; orjson would write null). A kept
file is data only: its records are rebuilt from a fixed list of the model's types, field by
field, and a file naming another type or other fields is not a bulletin (never pickle).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from generator.common.cache import encode, keep_newest, tool_digest, value_digest, write_atomic
from generator.common.periods import Period
from generator.common.sealed import read_sealed, seal
from generator.model import bulletin as model
from generator.model.bulletin import SHOWS, Audience, Bulletin, HistoryPoint, Page, WriteUp
from generator.model.content import Content

#: What a frame's digest may fail with (pyarrow's errors are of these kinds), beside Unkeyed.
_UNKEYED = (TypeError, ValueError, NotImplementedError)

if TYPE_CHECKING:
    from generator.figures.reduce import Figures
    from generator.rosters.load import ProjectData

_FORMAT = 2  # bump when the model's records change shape (2: kept without their history)

#: The records a kept bulletin may hold, by their names.
RECORDS: dict[str, type[Any]] = {
    name: getattr(model, name)
    for name in (
        "Bulletin",
        "CampaignRecord",
        "Correction",
        "CountyReporting",
        "DataQuality",
        "DocumentHeader",
        "FederationRecord",
        "GroupRow",
        "HistoryPoint",
        "InspectionRecord",
        "Judgment",
        "Page",
        "PriorityEntry",
        "ReceivedFile",
        "Reporting",
        "UnitFigures",
        "VolunteerRecord",
        "WriteUp",
    )
}


class NotABulletin(ValueError):
    """Kept bytes that are not a bulletin this version wrote (damaged, old or planted)."""


Codec = tuple[Callable[[Any], Any], Callable[[Any], Any] | None]  # (encode, decode; None: as is)


def _plain(value: Any) -> Any:
    """A value JSON keeps exactly (None, bool, int, float, str, and lists and str-keyed dicts of
    them), as it is; TypeError for anything else (a tuple, a set, a numpy number, a str
    subclass): JSON would give it back as another type."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is float or kind is bool:
        return value
    if kind is list:
        for item in value:
            _plain(item)
        return value
    if kind is dict:
        for k, item in value.items():
            if type(k) is not str:
                raise TypeError(f"a key {k!r} of type {type(k).__name__}")
            _plain(item)
        return value
    raise TypeError(f"a value of type {kind.__name__}")


def _codec(kind: Any) -> Codec:
    """How a field declared `kind` is written and read back: a record as the list of its
    fields' values, lists and dicts item by item, plain values as they are (checked)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if isinstance(kind, type) and kind.__name__ in RECORDS and RECORDS[kind.__name__] is kind:
        return _record_codec(kind)
    if origin is list and args:
        encode, decode = _codec(args[0])
        if decode is None:
            return (lambda v: [encode(x) for x in _exactly(v, list)]), None
        return (lambda v: [encode(x) for x in _exactly(v, list)]), (
            lambda v: [decode(x) for x in v]
        )
    if origin is dict and len(args) == 2:
        encode, decode = _codec(args[1])
        if decode is None:
            return (lambda v: {_key(k): encode(x) for k, x in _exactly(v, dict).items()}), None
        return (lambda v: {_key(k): encode(x) for k, x in _exactly(v, dict).items()}), (
            lambda v: {k: decode(x) for k, x in v.items()}
        )
    if origin in (types.UnionType, typing.Union) and type(None) in args and len(args) == 2:
        encode, decode = _codec(next(a for a in args if a is not type(None)))
        if decode is None:
            return (lambda v: None if v is None else encode(v)), None
        return (lambda v: None if v is None else encode(v)), (
            lambda v: None if v is None else decode(v)
        )
    return _plain, None


def _exactly(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise TypeError(f"a {type(value).__name__} where a {kind.__name__} is declared")
    return value


def _key(key: Any) -> str:
    if type(key) is not str:
        raise TypeError(f"a key {key!r} of type {type(key).__name__}")
    return key


_CODECS: dict[type, Codec] = {}


def _record_codec(cls: type) -> Codec:
    if cls in _CODECS:
        return _CODECS[cls]
    names = [f.name for f in dataclasses.fields(cls)]
    fields: list[Codec] = []
    _CODECS[cls] = (  # resolved on first use: a record may hold its own kind
        lambda v: _CODECS[cls][0](v),
        lambda v: _CODECS[cls][1](v),  # type: ignore[misc]
    )
    hints = typing.get_type_hints(cls)
    fields = [_codec(hints[name]) for name in names]
    encoders = [encode for encode, _ in fields]
    decoders = [(i, decode) for i, (_, decode) in enumerate(fields) if decode is not None]

    def encode(value: Any) -> list[Any]:
        if type(value) is not cls or list(value.__dict__) != names:
            raise TypeError(f"not a {cls.__name__} as the model makes it")
        return [f(x) for f, x in zip(encoders, value.__dict__.values(), strict=True)]

    def decode(row: Any) -> Any:
        if type(row) is not list or len(row) != len(names):
            raise NotABulletin(f"not a {cls.__name__}")
        for i, f in decoders:
            row[i] = f(row[i])
        record: Any = object.__new__(cls)  # its fields as they were written, in their order
        record.__dict__.update(zip(names, row, strict=True))
        return record

    _CODECS[cls] = (encode, decode)
    return _CODECS[cls]


def dump_bulletin(bulletin: Bulletin) -> bytes:
    """The bulletin as kept bytes: each record the list of its fields' values. TypeError when
    it holds what JSON would not give back exactly (a tuple, a set, a numpy number, a record
    of another kind): such a bulletin is not kept."""
    encode, _ = _record_codec(Bulletin)
    rows = [_FORMAT, encode(bulletin)]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def load_bulletin(data: bytes) -> Bulletin:
    """The bulletin dump_bulletin wrote; NotABulletin for anything else."""
    # Tens of thousands of records are made: without the collector running over the build's
    # whole heap each few hundred of them (a third of the time here).
    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            rows = orjson.loads(data)
        except orjson.JSONDecodeError:  # NaN or Infinity, which orjson does not read
            rows = json.loads(data.decode("utf-8"))
        if type(rows) is not list or len(rows) != 2 or rows[0] != _FORMAT:
            raise NotABulletin("not a kept bulletin")
        _, decode = _record_codec(Bulletin)
        assert decode is not None
        bulletin = decode(rows[1])
    except NotABulletin:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise NotABulletin(str(exc)) from exc
    finally:
        if collecting:
            gc.enable()
    return bulletin


#: How the last build's bulletins were had (for the benchmark and tests).
STATS: dict[str, int] = {}


class KeptBulletins:
    """The bulletins of the last builds, each under the digest of what its assembly reads.

    That is everything `assemble` is given, write-ups left out: the audience and what it is
    shown (model.SHOWS), the tool, the config, the unit tree, the campaign, volunteer and
    inspection rosters, the extra pages, and of the period its frame, its problems, 报送情况 and
    reviews, its rows of the figures, its judgments, priority ledger, federations, key areas and
    townships lacking a volunteer. Its history (the earlier periods' headline figures) is kept
    out, like its write-ups: a bulletin found is given both as assembly gives them, so that an
    earlier ledger changed assembles again only the periods whose own figures it changed. One
    not found is assembled and kept. `folder` None: every bulletin is assembled (--force).
    """

    def __init__(
        self,
        folder: Path | None,
        data: ProjectData,
        figures: Figures,
        content: Content,
        periods: list[Period],
        inputs: dict[str, dict[str, Any]],
        writeups: Callable[[Period, Audience], list[WriteUp]],
        pages: list[Page],
        history: Callable[[Period], dict[str, list[HistoryPoint]]],
    ) -> None:
        self.folder, self.data, self.figures, self.content = folder, data, figures, content
        self.periods, self.inputs, self.writeups = periods, inputs, writeups
        self.history = history
        self.histories: dict[str, dict[str, list[HistoryPoint]]] = {}  # period -> its history
        self.used: list[Path] = []
        self.rows: dict[str, str] = {}  # period -> digest of its rows of the figures
        self.parts: dict[str, str] = {}  # period -> digest of what its assembly reads of it
        STATS.update(kept=0, assembled=0, unkeyed=0)
        self.shared = ""
        if folder is None:
            return
        try:
            self.shared = value_digest(
                [
                    tool_digest(),
                    # Where the project lies is not read by assembly: a project moved or copied
                    # to another folder keeps its bulletins.
                    dataclasses.replace(data.config, root=Path()),
                    data.unit_index,
                    pages,
                    frame_digest(data.campaigns),
                    frame_digest(data.volunteers),
                    frame_digest(data.inspections),
                ]
            )
        except _UNKEYED:  # Unkeyed among them
            self.folder = None

    def bulletin(
        self, period: Period, audience: Audience, make: Callable[[], Bulletin]
    ) -> Bulletin:
        """The period's bulletin for the audience: the kept one, else `make()` (then kept)."""
        name = self._key(period, audience)
        path = self.folder / f"{name}.json" if self.folder is not None and name else None
        if path is not None:
            kept = read_sealed(path)
            try:
                bulletin = load_bulletin(kept) if kept is not None else None
            except NotABulletin:
                bulletin = None
            if bulletin is not None:
                STATS["kept"] += 1
                bulletin.writeups = self.writeups(period, audience)
                bulletin.history = self._history(period)
                os.utime(path)  # recently used: kept by keep_newest
                self.used.append(path)
                return bulletin
        STATS["assembled"] += 1
        bulletin = make()
        if path is not None:
            try:
                data = dump_bulletin(dataclasses.replace(bulletin, writeups=[], history={}))
                write_atomic(path, seal(data))
                self.used.append(path)
            except (TypeError, ValueError, OSError):
                pass  # not kept: the next build assembles it again
        return bulletin

    def _history(self, period: Period) -> dict[str, list[HistoryPoint]]:
        """The period's history as assembly gives it (made once for both audiences; each
        bulletin its own lists)."""
        if str(period) not in self.histories:
            self.histories[str(period)] = self.history(period)
        return {code: list(points) for code, points in self.histories[str(period)].items()}

    def _key(self, period: Period, audience: Audience) -> str:
        try:
            if str(period) not in self.parts:  # once for both audiences
                self.parts[str(period)] = self._period(period)
            return value_digest([self.shared, self.parts[str(period)], audience, SHOWS[audience]])
        except _UNKEYED:  # Unkeyed among them
            STATS["unkeyed"] += 1
            return ""

    def _period(self, period: Period) -> str:
        """The digest of what the period's assembly reads besides the shared inputs."""
        key = str(period)
        figures = self.figures
        if key not in self.rows:
            at = figures.indicators.index.get_level_values("period") == key
            self.rows[key] = frame_digest(figures.indicators[at])
        judged = figures.judgments
        given = self.inputs.get(key, {})
        return value_digest(
            [
                key,
                [str(p) for p in self.periods],
                self.rows[key],
                frame_digest(judged[judged["period"] == key] if len(judged) else judged),
                frame_digest(figures.ledgers.get(key)),
                frame_digest(getattr(figures, "federations", {}).get(key)),
                frame_digest(getattr(figures, "key_areas", {}).get(key)),
                list(figures.lacking_volunteer.get(key, [])),
                self.content.frames.get(key),
                frame_digest(given.get("reviews")),
                given.get("problems", []),
                given.get("reporting"),
            ]
        )

    def close(self) -> None:
        """Keep the bulletins this build used, and as many older ones (the last build's)."""
        if self.folder is not None and self.used:
            keep_newest(self.folder.glob("*.json"), keep=2 * len(self.used))


def frame_digest(value: Any) -> str:
    """The digest of a frame (or a dict or list of frames, or None) by its Arrow form: its
    columns' types and every value as stored (NaN and null apart)."""
    return hashlib.blake2b(encode(value), digest_size=20).hexdigest()
