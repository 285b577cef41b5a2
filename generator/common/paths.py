"""Every path of a project, in one place: nothing else joins the project folder with a name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_FILE = "bulletin.yml"
DATA_DIR = "data"
CONTENT_DIR = "content"
ISSUED_DIR = "issued"
REGISTER = "register.csv"
SITE_DIR = "site"
PROBLEMS_DIR = "problems"
INBOX_DIR = "inbox"
CACHE_DIR = ".bulletin-cache"


@dataclass(frozen=True)
class ProjectPaths:
    """The folders and files of the project at `root`."""

    root: Path

    @property
    def config(self) -> Path:
        """bulletin.yml."""
        return self.root / CONFIG_FILE

    @property
    def data(self) -> Path:
        """data/: the rosters that hold for every period, and a folder per period."""
        return self.root / DATA_DIR

    def period(self, period: Any) -> Path:
        """data/<period>/: the period's ledgers, receipts and decisions."""
        return self.data / str(period)

    @property
    def content(self) -> Path:
        """content/: write-ups, bulletin frames and pages."""
        return self.root / CONTENT_DIR

    def frame(self, period: Any) -> Path:
        """content/bulletins/<period>.md: the period's bulletin frame."""
        return self.content / "bulletins" / f"{period}.md"

    @property
    def issued(self) -> Path:
        """issued/: the record of issued periods."""
        return self.root / ISSUED_DIR

    @property
    def register(self) -> Path:
        """issued/register.csv."""
        return self.issued / REGISTER

    @property
    def site(self) -> Path:
        """site/: the default output folder."""
        return self.root / SITE_DIR

    @property
    def problems(self) -> Path:
        """problems/: the problem lists for counties, a folder per period."""
        return self.root / PROBLEMS_DIR

    def problems_of(self, period: Any) -> Path:
        """problems/<period>/."""
        return self.problems / str(period)

    @property
    def inbox(self) -> Path:
        """inbox/: attachments fetched from the office mailbox."""
        return self.root / INBOX_DIR

    @property
    def cache(self) -> Path:
        """.bulletin-cache/: what a build may reuse (deletable at any time)."""
        return self.root / CACHE_DIR
