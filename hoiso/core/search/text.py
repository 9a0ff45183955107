"""Backend-independent parts of full-text search: the query language, index text, snippets.

Query syntax (what users type, in the UI and in the API's ``q=``):

* ``nghi quyet chuyen doi so``: every word must occur (AND), anywhere in the document's text or
  metadata, in any order. Diacritics and case never matter: ``chuyển đổi`` = ``chuyen doi`` and
  ``đ`` = ``d``. Words are whole syllables: ``hoa`` finds "Hoà", not "Hoàng".
* ``"chuyển đổi số"``: a phrase in double quotes, those words next to each other in that order.
* ``-word`` or ``-"a phrase"``: documents without that word or phrase (needs at least one other
  word or phrase to look for; on its own it is ignored).
* ``hoach*``: a word starting with ``hoach``; ``"ke hoach*"`` makes the phrase's last word a prefix.
* Punctuation splits words and keeps them together: ``12-NQ/HPN`` looks for the three parts
  ``12 nq hpn`` next to each other, like a phrase.

Everything else (``AND``, ``OR``, brackets) is read as ordinary words.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Final

from django.utils.safestring import SafeString, mark_safe

__all__ = ["Clause", "ParsedQuery", "fold_with_offsets", "highlight", "index_text", "parse_query"]

MAX_CLAUSES: Final = 16
_NONWORD: Final = re.compile(r"[\W_]+")
_MARKS: Final = re.compile(r"[\u0300-\u036f]+")
_DJE: Final = str.maketrans({"\u0111": "d", "\u0110": "d", "\u00f0": "d", "\u00d0": "d"})
_QUERY_TOKEN: Final = re.compile(r'(-?)"([^"]*)"?(\*?)|(\S+)')


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character folded as ``vietnamese.fold`` folds it (without its space collapsing)."""
    lowered = unicodedata.normalize("NFD", char.lower()).translate(_DJE)
    return "".join(c for c in lowered if not unicodedata.category(c).startswith("M"))


def _fold_keep_length(text: str) -> str:
    """Folded text, character for character where possible (no whitespace collapsing)."""
    if text.isascii():
        return text.lower()
    folded = _MARKS.sub("", unicodedata.normalize("NFD", text.lower()).translate(_DJE))
    if folded.isascii():
        return folded
    return "".join(_fold_char(c) for c in text)


def index_text(text: str) -> str:
    """What the index stores for ``text``: folded words separated by single spaces.

    The same as ``hoiso.core.vietnamese.fold`` with punctuation turned into spaces, so that both
    backends' tokenizers see the same words. Not cached (``fold`` is, and whole documents would
    fill its cache), and fast on the common case: Vietnamese or ASCII text.
    """
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return _NONWORD.sub(" ", _fold_keep_length(text)).strip()


def fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """Fold ``text`` keeping track of where each folded character came from.

    Returns the folded text and, for each of its characters, the index of the source character
    in ``text``; ``None`` instead of the list when the folded text lines up with ``text``
    character for character, which is the case for NFC Vietnamese text (every letter folds to
    exactly one letter). Whitespace is not collapsed.
    """
    fast = _fold_keep_length(text)
    if len(fast) == len(text) and fast.isascii():
        return fast, None
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        chars.append(folded)
        offsets.extend([index] * len(folded))
    return "".join(chars), offsets


@dataclass(frozen=True)
class Clause:
    """Words that must occur next to each other, in order; the last one maybe as a prefix."""

    terms: tuple[str, ...]
    prefix: bool = False


@dataclass
class ParsedQuery:
    include: list[Clause] = field(default_factory=list)
    exclude: list[Clause] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.include)


def _clause(text: str, prefix: bool) -> Clause | None:
    terms = tuple(t for t in _NONWORD.split(_fold_keep_length(text)) if t)
    return Clause(terms, prefix) if terms else None


def parse_query(query: str) -> ParsedQuery:
    """Parse what a user typed (see the module docstring) into clauses the backends translate."""
    if not query.isascii():
        query = unicodedata.normalize("NFC", query)
    parsed = ParsedQuery()
    seen: set[Clause] = set()
    for match in _QUERY_TOKEN.finditer(query):
        neg_quote, quoted, star, word = match.groups()
        if word is not None:
            negative = word.startswith("-") and len(word) > 1
            word = word[1:] if negative else word
            prefix = word.endswith("*")
            clause = _clause(word.rstrip("*"), prefix)
        else:
            negative = bool(neg_quote)
            clause = _clause(quoted, bool(star))
        if clause is None or clause in seen:
            continue
        seen.add(clause)
        (parsed.exclude if negative else parsed.include).append(clause)
    parsed.include = parsed.include[:MAX_CLAUSES]
    parsed.exclude = parsed.exclude[:MAX_CLAUSES] if parsed.include else []
    return parsed


