"""The statistics computed from the member rows themselves: the reference for the counts.

``member_stats`` (selectors.py) reads the trigger-kept counts table; this module computes the
same ``MemberStats`` with GROUP BY queries over ``member_queryset`` (the previous page, 1.6 s
for a province of 500,000 members on SQLite). Tests compare the two after every kind of write;
the benchmark times both.

1. members in force per unit, with every count the page needs as a filtered aggregate (cards,
   dues paid this year, digitally active, each indicator, type, occupation, age band), in the
   order of the covering index ``member_stats_unit``, rolled up in Python;
2. records no longer in force by status; 3. members in force by year joined;
4. for users who may see them, members in force by each known sensitive value's keyed hash
   (covering index ``member_stats_sensitive``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import reduce
from operator import add
from typing import Any

from django.db import connections
from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.expressions import Col
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from hoiso.core.access import has_perm_at, require_perm_at
from hoiso.members.choices import INDICATORS, CardStatus, MemberType, Occupation, Status
from hoiso.members.selectors import AGE_BANDS, SENSITIVE_PERM, MemberFilter, member_queryset
from hoiso.members.stats.filters import VIEW_PERM
from hoiso.members.stats.selectors import (
    CURRENT,
    ROW,
    SENSITIVE_STATS,
    UNKNOWN,
    ChildRow,
    MemberStats,
    SensitiveRow,
    _child_of,
    _hash_labels,
    _sensitive_row,
    digital_active_min,
    fill_in_force,
    fill_joined,
    fill_not_in_force,
)
from hoiso.org.models import Unit


def _digital_score() -> Any:
    """How many indicators a member answered yes (NULL, not asked, counts as no)."""
    parts = [
        Case(When(**{name: True}, then=Value(1)), default=Value(0), output_field=IntegerField())
        for name in INDICATORS
    ]
    return reduce(add, parts)


def member_stats_live(
    user: Any,
    unit: Unit,
    *,
    year: int | None = None,
    today: dt.date | None = None,
    with_sensitive: bool = False,
) -> MemberStats:
    """``member_stats`` computed from the member rows (same arguments, same result)."""
    require_perm_at(user, VIEW_PERM, unit.path)
    today = today or timezone.localdate()
    stats = MemberStats(
        unit=unit, year=year or today.year, today=today, digital_min=digital_active_min()
    )
    sensitive = with_sensitive and has_perm_at(user, SENSITIVE_PERM, unit.path)
    base = member_queryset(user, MemberFilter(unit=unit), today=today).order_by()
    _in_force(stats, base)
    _not_in_force(stats, base)
    _joined(stats, base)
    if sensitive:
        stats.sensitive = _sensitive(stats, base)
    return stats


# --- query 1: members in force, per unit and status ----------------------------------------


def _aggregates(stats: MemberStats) -> dict[str, Any]:
    """Every filtered count of query 1, by name."""
    out: dict[str, Any] = {
        "n": Count(ROW),
        "active": Count(ROW, filter=Q(status=Status.ACTIVE)),
        "carded": Count(ROW, filter=Q(card_status=CardStatus.ISSUED)),
        "revoked": Count(ROW, filter=Q(card_status=CardStatus.REVOKED)),
        "honorary": Count(ROW, filter=Q(member_type=MemberType.HONORARY)),
        "digital": Count(ROW, filter=GreaterThanOrEqual(_digital_score(), stats.digital_min)),
        "paid": Count("paid_this_year__member"),  # the LEFT JOIN below: one payment a year
    }
    for name in INDICATORS:
        out[f"yes:{name}"] = Count(ROW, filter=Q(**{name: True}))
        out[f"unknown:{name}"] = Count(ROW, filter=Q(**{f"{name}__isnull": True}))
    for value in [*Occupation.values, ""]:
        out[f"occupation:{value}"] = Count(ROW, filter=Q(occupation=value))
    year = stats.today.year
    for band, (low, high) in AGE_BANDS.items():
        between = Q(birth_year__gte=year - high, birth_year__lte=year - low)
        out[f"age:{band}"] = Count(ROW, filter=between)
    return out


def _unit_pk(qs: Any) -> Any:
    """The joined unit's own id column (not the member's unit_id).

    Grouping by (unit path, unit id, status) follows the order in which SQLite walks the path
    index and then ``member_stats_unit``: with the unit's id rather than the member's foreign
    key, SQLite knows the rows come grouped and skips a sort of every member.
    """
    table = Unit._meta.db_table
    aliases = [a for a, join in qs.query.alias_map.items() if join.table_name == table]
    if len(aliases) != 1:
        return F("unit_id")
    return Col(aliases[0], Unit._meta.pk)


def _rows(qs: Any) -> list[tuple[Any, ...]]:
    """The queryset's rows as plain tuples, without Django's per-value converters.

    Query 1 returns a few thousand rows of some forty integers: converting each value costs
    more than the query itself.
    """
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _in_force(stats: MemberStats, base: Any) -> None:
    aggregates = _aggregates(stats)
    names = list(aggregates)  # keys hold values such as "Sán Dìu": SQL aliases are a0, a1 …
    # Dues through a LEFT JOIN on (member, year), not EXISTS: a probe of the unique index per
    # member on SQLite (a quarter faster than the correlated subquery), a hash join on PostgreSQL.
    dues_this_year = FilteredRelation("dues", condition=Q(dues__year=stats.year))
    qs = (
        base.filter(status__in=CURRENT)
        .alias(paid_this_year=dues_this_year)
        .annotate(unit_path=F("unit__path"))
    )
    rows = _rows(
        qs.annotate(unit_pk=_unit_pk(qs))
        .values_list("unit_path", "unit_pk")
        .annotate(**{f"a{i}": aggregates[name] for i, name in enumerate(names)})
    )
    # column sums: the totals; per direct child: the few columns of the child table
    columns = list(zip(*rows, strict=True))[2:] if rows else [()] * len(names)
    sums = [sum(column) for column in columns]
    totals: Counter[str] = Counter(dict(zip(names, sums, strict=True)))
    at = {name: 2 + i for i, name in enumerate(names)}
    n, active, paid, carded, digital = (
        at["n"], at["active"], at["paid"], at["carded"], at["digital"]
    )  # fmt: skip
    root = stats.unit
    children: dict[int | None, ChildRow] = {}
    for row in rows:
        child_id = _child_of(root.path, row[0])
        child = children.get(child_id)
        if child is None:
            child = children[child_id] = ChildRow(unit=None, label="")
        child.current += row[n]
        child.active += row[active]
        child.paid += row[paid]
        child.carded += row[carded]
        child.digital += row[digital]
    fill_in_force(stats, totals, children)


def _not_in_force(stats: MemberStats, base: Any) -> None:
    """Records no longer in force, by status (an index range per unit and status)."""
    gone = [value for value in Status.values if value not in CURRENT]
    counts = dict(
        base.filter(status__in=gone).values_list("status").annotate(n=Count(ROW)).order_by()
    )
    fill_not_in_force(stats, counts)


def _joined(stats: MemberStats, base: Any) -> None:
    """Members in force by the year they joined (newest first)."""
    fill_joined(
        stats,
        dict(base.filter(status__in=CURRENT).values_list("join_year").annotate(n=Count(ROW))),
    )


def _sensitive(stats: MemberStats, base: Any) -> list[SensitiveRow]:
    """Query 4 (permitted users): members in force by each known value's keyed hash.

    One row, no grouping: every count is a filtered aggregate over the covering index
    ``member_stats_sensitive``.
    """
    aggregates: dict[str, Any] = {}
    for name in SENSITIVE_STATS:
        column = f"{name}_idx"
        aggregates[f"{name}:{UNKNOWN}"] = Count(ROW, filter=Q(**{column: ""}))
        for digest, value in _hash_labels(name).items():
            aggregates[f"{name}:{value}"] = Count(ROW, filter=Q(**{column: digest}))
    names = list(aggregates)
    row = base.filter(status__in=CURRENT).aggregate(
        **{f"a{i}": aggregates[name] for i, name in enumerate(names)}
    )
    totals: Counter[str] = Counter({name: row[f"a{i}"] for i, name in enumerate(names)})
    return [_sensitive_row(name, totals, stats.current) for name in SENSITIVE_STATS]
