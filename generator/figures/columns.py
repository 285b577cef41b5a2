"""What one period is reduced to (stage 2a) and every period computed from (2b): the sums
per own unit code and the priority ledger's columns."""

from __future__ import annotations

#: left_reason of a priority enterprise missing from the snapshot (otherwise its status:
#: 注销 / 吊销 / 迁出; an enterprise is active when its status is 存续 or empty).
MISSING = "未报送"
LEDGER_COLUMNS = (
    "uscc",
    "name",
    "unit",
    "county",
    "employees",
    "reason",
    "state",
    "added",
    "left_reason",
    # the four clear things (CONTRACT 3.8)
    "progress",
    "responsible",
    "planned_on",  # ISO date text
    "open_periods",  # consecutive periods open, this one included (1 without a comparison)
    "overdue",  # 逾期未建: open and planned_on on or before the period's end
    "stalled",  # 久拖未建: open for STALLED_PERIODS periods or more
)
#: periods open from which a priority enterprise is 久拖未建 (CONTRACT 3.8)
STALLED_PERIODS = 6

#: Sums per own unit code that one snapshot is reduced to.
OWN_SUMS = (
    "enterprises",
    "unionized",
    "employees",
    "members",
    "unionized_employees",  # membership_rate's denominator
    "migrant_workers",  # of active unionized enterprises with both migrant columns given
    "migrant_members",
    "dispatch_workers",  # of active unionized enterprises with both dispatch columns given
    "dispatch_members",
    "female_workers",  # of active unionized enterprises with both female columns given
    "female_members",
    "congress",
    "bargaining",
    # unionized ones whose 职代会 / 工资集体协商 cell was filled in: a county form without the
    # column says nothing, and its rates are null ("—"), not 0 %
    "congress_given",
    "bargaining_given",
    "new_unions",
    "ytd_new_unions",
    "qualifying",  # active enterprises with employees >= priority_min_employees (3.5)
    "priority_open",
    "priority_closed",
    "priority_added",
    "priority_left",
    "priority_overdue",
    "priority_stalled",
    "federation_enterprises",  # active unionized ones formed as a regional/industry federation
    "federation_employees",
)
