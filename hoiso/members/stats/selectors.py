"""Statistics of the members under a unit: a few GROUP BY queries over ``member_queryset``.

The page costs three or four queries (whatever the size of the subtree), designed for the embedded
SQLite as much as for PostgreSQL:

1. members in force per unit, with every count the page needs as a filtered
   aggregate (cards, dues paid this year, digitally active, each indicator, type, occupation,
   age band). Rows come in the order of the index ``member_stats_unit`` (unit, status, …): no
   sort, one pass over the index alone. They are rolled up in Python to the unit's direct
   children (the table by commune or chapter) and to the totals;
2. records no longer in force (transferred, left, deceased) by status: an index range;
3. members in force by year joined (one small sort);
4. for users who may see them, members in force by each known sensitive value (one row of
   filtered aggregates over the index ``member_stats_sensitive``).

Sensitive values are never decrypted: the keyed hash of each known value (choices.ETHNICITIES,
RELIGIONS, the Party and poverty values) is computed once and counted in SQL; any other hash
counts as "Khác"; every count under 5 is suppressed (see suppress.py).

"In force" means active or away (CURRENT_STATUSES): rates and breakdowns are over them; the
status breakdown alone counts every record. "Digitally active" means at least
``settings.DIGITAL_ACTIVE_MIN`` (default 3) of the six indicators answered yes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import reduce
from operator import add
from typing import Any, cast

from django.conf import settings
from django.db import connections
from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Col
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hoiso.core.access import has_perm_at, require_perm_at
from hoiso.core.tree import SEGMENT
from hoiso.members.choices import (
    CURRENT_STATUSES,
    ETHNICITIES,
    INDICATORS,
    RELIGIONS,
    SENSITIVE_FIELDS,
    CardStatus,
    MemberType,
    Occupation,
    Status,
)
from hoiso.members.models import Member, MemberQuerySet
from hoiso.members.selectors import AGE_BANDS, SENSITIVE_PERM, MemberFilter, member_queryset
from hoiso.members.stats.filters import EXPORT_PERM, POVERTY_VALUES, VIEW_PERM
from hoiso.members.stats.suppress import Cell, suppress_line
from hoiso.org.models import Unit

DEFAULT_DIGITAL_ACTIVE_MIN = 3
# What the counts count: a column of the covering indexes (never NULL), not the primary key,
# which PostgreSQL indexes do not carry: COUNT(id) would send it to the table for every row.
ROW = "unit"
CURRENT = [str(s) for s in CURRENT_STATUSES]
# Sensitive breakdowns on the page, with the stored values they know (anything else: "Khác").
SENSITIVE_STATS = ("ethnicity", "religion", "party_member", "poverty")
OTHER = "Khác"
UNKNOWN = ""
AGE_ORDER = ["<18", "18-30", "31-45", "46-60", "61+"]


def digital_active_min() -> int:
    """How many indicators answered yes make a member digitally active (the 2030 target)."""
    return int(getattr(settings, "DIGITAL_ACTIVE_MIN", DEFAULT_DIGITAL_ACTIVE_MIN))


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Share:
    key: str
    label: Any
    count: int
    base: int

    @property
    def percent(self) -> float | None:
        return pct(self.count, self.base)


@dataclass
class IndicatorRow:
    name: str
    label: Any
    yes: int
    unknown: int
    base: int

    @property
    def no(self) -> int:
        return self.base - self.yes - self.unknown

    @property
    def percent(self) -> float | None:
        return pct(self.yes, self.base)


@dataclass
class ChildRow:
    """One direct child of the unit (or the members attached to the unit itself)."""

    unit: Unit | None
    label: str
    current: int = 0
    active: int = 0
    paid: int = 0
    carded: int = 0
    digital: int = 0

    @property
    def paid_percent(self) -> float | None:
        return pct(self.paid, self.current)

    @property
    def carded_percent(self) -> float | None:
        return pct(self.carded, self.current)

    @property
    def digital_percent(self) -> float | None:
        return pct(self.digital, self.current)


@dataclass
class SensitiveRow:
    name: str
    label: Any
    cells: list[Cell]
    total: int


@dataclass
class MemberStats:
    unit: Unit
    year: int
    today: dt.date
    digital_min: int
    records: int = 0
    current: int = 0
    active: int = 0
    paid: int = 0
    carded: int = 0
    revoked: int = 0
    digital: int = 0
    by_status: list[Share] = field(default_factory=list)
    by_type: list[Share] = field(default_factory=list)
    by_age: list[Share] = field(default_factory=list)
    by_occupation: list[Share] = field(default_factory=list)
    by_join_year: list[Share] = field(default_factory=list)
    by_card: list[Share] = field(default_factory=list)
    by_dues: list[Share] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)
    sensitive: list[SensitiveRow] | None = None

    @property
    def paid_percent(self) -> float | None:
        return pct(self.paid, self.current)

    @property
    def carded_percent(self) -> float | None:
        return pct(self.carded, self.current)

    @property
    def digital_percent(self) -> float | None:
        return pct(self.digital, self.current)


def _digital_score() -> Any:
    """How many indicators a member answered yes (NULL, not asked, counts as no)."""
    parts = [
        Case(When(**{name: True}, then=Value(1)), default=Value(0), output_field=IntegerField())
        for name in INDICATORS
    ]
    return reduce(add, parts)


def _child_of(root_path: str, unit_path: str) -> int | None:
    """The id of the root's child whose subtree holds ``unit_path`` (None: the root itself)."""
    rest = unit_path[len(root_path) :]
    if not rest:
        return None
    return int(rest[:SEGMENT])


