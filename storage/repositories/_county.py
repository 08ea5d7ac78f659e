"""The stations of one county, as a subquery several repositories filter by."""

from __future__ import annotations

from sqlalchemy import Select, select

from storage.schema import stations, townships, villages


def county_station_ids(county_id: int) -> Select:
    return (
        select(stations.c.id)
        .select_from(
            stations.join(villages, villages.c.id == stations.c.village_id).join(
                townships, townships.c.id == villages.c.township_id
            )
        )
        .where(townships.c.county_id == county_id)
    )
