"""The network import without a database: header, row checks, plan, and the file readers."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.tabular import read_csv, read_table, read_xlsx
from bot.domain.errors import InvalidInput
from bot.domain.network import StationStatus, Tier
from bot.services.network_import import (
    COLUMNS,
    CountyRecord,
    NetworkSnapshot,
    RawRow,
    StationRecord,
    TownshipRecord,
    VillageRecord,
    import_network,
    map_header,
    plan_import,
    validate_rows,
)

SAMPLES = Path(__file__).parents[2] / "bot" / "samples"

GOOD = {
    "county_code": "DEMO",
    "county_name": "示范县",
    "township_code": "DEMO-T01",
    "township_name": "青山镇",
    "village_code": "DEMO-V0101",
    "village_name": "青山村",
    "station_code": "DEMO-S001",
    "station_name": "青山村电商服务站",
    "tier": "ordinary",
}


def raw(line: int = 2, **values: object) -> RawRow:
    merged = {**GOOD, **values}
    return RawRow(line, merged, {c: chr(ord("A") + i) for i, c in enumerate(COLUMNS)})


def errors_of(*rows: RawRow) -> list[tuple[int, str | None, str]]:
    """(line, column, message in English) for each error."""
    _, errors = validate_rows(rows)
    return [(e.line, e.column, e.text.msgid.format(**e.text.params)) for e in errors]


def only_row(**values: object):
    valid, errors = validate_rows([raw(**values)])
    assert errors == [], errors
    return valid[0]


# --- header ----------------------------------------------------------------------------


def test_header_in_english_chinese_and_template_variants():
    labels = ["\ufeffCounty Code", "县名称", "乡镇编码(必填)", "乡镇名称", "村编码", "村名称"]
    labels += ["站点编码*", "站点名称", "站点类型（普通/示范）", "备注", "纬度", "经度"]
    header = map_header(labels, [str(i) for i in range(len(labels))])
    assert header.errors == []
    assert header.columns[0] == "county_code"
    assert header.columns[8] == "tier"
    assert 9 not in header.columns  # 备注 is the clerk's own column
    assert header.columns[10] == "latitude"


def test_header_missing_and_doubled_columns_are_line_1_errors():
    labels = ["county_code", "县编码", "county_name", "station_code"]
    header = map_header(labels, ["A", "B", "C", "D"])
    messages = [(e.line, e.column, e.cell) for e in header.errors]
    assert (1, "county_code", "B") in messages  # doubled: 县编码 means county_code too
    missing = {e.column for e in header.errors if e.cell is None}
    assert missing == {"township_code", "township_name", "village_code", "village_name"} | {
        "station_name",
        "tier",
    }


def test_a_title_row_instead_of_a_header_is_one_clear_error():
    header = map_header(["示范县站点名录", None, None], ["A", "B", "C"])
    assert len(header.errors) == 1
    assert "header row" in header.errors[0].text.msgid


# --- single rows -----------------------------------------------------------------------


def test_good_row_with_chinese_words_full_width_code_and_gps():
    row = only_row(
        county_code=" ｄｅｍｏ ",
        tier="示范",
        status="黄牌",
        latitude="27.812345",
        longitude=" 115.401234 ",
        opened_on="2023/5/8",
    )
    assert row.county_code == "DEMO"
    assert row.tier is Tier.DEMONSTRATION
    assert row.status is StationStatus.WARNED
    assert row.gps == (27_812_345, 115_401_234)
    assert row.opened_on == date(2023, 5, 8)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-15", date(2024, 3, 15)),
        ("2024.3.5", date(2024, 3, 5)),
        ("2024年3月5日", date(2024, 3, 5)),
        (datetime(2024, 3, 5, 0, 0), date(2024, 3, 5)),  # an xlsx date cell
        (date(2024, 3, 5), date(2024, 3, 5)),
    ],
)
def test_dates_as_clerks_write_them(value, expected):
    assert only_row(opened_on=value).opened_on == expected


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (27.812345, 115.401234, (27_812_345, 115_401_234)),  # xlsx number cells
        ("-33.5", "-70.000001", (-33_500_000, -70_000_001)),
        ("27.81234549", "115.4012345", (27_812_345, 115_401_234)),  # beyond 6 decimals
        ("90", "180", (90_000_000, 180_000_000)),
        ("27.5°", "115°", (27_500_000, 115_000_000)),
    ],
)
def test_coordinates_become_exact_micro_degrees(lat, lon, expected):
    assert only_row(latitude=lat, longitude=lon).gps == expected


def test_blank_optional_cells_mean_keep():
    row = only_row(status="", latitude=None, longitude="  ", opened_on=None)
    assert (row.status, row.gps, row.opened_on) == (None, None, None)


@pytest.mark.parametrize(
    ("values", "column", "fragment"),
    [
        ({"station_code": ""}, "station_code", "station_code is empty"),
        ({"village_name": None}, "village_name", "e.g. 青山村"),
        ({"township_code": "青山镇"}, "township_code", "not a valid code"),
        ({"station_code": "DEMO S001"}, "station_code", "not a valid code"),
        ({"tier": "高级"}, "tier", "Write ordinary (普通) or demonstration (示范)"),
        ({"status": "closed"}, "status", "removed (淘汰)"),
        ({"latitude": "27,5", "longitude": "115"}, "latitude", "not a number"),
        ({"latitude": "NaN", "longitude": "115"}, "latitude", "not a number"),
        ({"latitude": "115.3", "longitude": "27.7"}, "latitude", "not swapped"),
        ({"latitude": "27.7", "longitude": "-180.5"}, "longitude", "between -180 and 180"),
        ({"latitude": "27.7"}, "longitude", "Write both, or neither"),
        ({"opened_on": "2024-02-30"}, "opened_on", "YYYY-MM-DD"),
        ({"opened_on": "15/03/2024"}, "opened_on", "YYYY-MM-DD"),
        ({"station_name": "站" * 101}, "station_name", "at most 100"),
    ],
)
def test_each_bad_cell_says_where_and_what_to_write(values, column, fragment):
    errors = errors_of(raw(7, **values))
    assert len(errors) == 1, errors
    line, where, message = errors[0]
    assert (line, where) == (7, column)
    assert fragment in message


def test_every_error_of_every_row_is_collected():
    rows = [
        raw(2, tier="x", status="y"),
        raw(3, station_code="DEMO-S002", latitude="abc", longitude="1"),
        raw(5, station_code="DEMO-S003", county_name=""),
    ]
    got = [(line, column) for line, column, _ in errors_of(*rows)]
    assert got == [(2, "tier"), (2, "status"), (3, "latitude"), (5, "county_name")]


def test_error_carries_the_cell_label():
    _, errors = validate_rows([raw(4, tier="x")])
    assert errors[0].cell == "I"


# --- across rows ---------------------------------------------------------------------


def test_duplicate_station_reports_the_later_line_and_names_the_first():
    errors = errors_of(raw(2), raw(3, village_code="DEMO-V0102", village_name="竹林村"))
    assert errors == [
        (
            3,
            "station_code",
            "Station DEMO-S001 is already on line 2. List each station once: delete this row "
            "or give the station a code of its own.",
        )
    ]


def test_a_village_under_two_townships_or_two_names():
    errors = errors_of(
        raw(2),
        raw(3, station_code="S2", township_code="DEMO-T02", township_name="白水乡"),
        raw(4, station_code="S3", village_name="青山新村"),
    )
    assert [(line, column) for line, column, _ in errors] == [
        (3, "township_code"),
        (4, "village_name"),
    ]
    assert "in township DEMO-T01 on line 2 but in township DEMO-T02 here" in errors[0][2]
    assert "named “青山村” on line 2 but “青山新村” here" in errors[1][2]


def test_a_township_under_two_counties_and_a_county_with_two_names():
    errors = errors_of(
        raw(2),
        raw(3, station_code="S2", village_code="V2", county_code="OTHER", county_name="他县"),
        raw(4, station_code="S3", village_code="V3", county_name="示範县"),
    )
    assert [(line, column) for line, column, _ in errors] == [
        (3, "county_code"),
        (4, "county_name"),
    ]


def test_valid_rows_pass_through_and_bad_ones_do_not():
    valid, errors = validate_rows([raw(2), raw(3, station_code="S2", tier="?")])
    assert [row.line for row in valid] == [2]
    assert len(errors) == 1


# --- the plan --------------------------------------------------------------------------


def stored_station(**changes) -> StationRecord:
    values = dict(
        code="DEMO-S001",
        name="青山村电商服务站",
        village_code="DEMO-V0101",
        tier=Tier.ORDINARY,
        status=StationStatus.WARNED,
        lat_e6=1,
        lon_e6=2,
        opened_on=date(2020, 1, 1),
    )
    return StationRecord(**(values | changes))


def snapshot_of_demo(county_of_station: str = "DEMO") -> NetworkSnapshot:
    snap = NetworkSnapshot()
    snap.counties["DEMO"] = CountyRecord("DEMO", "示范县", "Asia/Urumqi")
    snap.townships["DEMO-T01"] = TownshipRecord("DEMO-T01", "青山镇", "DEMO")
    snap.villages["DEMO-V0101"] = VillageRecord("DEMO-V0101", "青山村", "DEMO-T01")
    snap.village_county["DEMO-V0101"] = "DEMO"
    snap.stations["DEMO-S001"] = stored_station()
    snap.station_county["DEMO-S001"] = county_of_station
    return snap


def plan(rows, snap):
    valid, errors = validate_rows(rows)
    assert errors == []
    return plan_import(valid, snap, default_timezone="Asia/Shanghai")


def test_unchanged_rows_keep_stored_optional_values():
    result, errors = plan([raw(2)], snapshot_of_demo())
    assert errors == []
    assert {k: (c.created, c.updated, c.unchanged) for k, c in result.counts().items()} == {
        "counties": (0, 0, 1),
        "townships": (0, 0, 1),
        "villages": (0, 0, 1),
        "stations": (0, 0, 1),
    }


def test_new_counties_get_the_default_time_zone_stored_ones_keep_theirs():
    rows = [raw(2), raw(3, county_code="NEW", township_code="N-T", village_code="N-V")]
    rows[1].values["station_code"] = "N-S"
    result, _ = plan(rows, snapshot_of_demo())
    assert result.counties.create == [CountyRecord("NEW", "示范县", "Asia/Shanghai")]
    assert result.counties.unchanged == 1


def test_moving_a_station_to_another_village_of_the_county_is_an_update():
    row = raw(2, village_code="DEMO-V0102", village_name="竹林村", status="active")
    result, errors = plan([row], snapshot_of_demo())
    assert errors == []
    assert len(result.villages.create) == 1
    [moved] = result.stations.update
    assert moved.village_code == "DEMO-V0102"
    assert moved.status is StationStatus.ACTIVE
    assert (moved.lat_e6, moved.opened_on) == (1, date(2020, 1, 1))  # kept


def test_moving_a_station_to_another_county_is_refused_once():
    snap = snapshot_of_demo()
    snap.station_county["DEMO-S001"] = "ELSEWHERE"
    result, errors = plan([raw(5)], snap)
    assert [(e.line, e.column) for e in errors] == [(5, "station_code")]
    assert "already exists in county ELSEWHERE" in errors[0].text.msgid.format(
        **errors[0].text.params
    )
    assert result.stations.update == [] and result.stations.create == []


def test_a_township_moving_county_hides_the_consequences_below_it():
    snap = snapshot_of_demo()
    snap.townships["DEMO-T01"] = TownshipRecord("DEMO-T01", "青山镇", "OTHER")
    snap.village_county["DEMO-V0101"] = "OTHER"
    snap.station_county["DEMO-S001"] = "OTHER"
    _, errors = plan([raw(2), raw(3, station_code="DEMO-S009")], snap)
    assert [(e.line, e.column) for e in errors] == [(2, "township_code")]


# --- the use case with a fake store ------------------------------------------------------


class FakeStore:
    def __init__(self) -> None:
        self.snap = NetworkSnapshot()
        self.applied = []
        self.commits = 0
        self.writes_opened = []

    def __call__(self, *, write: bool):
        self.writes_opened.append(write)
        store = self

        @asynccontextmanager
        async def session():
            yield store

        return session()

    async def snapshot(self, codes):
        return self.snap

    async def apply(self, plan, now, progress):
        assert now.tzinfo is UTC
        self.applied.append(plan)
        progress(plan.writes)

    async def commit(self):
        self.commits += 1


class Clock:
    def now(self):
        return datetime(2026, 1, 1, tzinfo=UTC)


async def test_import_reports_counts_commits_and_moves_the_progress_bar():
    store, seen = FakeStore(), []
    report = await import_network(
        store,
        Clock(),
        [raw(2)],
        default_timezone="Asia/Shanghai",
        progress=lambda *a: seen.append(a),
    )
    assert report.ok and report.written
    assert report.counts["stations"].created == 1
    assert store.commits == 1
    assert seen[-1] == (5, 5)  # 1 row validated + 4 records written


async def test_any_bad_row_writes_nothing_and_takes_no_write_lock():
    store = FakeStore()
    rows = [raw(2), raw(3, station_code="S2", tier="?")]
    report = await import_network(store, Clock(), rows, default_timezone="Asia/Shanghai")
    assert not report.ok and not report.written
    assert [e.line for e in report.errors] == [3]
    assert store.applied == [] and store.commits == 0
    assert store.writes_opened == [False]


async def test_dry_run_plans_but_writes_nothing():
    store = FakeStore()
    report = await import_network(
        store, Clock(), [raw(2)], default_timezone="Asia/Shanghai", dry_run=True
    )
    assert report.ok and report.dry_run and not report.written
    assert report.counts["counties"].created == 1
    assert store.applied == [] and store.writes_opened == [False]


async def test_an_empty_file_is_an_error():
    report = await import_network(FakeStore(), Clock(), [], default_timezone="Asia/Shanghai")
    assert [e.line for e in report.errors] == [2]


# --- the file readers ------------------------------------------------------------------


HEADER = "county_code,county_name,township_code,township_name,village_code,village_name,"
HEADER += "station_code,station_name,tier"
ROW = "DEMO,示范县,DEMO-T01,青山镇,DEMO-V0101,青山村,DEMO-S00{n},站{n},普通"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_in_the_encodings_excel_writes(tmp_path, encoding):
    path = tmp_path / "net.csv"
    path.write_bytes("\n".join([HEADER, ROW.format(n=1)]).encode(encoding))
    table = read_csv(path)
    assert table.errors == []
    assert table.rows[0].values["county_name"] == "示范县"


def test_csv_lines_count_records_and_skip_empty_rows(tmp_path):
    path = tmp_path / "net.csv"
    lines = [HEADER + ",备注", ROW.format(n=1), ",,,,,,,,", "", ",,,,,,,,,only a note"]
    lines += [ROW.format(n=2)]
    path.write_text("\r\n".join(lines), encoding="utf-8")
    table = read_csv(path)
    assert [row.line for row in table.rows] == [2, 6]
    assert table.rows[0].cells["tier"] == "tier"


def test_tab_separated_text_is_read_too(tmp_path):
    path = tmp_path / "net.csv"
    path.write_text("\n".join([HEADER, ROW.format(n=1)]).replace(",", "\t"), encoding="utf-8")
    assert read_csv(path).rows[0].values["tier"] == "普通"


def test_csv_header_problems_come_back_as_errors(tmp_path):
    path = tmp_path / "net.csv"
    path.write_text("county_code,county_name\nDEMO,示范县\n", encoding="utf-8")
    table = read_csv(path)
    assert table.rows == [] and {e.line for e in table.errors} == {1}


def test_xlsx_rows_cell_letters_and_types(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["县编码", "县名称", "乡镇编码", "乡镇名称", "村编码", "村名称", "站点编码"])
    sheet.append(["DEMO", "示范县", "DEMO-T01", "青山镇", "V1", "青山村", "S1"])
    sheet.append([])
    sheet.append(["DEMO", "示范县", "DEMO-T01", "青山镇", "V2", "竹林村", 1001])
    # a second sheet is ignored: the first one is the list
    workbook.create_sheet("notes").append(["whatever"])
    sheet["H1"], sheet["I1"], sheet["J1"] = "站点名称", "站点类型", "开业日期"
    sheet["H2"], sheet["I2"], sheet["J2"] = "站", "示范", datetime(2024, 3, 15)
    path = tmp_path / "net.xlsx"
    workbook.save(path)
    table = read_xlsx(path)
    assert table.errors == []
    assert [row.line for row in table.rows] == [2, 4]
    assert table.rows[0].cells["opened_on"] == "J"
    assert table.rows[1].values["station_code"] == 1001
    valid, errors = validate_rows(table.rows)
    assert valid[0].opened_on == date(2024, 3, 15)
    assert [(e.line, e.cell) for e in errors] == [(4, "H"), (4, "I")]  # name, tier missing
    assert valid[0].station_code == "S1"


def test_the_samples_are_valid_and_the_bad_one_has_three_errors():
    for name in ("network_sample.csv", "network_sample.xlsx"):
        valid, errors = validate_rows(read_table(SAMPLES / name).rows)
        assert errors == [] and len(valid) == 8
    _, errors = validate_rows(read_table(SAMPLES / "network_bad_rows.csv").rows)
    assert [(e.line, e.column) for e in errors] == [
        (4, "tier"),
        (6, "latitude"),
        (10, "station_code"),
    ]


def test_unsupported_file_types_are_refused(tmp_path):
    with pytest.raises(InvalidInput):
        read_table(tmp_path / "network.xls")
