"""Importing the station network from a county clerk's spreadsheet (站点名录导入).

One row per station: its county, township and village (code and name), then the station.
The import runs in three steps:

1. `map_header` and `validate_rows` check every row and collect *all* problems, each with
   line, column and what to write instead: a clerk fixes the file in one pass, not one
   error per attempt.
2. `plan_import` compares the valid rows with a snapshot of the stored network (upsert by
   code) and counts, per level, what is created, updated or unchanged.
3. `import_network` applies the plan in one write transaction, or writes nothing at all
   when any row is wrong. Importing the same file twice changes nothing the second time.

Blank optional cells (status, GPS, opening date) keep what a stored station already has, so
a file without those columns cannot wipe what the assessment jobs set (e.g. a warning).

Where each part lives (each module imports only the ones above it):

- `columns`: the columns, their header aliases, `map_header`, and `RowError`.
- `rows`: `RawRow`, the cell parsers, the row checker and `validate_rows` → `NetworkRow`.
- `plan`: the stored records, `NetworkSnapshot`, `ImportPlan` and `plan_import`.
- `usecase`: the `NetworkImportStores` port, `ImportReport` and `import_network`.

Pure core: standard library and `bot.domain` only; storage implements `NetworkImportStores`.
Import from this package, not from its modules.
"""

from __future__ import annotations

from bot.services.network_import.columns import (
    COLUMNS,
    HEADER_ALIASES,
    REQUIRED_COLUMNS,
    HeaderMap,
    RowError,
    map_header,
)
from bot.services.network_import.plan import (
    LEVELS,
    CountyRecord,
    ImportPlan,
    LevelCounts,
    LevelPlan,
    NetworkCodes,
    NetworkSnapshot,
    StationRecord,
    TownshipRecord,
    VillageRecord,
    plan_import,
)
from bot.services.network_import.rows import (
    NAME_MAX,
    STATUS_WORDS,
    TIER_WORDS,
    NetworkRow,
    RawRow,
    validate_rows,
)
from bot.services.network_import.usecase import (
    ImportReport,
    NetworkImportStore,
    NetworkImportStores,
    Progress,
    import_network,
)

__all__ = [
    "COLUMNS",
    "HEADER_ALIASES",
    "LEVELS",
    "NAME_MAX",
    "REQUIRED_COLUMNS",
    "STATUS_WORDS",
    "TIER_WORDS",
    "CountyRecord",
    "HeaderMap",
    "ImportPlan",
    "ImportReport",
    "LevelCounts",
    "LevelPlan",
    "NetworkCodes",
    "NetworkImportStore",
    "NetworkImportStores",
    "NetworkRow",
    "NetworkSnapshot",
    "Progress",
    "RawRow",
    "RowError",
    "StationRecord",
    "TownshipRecord",
    "VillageRecord",
    "import_network",
    "map_header",
    "plan_import",
    "validate_rows",
]