def _clause_pattern(clause: Clause) -> str:
    words = [re.escape(t) for t in clause.terms]
    if clause.prefix:
        words[-1] += r"[^\W_]*"
    return r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])"


@functools.cache
def _variants() -> dict[str, str]:
    """For each folded ASCII letter or digit, a regex class of every character folding to it."""
    groups: dict[str, list[str]] = {}
    for code in [*range(0x20, 0x7F), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(code)
        folded = _fold_char(char)
        if len(folded) == 1 and folded.isascii() and folded.isalnum() and char.isalnum():
            groups.setdefault(folded, []).append(char)
    return {key: "[" + re.escape("".join(chars)) + "]" for key, chars in groups.items()}


def _original_pattern(clause: Clause) -> str:
    """The clause as a pattern over unfolded NFC text: each letter matches its accented forms."""
    variants = _variants()
    words = ["".join(variants.get(c, re.escape(c)) for c in term) for term in clause.terms]
    if clause.prefix:
        words[-1] += r"[^\W_]*"
    body = r"[\W_]+".join(words)
    # The first letter leads and the word start is checked behind it ("not after a word
    # character"): a pattern that starts with a character set lets the regex engine skip to
    # candidates instead of trying every position (about twice as fast over a long text).
    first = variants.get(clause.terms[0][0], re.escape(clause.terms[0][0]))
    return first + r"(?<![^\W_].)" + body[len(first) :] + r"(?![^\W_])"


def _match_spans(
    folded: str, parsed: ParsedQuery, limit: int = 200, *, original: bool = False
) -> list[tuple[int, int, int]]:
    """(start, end, clause number) of the query's clauses in text order: in folded text, or
    (``original``) straight in NFC text, which saves folding whole documents."""
    spans: list[tuple[int, int, int]] = []
    for number, clause in enumerate(parsed.include):
        pattern = _original_pattern(clause) if original else _clause_pattern(clause)
        for found in re.finditer(pattern, folded):
            spans.append((found.start(), found.end(), number))
            if len(spans) >= limit:
                break
    spans.sort()
    return spans


def _after_marks(text: str, end: int) -> int:
    """Past the combining marks that belong to the letter before ``end``."""
    while end < len(text) and unicodedata.category(text[end]).startswith("M"):
        end += 1
    return end


def highlight(text: str, parsed: ParsedQuery, *, size: int = 240) -> SafeString | None:
    """An excerpt of ``text`` (about ``size`` characters) around the query's best cluster of
    matches, HTML-escaped, with the matched words in ``<mark>``; the original spelling is
    kept (diacritics included). ``None`` when no clause of the query occurs in ``text``."""
    if not text or not parsed:
        return None
    if unicodedata.is_normalized("NFC", text):
        spans = _match_spans(text, parsed, original=True)
    else:
        folded, offsets = fold_with_offsets(text)
        spans = _match_spans(folded, parsed)
        if offsets is not None:
            spans = [(offsets[s], _after_marks(text, offsets[e - 1] + 1), n) for s, e, n in spans]
    if not spans:
        return None
    # The window that holds the most different clauses (then the most matches), earliest
    # first: a sliding window over the spans, in text order.
    best = (0, 0, 0)
    counts: dict[int, int] = {}
    right = 0
    for left, (start, _, _) in enumerate(spans):
        if right <= left:  # a span longer than the window: count it alone
            counts = {spans[left][2]: 1}
            right = left + 1
        while right < len(spans) and spans[right][1] <= start + size:
            counts[spans[right][2]] = counts.get(spans[right][2], 0) + 1
            right += 1
        score = (len(counts), right - left)
        if score > best[:2]:
            best = (*score, left)
        number = spans[left][2]
        counts[number] -= 1
        if not counts[number]:
            del counts[number]
    first = spans[best[2]][0]
    begin = max(0, first - size // 4)
    end = min(len(text), begin + size)
    # widen to whole words
    while begin > 0 and not text[begin - 1].isspace() and first - begin < size // 2:
        begin -= 1
    while end < len(text) and not text[end].isspace() and end - begin < size + 40:
        end += 1
    parts = ["…" if begin > 0 else ""]
    cursor = begin
    for start, stop, _ in spans:
        if start < cursor or stop > end:
            continue
        parts.append(html.escape(text[cursor:start]))
        parts.append(f"<mark>{html.escape(text[start:stop])}</mark>")
        cursor = stop
    parts.append(html.escape(text[cursor:end]))
    parts.append("…" if end < len(text) else "")
    return mark_safe(" ".join("".join(parts).split()))


def plain_excerpt(text: str, *, size: int = 240) -> SafeString:
    """The start of ``text``, escaped: the snippet of a document the query matched elsewhere."""
    text = " ".join(text[: size * 2].split())
    cut = text[:size]
    if len(text) > size:
        cut = cut.rsplit(" ", 1)[0] + "…"
    return mark_safe(html.escape(cut))
