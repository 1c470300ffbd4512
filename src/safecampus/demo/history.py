"""The demo city's calendar: it lives from the 2019 autumn term up to the day it is generated
(PRODUCT.md), and the article's figures are those of the article's day.

The builders date their records with these, so that every year of the history has its checks,
hazards, incidents, drills and faults, and that the stocks the article names (guards,
equipment, cameras, the four 100%) can be read back as of `ARTICLE_DAY`.
"""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
HISTORY_START = date(2019, 9, 1)  # the 2019 autumn term
ARTICLE_DAY = date(2021, 11, 25)  # 烟台市构建“四轮驱动”平安校园建设模式, 山东省教育厅


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A moment of a day in the city's time zone."""
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def end_of(day: date) -> datetime:
    """The first moment after `day` (records up to a day are those before this)."""
    return at(day + timedelta(days=1), 0)


def terms(until: date) -> list[tuple[str, date, date]]:
    """The school terms from the 2019 autumn term to the one `until` falls in (or the last one
    before it): (name, first day, last day). Autumn terms run from September to mid-January,
    spring terms from late February to early July."""
    found = []
    for year in range(HISTORY_START.year, until.year + 1):
        found += [
            (f"{year}年春季学期", date(year, 2, 20), date(year, 7, 10)),
            (f"{year}年秋季学期", date(year, 9, 1), date(year + 1, 1, 15)),
        ]
    return [t for t in found if HISTORY_START <= t[1] <= until]


def day_between(rng: random.Random, first: date, last: date, *, weekdays: bool = True) -> date:
    """A day from first to last (inclusive), a school day (Monday to Friday) when possible."""
    span = max(0, (last - first).days)
    for _ in range(10):
        day = first + timedelta(days=rng.randint(0, span))
        if not weekdays or day.weekday() < 5:
            return day
    return day
