"""Statistics of the members under a unit, read from the counts table (``MemberCount``).

Database triggers keep, for every unit, how many members of its whole subtree fall under each
breakdown key (status; for members in force: card, type, occupation, each indicator, digital
score, birth year, join year, dues paid per year, the sensitive fields' keyed hashes): see
counts.py. The page then costs two small queries whatever the size of the subtree:

1. the unit's own rows: every total of the page (a few hundred rows; the sensitive keys only
   for users who may see them and asked for them);
2. the rows of its direct children for the table by commune or chapter (status, card, digital
   score, dues); members attached to the unit itself are the rest.

What depends on the day is computed here, not stored: age bands from birth years, dues paid in
``year``, "digitally active" from the digital score and ``settings.DIGITAL_ACTIVE_MIN``
(default 3 of the six indicators answered yes). live.py computes the same ``MemberStats`` from
the member rows: the reference the tests compare against.

Sensitive values are never decrypted: the keyed hash of each known value (choices.ETHNICITIES,
RELIGIONS, the Party and poverty values) is computed once and matched against the counted
hashes; any other hash counts as "Khác"; every count under 5 is suppressed (see suppress.py).

"In force" means active or away (CURRENT_STATUSES): rates and breakdowns are over them; the
status breakdown alone counts every record.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.db.models import QuerySet
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
from hoiso.members.models import Member, MemberCount, MemberQuerySet
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
    # Holding the permission at the unit, the user sees every member of its subtree (what
    # ``member_queryset`` would give): the counts of the subtree are hers to see.
    sensitive = with_sensitive and has_perm_at(user, SENSITIVE_PERM, unit.path)
    _from_counts(stats, sensitive=sensitive)
    return stats


# --- from the counts table ----------------------------------------------------------------

CHILD_DIMS = ("status", "card", "digital", "dues")


def _tally(stats: MemberStats, rows: Any) -> tuple[Counter[str], dict[str | None, int]]:
    """The named totals of query 1 (as live.py names them) and the records by status / year."""
    totals: Counter[str] = Counter()
    other: dict[str | None, int] = {}
    year, dues_year = stats.today.year, str(stats.year)
    bands = [(band, year - high, year - low) for band, (low, high) in AGE_BANDS.items()]
    for dim, value, n in rows:
        if dim == "status":
            other[value] = n
            if value in CURRENT:
                totals["n"] += n
                if value == Status.ACTIVE:
                    totals["active"] += n
        elif dim == "card":
            if value == CardStatus.ISSUED:
                totals["carded"] += n
            elif value == CardStatus.REVOKED:
                totals["revoked"] += n
        elif dim == "type":
            if value == MemberType.HONORARY:
                totals["honorary"] += n
        elif dim == "occupation":
            totals[f"occupation:{value}"] += n
        elif dim in INDICATORS:
            totals[f"yes:{dim}" if value == "1" else f"unknown:{dim}"] += n
        elif dim == "digital":
            if int(value) >= stats.digital_min:
                totals["digital"] += n
        elif dim == "dues":
            if value == dues_year:
                totals["paid"] += n
        elif dim == "birth":
            born = int(value)
            for band, first, last in bands:
                if first <= born <= last:
                    totals[f"age:{band}"] += n
        elif dim == "joined":
            other[f"joined:{value}"] = n
        else:  # a sensitive field's keyed hash
            totals[f"{dim}#{value}"] += n
    return totals, other


def _counted_children(stats: MemberStats, totals: Counter[str]) -> dict[int | None, ChildRow]:
    """The child table from the children's own subtree counts (one query)."""
    rows = MemberCount.objects.filter(
        unit__parent=stats.unit, dim__in=CHILD_DIMS, n__gt=0
    ).values_list("unit_id", "dim", "value", "n")
    by_child: dict[int, list[tuple[str, str, int]]] = {}
    for unit_id, dim, value, n in rows:
        by_child.setdefault(unit_id, []).append((dim, value, n))
    children: dict[int | None, ChildRow] = {}
    direct = ChildRow(
        unit=None,
        label="",
        current=totals["n"],
        active=totals["active"],
        paid=totals["paid"],
        carded=totals["carded"],
        digital=totals["digital"],
    )
    for unit_id, child_rows in by_child.items():
        sums, _other = _tally(stats, child_rows)
        if not sums["n"]:
            continue
        row = ChildRow(
            unit=None,
            label="",
            current=sums["n"],
            active=sums["active"],
            paid=sums["paid"],
            carded=sums["carded"],
            digital=sums["digital"],
        )
        children[unit_id] = row
        direct.current -= row.current
        direct.active -= row.active
        direct.paid -= row.paid
        direct.carded -= row.carded
        direct.digital -= row.digital
    if direct.current:
        children[None] = direct
    return children


def _from_counts(stats: MemberStats, *, sensitive: bool) -> None:
    """Fill ``stats`` from the unit's subtree counts and its children's (two small queries)."""
    rows = MemberCount.objects.filter(unit=stats.unit, n__gt=0)
    if not sensitive:
        rows = rows.exclude(dim__in=SENSITIVE_STATS)
    totals, other = _tally(stats, rows.values_list("dim", "value", "n"))
    fill_in_force(stats, totals, _counted_children(stats, totals))
    fill_not_in_force(stats, {k: n for k, n in other.items() if k in Status.values})
    joined: dict[int | None, int] = {}
    for key, n in other.items():
        if key is not None and key.startswith("joined:"):
            value = key.removeprefix("joined:")
            joined[int(value) if value else None] = n
    fill_joined(stats, joined)
    if sensitive:
        named: Counter[str] = Counter()
        for name in SENSITIVE_STATS:
            named[f"{name}:{UNKNOWN}"] = totals[f"{name}#"]
            for digest, value in _hash_labels(name).items():
                named[f"{name}:{value}"] = totals[f"{name}#{digest}"]
        stats.sensitive = [_sensitive_row(name, named, stats.current) for name in SENSITIVE_STATS]


def fill_in_force(
    stats: MemberStats, totals: Counter[str], children: dict[int | None, ChildRow]
) -> None:
    """The figures over members in force, from the named totals and the child rows."""
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
    stats.children = _child_rows(stats.unit, children)


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


# --- records no longer in force, year joined ------------------------------------------------


def fill_not_in_force(stats: MemberStats, counts: dict[str | None, int]) -> None:
    """Records no longer in force (transferred, left, deceased), by status."""
    gone = [value for value in Status.values if value not in CURRENT]
    stats.by_status += [
        Share(value, label, counts.get(value, 0), 0)
        for value, label in Status.choices
        if value in gone
    ]
    stats.records += sum(n for value, n in counts.items() if value in gone)
    for share in stats.by_status:
        share.base = stats.records


def fill_joined(stats: MemberStats, counts: dict[int | None, int]) -> None:
    """Members in force by the year they joined (newest first)."""
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
