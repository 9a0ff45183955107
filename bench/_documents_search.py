"""Document search at archive size: 100,000 synthetic Vietnamese documents of ~2 pages each.

    .venv/bin/python bench/_documents_search.py [--documents 100000] [--database-url URL]
                                                [--repeat 200] [--warmup 20] [--seed 2026]

Part of bench/documents.py (which calls ``run(args)``); runs alone too. Builds a fresh database
with a province of 12 communes, loads the documents in bulk (metadata + one version whose text
is ~5,000 characters of generated Vietnamese: real syllables, Zipf-distributed words, a Decree-30
header; 1% secret), then measures:

- building the full-text index of every document (``manage.py reindex_documents`` in a child
  process over an empty index) and rebuilding it over a full one: wall time and the child's
  peak resident memory (``getrusage(RUSAGE_CHILDREN).ru_maxrss``; the PostgreSQL server's own
  memory is not counted). Target: peak < 1 GiB.
- a two-word folded query (no diacritics, words of middling frequency, drawn at random each
  round) through ``document_search`` (restrict for a provincial admin, filters, keyset page of
  20 in the index's order: head matches by rank then the rest newest first, the count capped at
  1,000, rows, snippets): what the archive page and the API call. Baseline in the same run, on
  the same query: the raw backend SQL of the earlier design (best 20 by BM25 / ts_rank over the
  whole entry + exact count, straight from the index, no scoping, no rows, no snippets): the
  floor of ranking every match. Target: p95 ≤ 50 ms.
- the same for a commune cadre (a twelfth of the archive), and for two very common syllables
  (most documents match; informative, no target).

Exits 0 whatever the figures say.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django import ROOT, describe_machine, fresh_database
from _report import NOTES, Stat, latency_row, print_table, say

TARGET_MS = 50.0
MEMORY_TARGET_MIB = 1024

SYLLABLES = [
    "hội",
    "liên",
    "hiệp",
    "phụ",
    "nữ",
    "việt",
    "nam",
    "tỉnh",
    "thái",
    "nguyên",
    "huyện",
    "xã",
    "phường",
    "chi",
    "tổ",
    "viên",
    "cán",
    "bộ",
    "công",
    "tác",
    "chuyển",
    "đổi",
    "số",
    "nghị",
    "quyết",
    "kế",
    "hoạch",
    "báo",
    "cáo",
    "thông",
    "báo",
    "hướng",
    "dẫn",
    "quyết",
    "định",
    "đại",
    "biểu",
    "nhiệm",
    "kỳ",
    "tuyên",
    "truyền",
    "vận",
    "động",
    "gia",
    "đình",
    "hạnh",
    "phúc",
    "bình",
    "đẳng",
    "giới",
    "kinh",
    "tế",
    "tập",
    "thể",
    "hợp",
    "tác",
    "xã",
    "vay",
    "vốn",
    "ngân",
    "hàng",
    "chính",
    "sách",
    "giảm",
    "nghèo",
    "bền",
    "vững",
    "nông",
    "thôn",
    "mới",
    "an",
    "toàn",
    "thực",
    "phẩm",
    "môi",
    "trường",
    "sạch",
    "đẹp",
    "phong",
    "trào",
    "thi",
    "đua",
    "khen",
    "thưởng",
    "tổng",
    "kết",
    "sơ",
    "kết",
    "triển",
    "khai",
    "thực",
    "hiện",
    "nhiệm",
    "vụ",
    "giải",
    "pháp",
    "năm",
    "tháng",
    "quý",
    "đồng",
    "chí",
    "chủ",
    "tịch",
    "phó",
    "thường",
    "trực",
    "ban",
    "chấp",
    "hành",
    "thường",
    "vụ",
    "đoàn",
    "kết",
    "sáng",
    "tạo",
    "hiệu",
    "quả",
    "chất",
    "lượng",
    "nâng",
    "cao",
    "năng",
    "lực",
    "lãnh",
    "đạo",
    "chỉ",
    "đạo",
    "kiểm",
    "tra",
    "giám",
    "sát",
    "đánh",
    "giá",
    "xếp",
    "loại",
    "học",
    "tập",
    "làm",
    "theo",
    "tư",
    "tưởng",
    "đạo",
    "đức",
    "phong",
    "cách",
    "hồ",
    "chí",
    "minh",
    "phòng",
    "chống",
    "bạo",
    "lực",
    "trẻ",
    "em",
    "dinh",
    "dưỡng",
    "sức",
    "khỏe",
    "sinh",
    "sản",
    "dân",
    "số",
    "kế",
    "hoạch",
    "hóa",
    "ứng",
    "dụng",
    "công",
    "nghệ",
    "thông",
    "tin",
    "mạng",
    "xã",
    "hội",
    "an",
    "ninh",
    "trật",
    "tự",
    "địa",
    "bàn",
    "dân",
    "cư",
    "khu",
    "vực",
    "miền",
    "núi",
    "dân",
    "tộc",
    "thiểu",
    "số",
    "tày",
    "nùng",
    "dao",
    "mông",
    "sán",
    "chay",
    "đồng",
    "hỷ",
    "đại",
    "từ",
    "phổ",
    "yên",
    "võ",
    "nhai",
    "định",
    "hóa",
    "phú",
    "lương",
    "sông",
    "công",
    "tài",
    "chính",
    "ngân",
    "sách",
    "kinh",
    "phí",
    "hội",
    "phí",
    "quỹ",
    "tiết",
    "kiệm",
    "tín",
    "dụng",
    "sản",
    "xuất",
    "chăn",
    "nuôi",
    "trồng",
    "trọt",
    "chè",
    "lúa",
    "ngô",
    "rau",
    "quả",
    "hàng",
    "hóa",
    "thị",
    "trường",
    "khởi",
    "nghiệp",
    "doanh",
    "nghiệp",
    "lao",
    "động",
    "việc",
    "làm",
    "đào",
    "tạo",
    "nghề",
    "tư",
    "vấn",
    "pháp",
    "luật",
    "hòa",
    "giải",
    "cơ",
    "sở",
]
TYPES = [("NQ", "Nghị quyết"), ("KH", "Kế hoạch"), ("BC", "Báo cáo"), ("CV", "Công văn"),
         ("TB", "Thông báo"), ("HD", "Hướng dẫn"), ("QĐ", "Quyết định")]  # fmt: skip


_INITIALS = [
    "b",
    "c",
    "ch",
    "d",
    "đ",
    "g",
    "gh",
    "gi",
    "h",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "ng",
    "nh",
    "p",
    "ph",
    "qu",
    "r",
    "s",
    "t",
    "th",
    "tr",
    "v",
    "x",
]
_RHYMES = [
    "a",
    "ai",
    "am",
    "an",
    "ang",
    "anh",
    "ao",
    "au",
    "ay",
    "ăm",
    "ăn",
    "ăng",
    "âm",
    "ân",
    "âng",
    "âu",
    "ây",
    "e",
    "em",
    "en",
    "eng",
    "eo",
    "ê",
    "êm",
    "ên",
    "ênh",
    "êu",
    "i",
    "ia",
    "im",
    "in",
    "inh",
    "iu",
    "iêm",
    "iên",
    "iêng",
    "iêu",
    "o",
    "oa",
    "oai",
    "oan",
    "oang",
    "oanh",
    "oe",
    "oi",
    "om",
    "on",
    "ong",
    "ô",
    "ôi",
    "ôm",
    "ôn",
    "ông",
    "ơ",
    "ơi",
    "ơm",
    "ơn",
    "u",
    "ua",
    "ui",
    "um",
    "un",
    "ung",
    "uy",
    "uyên",
    "uân",
    "uôi",
    "uôn",
    "uông",
    "ư",
    "ưa",
    "ưi",
    "ưng",
    "ươi",
    "ươn",
    "ương",
    "ưu",
]
_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")


class Corpus:
    """Deterministic generator of plausible Vietnamese documents.

    Vietnamese words are syllables for the index: the corpus draws syllables (the common ones
    of union documents first, then ~7,000 built from initials, rhymes and tones) with a Zipf
    distribution, as running text has.
    """

    def __init__(self, seed: int) -> None:
        import unicodedata

        rng = random.Random(seed)
        made = [
            unicodedata.normalize("NFC", i + r[0] + t + r[1:])
            for i in _INITIALS for r in _RHYMES for t in _TONES
        ]  # fmt: skip
        rng.shuffle(made)
        vocab = list(dict.fromkeys(SYLLABLES + made))
        self.vocab = vocab
        total = 0.0
        self.cum: list[float] = []
        for rank in range(1, len(vocab) + 1):
            total += 1.0 / rank
            self.cum.append(total)

    def sentence(self, rng: random.Random) -> str:
        words = rng.choices(self.vocab, cum_weights=self.cum, k=rng.randint(8, 20))
        text = " ".join(words)
        return text[0].upper() + text[1:] + rng.choice(".....;:")

    def body(self, rng: random.Random, n: int, type_name: str, notation: str, summary: str) -> str:
        lines = [
            "HỘI LHPN TỈNH THÁI NGUYÊN    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            f"Số: {notation}    Độc lập - Tự do - Hạnh phúc",
            f"Thái Nguyên, ngày {rng.randint(1, 28):02d} tháng {rng.randint(1, 12)} năm 2026",
            type_name.upper(),
            summary,
        ]
        size = sum(len(line) for line in lines)
        target = rng.randint(4200, 5800)  # ~2 pages
        while size < target:
            para = " ".join(self.sentence(rng) for _ in range(rng.randint(3, 7)))
            lines.append(para)
            size += len(para) + 1
        return "\n".join(lines)


def _load(corpus: Corpus, total: int, units: list[Any], reader: Any, seed: int) -> None:
    from django.db import transaction

    from hoiso.documents.models import Document, DocumentType, DocumentVersion

    types = {code: DocumentType.objects.get(code=code) for code, _ in TYPES}
    rng = random.Random(seed + 1)
    batch = 2000
    started = time.perf_counter()
    for first in range(0, total, batch):
        docs: list[Any] = []
        texts: list[str] = []
        for n in range(first, min(total, first + batch)):
            code, name = rng.choice(TYPES)
            notation = f"{n + 1}-{code}/HPN"
            summary = "Về " + " ".join(rng.choices(corpus.vocab[:800], k=rng.randint(4, 9)))
            docs.append(
                Document(
                    unit=rng.choice(units),
                    direction=rng.choice(("out", "out", "in")),
                    doc_type=types[code],
                    number=n + 1,
                    notation=f"{code}/HPN",
                    number_notation=notation,
                    issue_date=dt.date(rng.randint(2015, 2026), rng.randint(1, 12), 1),
                    issue_year=0,
                    issuer="Hội LHPN tỉnh Thái Nguyên",
                    summary=summary,
                    signer_name="Nguyễn Thị Hoa",
                    signer_position="Chủ tịch",
                    recipients="Các huyện, thành hội; lưu VT",
                    secrecy="mat" if rng.random() < 0.01 else "",
                    state="indexed",
                )
            )
            texts.append(corpus.body(rng, n, name, notation, summary))
        for doc in docs:
            doc.issue_year = doc.issue_date.year
        with transaction.atomic():
            Document.objects.bulk_create(docs)
            versions = [
                DocumentVersion(
                    document=doc,
                    file=f"documents/bench/{doc.pk}.pdf",
                    filename=f"{doc.pk}.pdf",
                    sha256=hashlib.sha256(str(doc.pk).encode()).hexdigest(),
                    text=text,
                    text_source="text",
                    page_count=2,
                )
                for doc, text in zip(docs, texts, strict=True)
            ]
            DocumentVersion.objects.bulk_create(versions)
            for doc, version in zip(docs, versions, strict=True):
                doc.current_version = version
            Document.objects.bulk_update(docs, ["current_version"], batch_size=500)
            secret = [doc for doc in docs if doc.secrecy]
            Document.readers.through.objects.bulk_create(
                [Document.readers.through(document_id=d.pk, user_id=reader.pk) for d in secret]
            )
        done = first + len(docs)
        if done % 20000 == 0 or done == total:
            say(f"  loaded {done:,} documents ({time.perf_counter() - started:.0f} s)")


def _reindex_child(label: str) -> tuple[float, float]:
    """Run reindex_documents in a child process: (seconds, peak resident MiB of the child)."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "reindex_documents", "--batch", "500", "--quiet"],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        say(out.stdout + out.stderr)
        raise SystemExit(f"reindex_documents failed ({label})")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    say(f"  {label}: {seconds:.1f} s, child peak RSS {peak:.0f} MiB — {out.stdout.strip()}")
    return seconds, peak


