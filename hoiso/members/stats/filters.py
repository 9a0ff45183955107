"""The member list's GET filters parsed into a MemberFilter (shared by the list, export, stats).

Unknown keys and malformed values are ignored, never an error: a filter that cannot be applied
says nothing. Sensitive filters (ethnicity, religion, party_member, poverty) are honoured only
for a user holding ``members.view_sensitive_member`` at the filtered unit; for anyone else they
are dropped silently, so the answer cannot reveal whether a sensitive value matched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import Http404, QueryDict

from hoiso.core.access import has_perm_at, scope_paths
from hoiso.core.vietnamese import fold
from hoiso.members.choices import ETHNICITIES, INDICATORS, RELIGIONS, MemberType, Status
from hoiso.members.selectors import AGE_BANDS, SENSITIVE_PERM, MemberFilter
from hoiso.org.models import Unit

VIEW_PERM = "members.view_member"
EXPORT_PERM = "members.export_member"
YES_NO = {"yes": True, "no": False}
YES_NO_UNKNOWN: dict[str, bool | None] = {"yes": True, "no": False, "unknown": None}
MAX_QUERY = 100

# Stored values of the sensitive fields that have a closed list (see hoiso/members/forms.py).
PARTY_VALUES = {"yes": "Có", "no": "Không"}
POVERTY_VALUES = {"poor": "Hộ nghèo", "near_poor": "Hộ cận nghèo"}
SENSITIVE_KEYS = ("ethnicity", "religion", "party_member", "poverty")


def resolve_unit(user: Any, code: str, perm: str = VIEW_PERM) -> Unit:
    """The unit with this code if the user holds ``perm`` there (or above); else 404."""
    unit = (
        Unit.objects.restrict(user, perm)
        .select_related("level", "parent")
        .filter(code=code.strip())
        .first()
    )
    if unit is None:
        raise Http404
    return unit


def top_units(user: Any, perm: str = VIEW_PERM) -> list[Unit]:
    """The units where the user's ``perm`` assignments sit (none under another), by path."""
    qs = Unit.objects.select_related("level", "parent")
    if user.is_superuser:
        return list(qs.filter(parent__isnull=True, valid_to__isnull=True).order_by("path"))
    return list(qs.filter(path__in=scope_paths(user, perm)).order_by("path"))


def sensitive_allowed(user: Any, unit: Unit | None, perm: str = VIEW_PERM) -> bool:
    """Whether sensitive values may be shown for members under ``unit``.

    Without a unit: only if every subtree the user reaches through ``perm`` is covered.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if unit is not None:
        return has_perm_at(user, SENSITIVE_PERM, unit.path)
    paths = scope_paths(user, perm)
    return bool(paths) and all(has_perm_at(user, SENSITIVE_PERM, p) for p in paths)


def _int(value: str | None, low: int, high: int) -> int | None:
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if low <= number <= high else None


def _known(value: str, choices: list[str]) -> str:
    """The canonical spelling of ``value`` in ``choices`` (folded comparison), or ""."""
    folded = fold(value)
    return next((c for c in choices if fold(c) == folded), "") if folded else ""


def sensitive_from_query(query: Mapping[str, Any]) -> dict[str, str]:
    """Sensitive filters as stored values (e.g. {"ethnicity": "Tày"}); unknown values dropped."""
    out: dict[str, str] = {}
    if ethnicity := _known(str(query.get("ethnicity") or ""), ETHNICITIES):
        out["ethnicity"] = ethnicity
    if religion := _known(str(query.get("religion") or ""), RELIGIONS):
        out["religion"] = religion
    if party := PARTY_VALUES.get(str(query.get("party_member") or "")):
        out["party_member"] = party
    poverty = str(query.get("poverty") or "")
    if value := POVERTY_VALUES.get(poverty) or _known(poverty, list(POVERTY_VALUES.values())):
        out["poverty"] = value
    return out


def filter_from_query(
    user: Any, querydict: QueryDict | Mapping[str, Any], *, perm: str = VIEW_PERM
) -> MemberFilter:
    """Parse the list's GET parameters.

    ``unit=CODE`` must name a unit where the user holds ``perm`` (404 otherwise: a unit outside
    her scope is not acknowledged). Everything else is optional and forgiving.
    """

    def get(key: str) -> str:
        return str(querydict.get(key) or "").strip()

    def getlist(key: str) -> list[str]:
        if isinstance(querydict, QueryDict):
            return [str(v).strip() for v in querydict.getlist(key)]
        value = querydict.get(key)
        if value is None:
            return []
        return [str(v).strip() for v in (value if isinstance(value, list | tuple) else [value])]

    flt = MemberFilter()
    if code := get("unit"):
        flt.unit = resolve_unit(user, code, perm)
    flt.q = get("q")[:MAX_QUERY]
    flt.status = sorted({s for s in getlist("status") if s in Status.values})
    if (kind := get("type")) in MemberType.values:
        flt.member_type = kind
    if (band := get("age")) in AGE_BANDS:
        flt.age_band = band
    flt.join_year = _int(get("join_year"), 1900, 2100)
    flt.dues_paid = YES_NO.get(get("dues"))
    if flt.dues_paid is not None:
        flt.dues_year = _int(get("dues_year"), 1900, 2100)
    flt.card_issued = YES_NO.get(get("card"))
    for name in INDICATORS:
        if (answer := get(name)) in YES_NO_UNKNOWN:
            flt.indicators[name] = YES_NO_UNKNOWN[answer]
    wanted = sensitive_from_query({k: get(k) for k in SENSITIVE_KEYS})
    if wanted and sensitive_allowed(user, flt.unit, perm):
        flt.sensitive = wanted
    return flt


def describe_filter(flt: MemberFilter) -> dict[str, Any]:
    """The filter as plain data for the audit log; sensitive values only as their keyed hash.

    The audit log is read by roles that may not see sensitive data: "who exported the Catholic
    members of commune X, and how many were there" must not be readable there.
    """
    from hoiso.members.services import sensitive_index

    out: dict[str, Any] = {
        "unit": flt.unit.code if flt.unit else "",
        "q": flt.q,
        "status": flt.status,
        "type": flt.member_type,
        "age": flt.age_band,
        "join_year": flt.join_year,
        "dues": flt.dues_paid,
        "dues_year": flt.dues_year,
        "card": flt.card_issued,
        "indicators": flt.indicators,
    }
    out = {k: v for k, v in out.items() if v not in ("", None, [], {})}
    if flt.sensitive:
        out["sensitive"] = {k: sensitive_index(k, v) for k, v in flt.sensitive.items()}
    return out
