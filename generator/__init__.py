"""bulletin: rosters and write-ups in, a trade-union federation's bulletins (通报) out."""

from __future__ import annotations

__version__ = "0.1.0"