def _users(tree_units: dict[str, Any]) -> dict[str, Any]:
    from hoiso.accounts import services as account_services
    from hoiso.accounts.models import Role

    def make(name: str, role: str, unit: Any) -> Any:
        user = account_services.user_create(actor=None, username=name, password="Bench-2026!x")
        account_services.role_assign(
            actor=None, user=user, role=Role.objects.get(code=role), unit=unit,
            valid_from=dt.date(2020, 1, 1),
        )  # fmt: skip
        return user

    return {
        "admin": make("bench_admin", "admin", tree_units["province"]),
        "cadre": make("bench_cadre", "cadre", tree_units["communes"][0]),
        "reader": make("bench_reader", "cadre", tree_units["province"]),
    }


def _tree() -> dict[str, Any]:
    from hoiso.org import services as org_services
    from hoiso.org.models import Level

    start = dt.date(2020, 1, 1)

    def unit(code: str, name: str, level: str, parent: Any) -> Any:
        return org_services.unit_create(
            actor=None, code=code, name=name, level=Level.objects.get(code=level),
            parent=parent, valid_from=start,
        )  # fmt: skip

    central = unit("TW", "Trung ương Hội LHPN Việt Nam", "trung-uong", None)
    province = unit("TN", "Hội LHPN tỉnh Thái Nguyên", "tinh", central)
    communes = [unit(f"TN-X{i:02d}", f"Hội LHPN xã số {i}", "xa", province) for i in range(12)]
    return {"province": province, "communes": communes}