def member_stats(
    user: Any,
    unit: Unit,
    *,
    year: int | None = None,
    today: dt.date | None = None,
    with_sensitive: bool = False,
) -> MemberStats:
    """The statistics of every member under ``unit`` (403 without members.view_member there).

    Sensitive breakdowns are computed only when asked for (``with_sensitive``) and the user
    holds the sensitive permission at the unit.
    """
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
    whole = stats.current = totals["n"]
    stats.records += whole
    stats.active = totals["active"]
    stats.paid, stats.carded = totals["paid"], totals["carded"]
    stats.revoked, stats.digital = totals["revoked"], totals["digital"]
    stats.by_status = [
        Share(Status.ACTIVE, Status.ACTIVE.label, stats.active, 0),
        Share(Status.AWAY, Status.AWAY.label, whole - stats.active, 0),
    ]
    stats.by_card = [
        Share(CardStatus.ISSUED, CardStatus.ISSUED.label, stats.carded, whole),
        Share(CardStatus.REVOKED, CardStatus.REVOKED.label, stats.revoked, whole),
        Share(CardStatus.NONE, CardStatus.NONE.label, whole - stats.carded - stats.revoked, whole),
    ]
    stats.by_dues = [
        Share("yes", _("Paid"), stats.paid, whole),
        Share("no", _("Not paid"), whole - stats.paid, whole),
    ]
    honorary = totals["honorary"]
    stats.by_type = [
        Share(MemberType.REGULAR, MemberType.REGULAR.label, whole - honorary, whole),
        Share(MemberType.HONORARY, MemberType.HONORARY.label, honorary, whole),
    ]
    stats.by_age = [
        Share(band, band, totals[f"age:{band}"], whole)
        for band in AGE_ORDER
        if band != "<18" or totals[f"age:{band}"]
    ]
    stats.by_occupation = [
        Share(v, label, totals[f"occupation:{v}"], whole) for v, label in Occupation.choices
    ]
    if totals["occupation:"]:
        stats.by_occupation.append(Share("", _("Not recorded"), totals["occupation:"], whole))
    stats.indicators = [
        IndicatorRow(name, label, totals[f"yes:{name}"], totals[f"unknown:{name}"], whole)
        for name, label in INDICATORS.items()
    ]
    stats.children = _child_rows(root, children)


def _child_rows(root: Unit, counted: dict[int | None, ChildRow]) -> list[ChildRow]:
    """Every open child (even without members), closed ones still holding members, by name."""
    rows: list[ChildRow] = []
    for unit in root.children.order_by("name_folded", "pk"):
        row = counted.pop(unit.pk, None)
        if row is None and unit.valid_to is not None:
            continue
        row = row or ChildRow(unit=None, label="")
        row.unit, row.label = unit, unit.name
        rows.append(row)
    direct = counted.pop(None, None)
    if direct is not None:
        direct.label = str(_("Attached directly to {unit}").format(unit=root.name))
        rows.append(direct)
    for child_id, row in counted.items():  # a unit moved away since the query: rare
        row.label = str(child_id)
        rows.append(row)
    return rows


