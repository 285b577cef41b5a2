"""The figures: each unit's counts, rates, ranks and judgments from the rosters."""