def _timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _measure(
    label: str, user: Any, queries: list[str], repeat: int, warmup: int, target: float | None
) -> None:
    from hoiso.core.search import full_text_raw_count, full_text_raw_top
    from hoiso.documents.search_index import TABLE
    from hoiso.documents.selectors import DocumentFilter, document_search

    got: list[float] = []
    base: list[float] = []
    totals: list[int] = []
    shown: list[str] = []
    for i in range(warmup + repeat):
        q = queries[i % len(queries)]
        page: list[Any] = []

        def selector(q: str = q, page: list[Any] = page) -> None:
            page.append(document_search(user, DocumentFilter(q=q), page_size=20))

        def raw(q: str = q, page: list[Any] = page) -> None:
            full_text_raw_top(TABLE, q, 20)
            page.append(full_text_raw_count(TABLE, q))

        pair = [(selector, got), (raw, base)]
        if i % 2:
            pair.reverse()
        for fn, bucket in pair:
            elapsed = _timed(fn)
            if i >= warmup:
                bucket.append(elapsed)
        if i >= warmup:
            result = next(p for p in page if not isinstance(p, int))
            matched = next(p for p in page if isinstance(p, int))
            totals.append(matched)
            shown.append(f"{result.total}{'+' if result.total_capped else ''}")
    totals.sort()
    latency_row(label, Stat(got), Stat(base), target)
    capped = sum(s.endswith("+") for s in shown)
    NOTES.append(
        f"{label}: matches per query (whole index, unscoped) median "
        f"{totals[len(totals) // 2]:,} (min {totals[0]:,}, max {totals[-1]:,}); "
        f"the page's count capped (shown as “more than 1,000”) in {capped} of {len(shown)} rounds"
    )