# --- queries 2 and 3 --------------------------------------------------------------------------


def _not_in_force(stats: MemberStats, base: Any) -> None:
    """Records no longer in force, by status (an index range per unit and status)."""
    gone = [value for value in Status.values if value not in CURRENT]
    counts = dict(
        base.filter(status__in=gone).values_list("status").annotate(n=Count(ROW)).order_by()
    )
    stats.by_status += [
        Share(value, label, counts.get(value, 0), 0)
        for value, label in Status.choices
        if value in gone
    ]
    stats.records += sum(counts.values())
    for share in stats.by_status:
        share.base = stats.records


def _joined(stats: MemberStats, base: Any) -> None:
    """Members in force by the year they joined (newest first)."""
    counts = dict(base.filter(status__in=CURRENT).values_list("join_year").annotate(n=Count(ROW)))
    whole = stats.current
    years = sorted((y for y in counts if y is not None), reverse=True)
    stats.by_join_year = [Share(str(y), str(y), counts[y], whole) for y in years]
    if counts.get(None):
        stats.by_join_year.append(Share("", _("Not recorded"), counts[None], whole))


# --- sensitive breakdowns -------------------------------------------------------------------


def known_values(name: str) -> list[tuple[str, Any]]:
    """(stored value, label) of a sensitive field with a closed list, in display order."""
    if name == "ethnicity":
        return [(v, v) for v in ETHNICITIES if v != OTHER]
    if name == "religion":
        return [(v, v) for v in RELIGIONS if v != OTHER]
    if name == "party_member":
        return [
            ("Có", pgettext_lazy("sensitive value", "Party member")),
            ("Không", pgettext_lazy("sensitive value", "Not a Party member")),
        ]
    if name == "poverty":
        return [
            (POVERTY_VALUES["poor"], pgettext_lazy("sensitive value", "Poor household")),
            (POVERTY_VALUES["near_poor"], pgettext_lazy("sensitive value", "Near-poor household")),
        ]
    raise ValueError(name)


def _hash_labels(name: str) -> dict[str, str]:
    """Keyed hash → stored value, for the known values of one field."""
    from hoiso.members.services import sensitive_index

    return {sensitive_index(name, value): value for value, _label in known_values(name)}


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


def _sensitive_row(name: str, totals: Counter[str], whole: int) -> SensitiveRow:
    """One field's counts by value, small ones hidden; unmatched hashes are "Other"."""
    items: list[tuple[str, int]] = [
        (str(label), totals[f"{name}:{value}"]) for value, label in known_values(name)
    ]
    unknown = totals[f"{name}:{UNKNOWN}"]
    other = whole - unknown - sum(count for _label, count in items)
    items.append((str(pgettext_lazy("sensitive value", "Other")), other))
    # An empty poverty field means "neither poor nor near-poor" as much as "not asked".
    unknown_label = (
        pgettext_lazy("sensitive value", "Neither, or not recorded")
        if name == "poverty"
        else pgettext_lazy("sensitive value", "Not recorded")
    )
    items.append((str(unknown_label), unknown))
    return SensitiveRow(
        name=name, label=SENSITIVE_FIELDS[name], cells=suppress_line(items), total=whole
    )


# --- export and navigation ---------------------------------------------------------------


def member_export_queryset(user: Any, flt: MemberFilter) -> QuerySet[Member]:
    """The members the user may export with this filter: seen *and* exportable by her."""
    qs = cast(MemberQuerySet, member_queryset(user, flt))
    return qs.restrict(user, EXPORT_PERM)


def stats_ancestors(user: Any, unit: Unit) -> list[Unit]:
    """The unit's ancestors the user may see statistics of, root first (the breadcrumbs)."""
    return [a for a in Unit.objects.ancestors_of(unit) if has_perm_at(user, VIEW_PERM, a.path)]
