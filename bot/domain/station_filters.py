"""`/stations below idle warned A-T1 sort:activity` as a ListStations query: filters in
any order, in English or Chinese; a word that is none of them is a township code."""

from __future__ import annotations

from bot.domain.commands import ListStations
from bot.domain.errors import InvalidInput
from bot.domain.network import StationStatus
from bot.domain.text import N_

BELOW = {"below", "未达标", "不达标"}
IDLE = {"idle", "闲置", "不活跃"}
NO_CHECKIN = {"nocheckin", "未签到"}  # the notice board (issue 11)
STATES = {
    **dict.fromkeys(("active", "正常"), StationStatus.ACTIVE),
    **dict.fromkeys(("warned", "黄牌"), StationStatus.WARNED),
    **dict.fromkeys(("probation", "整改"), StationStatus.PROBATION),
    **dict.fromkeys(("removed", "淘汰"), StationStatus.REMOVED),
}
SORTS = {
    **dict.fromkeys(("code", "编号"), "code"),
    **dict.fromkeys(("activity", "活跃"), "activity"),
    **dict.fromkeys(("downstream", "下行"), "downstream"),
    **dict.fromkeys(("upstream", "上行"), "upstream"),
}
FILTERS_HELP = N_(
    "Filters: below (未达标), idle (闲置), nocheckin (未签到), a state (正常, 黄牌, 整改, "
    "淘汰), a township code, sort:activity (or sort:downstream, sort:upstream, sort:code). "
    "For example: A-T1 below sort:downstream"
)


def parse_station_filters(text: str) -> ListStations:
    township = state = None
    idle = below = no_checkin = False
    sort = "code"
    for word in text.replace("：", ":").split():
        lower = word.lower()
        if lower in BELOW:
            below = True
        elif lower in IDLE:
            idle = True
        elif lower in NO_CHECKIN:
            no_checkin = True
        elif lower in STATES:
            state = STATES[lower].value
        elif lower.startswith(("sort:", "排序:")):
            key = lower.split(":", 1)[1]
            if key not in SORTS:
                raise InvalidInput(FILTERS_HELP)
            sort = SORTS[key]
        elif township is None:
            township = word
        else:
            raise InvalidInput(FILTERS_HELP)
    return ListStations(
        township=township,
        state=state,
        idle=idle,
        below=below,
        sort=sort,
        no_checkin=no_checkin,
    )