def _queries(corpus: Corpus, rng: random.Random, low: int, high: int, n: int = 60) -> list[str]:
    # single-syllable "words" of the vocabulary, ranks low..high: middling frequency
    pool = corpus.vocab[low:high]
    from hoiso.core.vietnamese import fold

    return [fold(f"{rng.choice(pool)} {rng.choice(pool)}") for _ in range(n)]


def _explain(q: str, user: Any) -> str:
    """The plans of the page's two index queries (head matches, then the rest)."""
    from django.db import connection

    from hoiso.core.search import parse_query, postgres, sqlite
    from hoiso.documents.search_index import TABLE

    backend: Any = sqlite if connection.vendor == "sqlite" else postgres
    parsed = parse_query(q)
    plans = []
    with connection.cursor() as cur:
        for part, order in ((backend.head_sql, "score, id"), (backend.rest_sql, "id DESC")):
            sql, params = part(TABLE, parsed)
            sql = f"SELECT * FROM ({sql}) cand ORDER BY {order} LIMIT 21"
            if connection.vendor == "sqlite":
                cur.execute("EXPLAIN QUERY PLAN " + sql, params)
                plans.append(" / ".join(str(row[-1]) for row in cur.fetchall()))
            else:
                cur.execute("EXPLAIN " + sql, params)
                plans.append(" / ".join(row[0].strip() for row in cur.fetchall()[:6]))
    return " || ".join(plans)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--database-url", default="", help="postgres://… (default: new SQLite)")
    parser.add_argument("--repeat", type=int, default=200, help="timed rounds per figure")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-rebuild", action="store_true", help="skip the second (full) pass")


