"""The level above (CONTRACT §7): a province or national project built from its members' issued
bulletins.

A member city (or province) issues its period with `bulletin issue`; its issued/<period>/ folder
holds the internal model (model/internal.json) and the register lines that vouch for it
(register-rows.csv). The upper level saves each member's folder, or a .zip of it, into its own
data/<period>/, and builds: `package` reads and verifies the packages, `roster` reads the members
from units.csv, `reduce` turns the members' additive counts into the city pipeline's per-unit
sums, so that figures, judgments, bulletins, sites and reports are made one level up by the
same code that makes a city's.
"""
