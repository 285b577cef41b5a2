"""Stage 1: reading and checking rosters (CONTRACT §2)."""