def run(args: argparse.Namespace) -> int:
    load_before = os.getloadavg()
    started = time.perf_counter()
    db = fresh_database(getattr(args, "database_url", "") or None)
    try:
        say(f"Document search bench: {args.documents:,} documents, {db.label}, "
            f"{describe_machine()}, load average {load_before[0]:.1f}")  # fmt: skip
        corpus = Corpus(args.seed)
        units = _tree()
        users = _users(units)
        _load(corpus, args.documents, [units["province"], *units["communes"]], users["reader"],
              args.seed)  # fmt: skip
        if db.vendor == "postgresql":
            from django.db import connection

            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE")
        build_s, build_peak = _reindex_child("build (empty index)")
        passes = [("build", build_s, build_peak)]
        if not getattr(args, "no_rebuild", False):
            passes.append(("rebuild", *_reindex_child("rebuild (full index)")))
        for label, seconds, peak in passes:
            from _report import ROWS, Row

            verdict = "PASS" if peak < MEMORY_TARGET_MIB else "FAIL"
            ROWS.append(Row(f"index {label}: peak RSS / time", f"{peak:.0f} MiB / {seconds:.0f} s",
                            "-", "-", f"< {MEMORY_TARGET_MIB} MiB", verdict))  # fmt: skip
        rng = random.Random(args.seed + 7)
        middling = _queries(corpus, rng, 300, 3000)
        common = _queries(corpus, rng, 0, 12)
        say("  plan: " + _explain(middling[0], users["admin"]))
        _measure("two-syllable query, provincial admin", users["admin"], middling, args.repeat,
                 args.warmup, TARGET_MS)  # fmt: skip
        _measure("two-syllable query, commune cadre", users["cadre"], middling, args.repeat,
                 args.warmup, TARGET_MS)  # fmt: skip
        few = max(20, args.repeat // 4)
        _measure("two very common syllables, admin", users["admin"], common, few, 5, None)
        load_after = os.getloadavg()
        say("")
        print_table()
        for note in NOTES:
            say(f"- {note}")
        say(f"- load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; "
            f"whole run {time.perf_counter() - started:.0f} s")  # fmt: skip
        say("- baseline: raw index SQL (top 20 + exact count), no scoping/rows/snippets")
    finally:
        db.drop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
