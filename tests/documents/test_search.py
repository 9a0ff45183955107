"""Full-text search over documents: folding, phrases, filters, ranking, snippets, the index."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from hoiso.core.search import (
    Clause,
    fold_with_offsets,
    full_text_indexed,
    highlight,
    index_text,
    parse_query,
)
from hoiso.core.vietnamese import fold
from hoiso.documents.search_index import TABLE, index_document, rebuild, unindex_document
from hoiso.documents.selectors import DocumentFilter, document_search
from tests.conftest import Tree
from tests.documents.test_search_builders import make_document

RESOLUTION = (
    "HỘI LHPN TỈNH THÁI NGUYÊN\nSố: 12-NQ/HPN\nThái Nguyên, ngày 05 tháng 3 năm 2026\n"
    "NGHỊ QUYẾT\nVề đẩy mạnh chuyển đổi số trong công tác Hội giai đoạn 2026–2030\n"
    "Ban Thường vụ Hội LHPN tỉnh quyết nghị: triển khai nền tảng số cho các chi hội."
)


def ids(page: Any) -> list[int]:
    return [hit.document.pk for hit in page.hits]


def search(user: Any, q: str = "", **filters: Any) -> list[int]:
    return ids(document_search(user, DocumentFilter(q=q, **filters), page_size=200))


# --- the query language and folding (no database) -----------------------------------------------


def test_parse_query_words_phrases_exclusions_prefixes() -> None:
    parsed = parse_query('Nghị quyết "chuyển đổi số" -Đảng hoạch* 12-NQ/HPN -"kế hoạch"')
    assert parsed.include == [
        Clause(("nghi",)),
        Clause(("quyet",)),
        Clause(("chuyen", "doi", "so")),
        Clause(("hoach",), prefix=True),
        Clause(("12", "nq", "hpn")),
    ]
    assert parsed.exclude == [Clause(("dang",)), Clause(("ke", "hoach"))]
    # an exclusion alone looks for nothing; punctuation alone is no query
    assert not parse_query("-dang")
    assert not parse_query(" \" ' ;")
    # an unclosed quote runs to the end
    assert parse_query('"chuyen doi').include == [Clause(("chuyen", "doi"))]


def test_index_text_is_fold_with_punctuation_as_spaces() -> None:
    assert index_text("Số: 12-NQ/HPN, Đặng Thị HOÀ") == "so 12 nq hpn dang thi hoa"
    assert index_text(RESOLUTION) == " ".join(re.split(r"[\W_]+", fold(RESOLUTION))).strip()


VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
)
vietnamese_text = st.text(
    alphabet=st.sampled_from(VIETNAMESE + VIETNAMESE.upper() + " ,.;:!?()\n-/0123456789\"<>&'"),
    max_size=300,
)


@settings(max_examples=300, deadline=None)
@given(vietnamese_text)
def test_fold_keeps_character_positions_of_vietnamese(text: str) -> None:
    folded, offsets = fold_with_offsets(text)
    assert offsets is None  # one folded character per character of NFC Vietnamese text
    assert len(folded) == len(text)
    assert " ".join(folded.split()) == fold(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_fold_offsets_map_back_for_any_text(text: str) -> None:
    folded, offsets = fold_with_offsets(text)
    if offsets is None:
        assert len(folded) == len(text)
        offsets = list(range(len(text)))
    assert len(offsets) == len(folded)
    assert offsets == sorted(offsets)
    for i, char in enumerate(folded):
        source = text[offsets[i]]
        assert char in fold_with_offsets(source)[0] or char.isspace()


@settings(max_examples=200, deadline=None)
@given(vietnamese_text, st.sampled_from(["chuyen doi", "so", '"doi so"', "ng*", "a"]))
def test_snippet_marks_are_query_words_in_original_spelling(text: str, q: str) -> None:
    parsed = parse_query(q)
    snippet = highlight(text, parsed, size=500)
    folded_terms = {t for c in parsed.include for t in c.terms}
    if snippet is None:
        words = index_text(text).split()
        for c in parsed.include:
            n = len(c.terms)
            for i in range(len(words) - n + 1):
                window = words[i : i + n]
                head_ok = window[:-1] == list(c.terms[:-1])
                last = window[-1]
                assert not (
                    head_ok and (last.startswith(c.terms[-1]) if c.prefix else last == c.terms[-1])
                )
        return
    for marked in re.findall(r"<mark>(.*?)</mark>", snippet):
        original = html.unescape(marked)
        assert original in text  # the original spelling, diacritics and case kept
        words = index_text(original).split()
        assert words and all(any(w.startswith(t) for t in folded_terms) for w in words)


def test_snippet_escapes_html_and_marks_with_diacritics() -> None:
    text = "Lưu ý <script>alert(1)</script> & triển khai Chuyển Đổi Số ở chi hội."
    snippet = highlight(text, parse_query('"chuyen doi so"'))
    assert snippet is not None
    assert "<mark>Chuyển Đổi Số</mark>" in snippet
    assert "&lt;script&gt;" in snippet and "<script>" not in snippet
    assert "&amp;" in snippet
    words = highlight(text, parse_query("doi chuyen"))
    assert words is not None
    assert "<mark>Chuyển</mark> <mark>Đổi</mark>" in words
    # decomposed text (as some PDFs extract) is folded first; the marks keep its characters
    decomposed = unicodedata.normalize("NFD", text)
    nfd = highlight(decomposed, parse_query('"chuyen doi so"'))
    assert nfd is not None
    assert f"<mark>{unicodedata.normalize('NFD', 'Chuyển Đổi Số')}</mark>" in nfd


# --- searching documents ------------------------------------------------------------------------


@pytest.fixture
def admin(users: dict[str, Any]) -> Any:
    return users["admin"]


def test_folded_query_finds_the_resolution(tree: Tree, admin: Any) -> None:
    resolution = make_document(
        tree.commune_a,
        text=RESOLUTION,
        type_code="NQ",
        number_notation="12-NQ/HPN",
        summary="Về đẩy mạnh chuyển đổi số",
    )
    make_document(tree.commune_a, text="Kế hoạch tổ chức hội thi nấu ăn", type_code="KH")
    assert search(admin, "nghi quyet chuyen doi so") == [resolution.pk]
    assert search(admin, "NGHỊ QUYẾT chuyển đổi số") == [resolution.pk]
    assert search(admin, "12-NQ/HPN") == [resolution.pk]
    assert search(admin, "nq hpn 12") == [resolution.pk]


def test_dje_folds_to_d_both_ways(tree: Tree, admin: Any) -> None:
    with_dje = make_document(tree.commune_a, text="Đại hội đại biểu phụ nữ")
    without = make_document(tree.commune_a, text="Dai hoi dai bieu (ban go khong dau)")
    assert sorted(search(admin, "dai hoi")) == sorted([with_dje.pk, without.pk])
    assert sorted(search(admin, "Đại hội")) == sorted([with_dje.pk, without.pk])
    assert search(admin, "đai bieu phu nu") == [with_dje.pk]


def test_phrase_versus_words_exclusion_and_prefix(tree: Tree, admin: Any) -> None:
    phrase = make_document(tree.commune_a, text="Đẩy mạnh chuyển đổi số ở cơ sở.")
    apart = make_document(tree.commune_a, text="Số hội viên chuyển sinh hoạt, đổi thẻ.")
    other = make_document(tree.commune_a, text="Kế hoạch hoạt động năm 2026.")
    assert sorted(search(admin, "chuyen doi so")) == sorted([phrase.pk, apart.pk])
    assert search(admin, '"chuyen doi so"') == [phrase.pk]
    assert search(admin, 'chuyen -"doi so"') == [apart.pk]
    assert sorted(search(admin, "hoa*")) == sorted([apart.pk, other.pk])  # hoạt, hoạch
    assert search(admin, "hoa") == []  # whole syllables only


def test_every_metadata_field_is_searched(tree: Tree, admin: Any) -> None:
    doc = make_document(
        tree.commune_a,
        text="",
        type_code="CV",
        number_notation="45/CV-HLHPN",
        summary="Về việc tổng kết phong trào",
        issuer="Hội LHPN huyện Đồng Hỷ",
        signer_name="Hoàng Thị Xuân",
        signer_position="Chủ tịch",
        recipients="Các chi hội trưởng",
        issue_place="Phổ Yên",
        tags=["Bình đẳng giới"],
    )
    for q in [
        "45 cv hlhpn",
        "cong van",
        "tong ket phong trao",
        "dong hy",
        "hoang thi xuan",
        "chu tich",
        "chi hoi truong",
        "pho yen",
        "binh dang gioi",
    ]:
        assert search(admin, q) == [doc.pk], q


def test_filters(tree: Tree, users: dict[str, Any], admin: Any) -> None:
    import datetime as dt

    a = make_document(
        tree.chapter_a1,
        text="tập huấn kỹ năng",
        type_code="KH",
        direction="out",
        issuer="Hội LHPN phường Phổ Yên",
        tags=["Tập huấn"],
        is_public=True,
    )
    b = make_document(
        tree.commune_b,
        text="tập huấn kỹ năng",
        type_code="BC",
        direction="in",
        issue_date=dt.date(2025, 6, 1),
        state="failed",
    )
    c = make_document(
        tree.commune_a, text="tập huấn kỹ năng", type_code="KH", secrecy="mat", readers=[admin]
    )
    assert sorted(search(admin, "tap huan")) == sorted([a.pk, b.pk, c.pk])
    assert sorted(search(admin, "tap huan", doc_type="KH")) == sorted([a.pk, c.pk])
    assert search(admin, "tap huan", year=2025) == [b.pk]
    assert sorted(search(admin, "tap huan", unit=tree.commune_a.code)) == sorted([a.pk, c.pk])
    assert search(admin, "tap huan", unit=str(tree.chapter_a1.pk)) == [a.pk]
    assert search(admin, "tap huan", unit="NO-SUCH-UNIT") == []
    assert search(admin, "tap huan", tags=["tap huan"]) == [a.pk]
    assert search(admin, "tap huan", secrecy="mat") == [c.pk]
    assert search(admin, "tap huan", secrecy="secret") == [c.pk]
    assert sorted(search(admin, "tap huan", secrecy="none")) == sorted([a.pk, b.pk])
    assert search(admin, "tap huan", direction="in") == [b.pk]
    assert search(admin, "tap huan", state="failed") == [b.pk]
    assert search(admin, "tap huan", public=True) == [a.pk]
    assert search(admin, "tap huan", issuer="hội lhpn phường phổ yên") == [a.pk]
    # filters without a query: newest first
    assert search(admin, doc_type="KH") == [c.pk, a.pk]
    # a commune's cadre sees her subtree only
    assert search(users["cadre_b"], "tap huan") == [b.pk]


def test_filter_from_query_reads_get_parameters_and_explains_bad_ones() -> None:
    from django.http import QueryDict

    flt = DocumentFilter.from_query(
        QueryDict(
            "q=chuyen+doi&type=NQ&year=2026&unit=TN&tags=a&tags=b,c&secrecy=mat"
            "&direction=in&state=indexed&public=1"
        )
    )
    assert flt == DocumentFilter(
        q="chuyen doi",
        doc_type="NQ",
        year=2026,
        unit="TN",
        tags=["a", "b", "c"],
        secrecy="mat",
        direction="in",
        state="indexed",
        public=True,
    )
    bad = DocumentFilter.from_query(QueryDict("year=hai-nghin&secrecy=x&direction=up"))
    assert bad.year is None and bad.secrecy == "" and bad.direction == ""
    assert len(bad.errors) == 3
    assert DocumentFilter.from_query(flt.to_query() | {"q": flt.q}) == flt


def test_ranking_puts_the_most_relevant_first(tree: Tree, admin: Any) -> None:
    filler = " ".join(["Hội viên tham gia sinh hoạt đầy đủ, đóng hội phí đúng hạn."] * 30)
    passing = make_document(tree.commune_a, text=filler + " Có nhắc đến chuyển đổi số một lần.")
    titled = make_document(
        tree.commune_a,
        text="Chuyển đổi số: hướng dẫn. " + filler,
        summary="Hướng dẫn chuyển đổi số trong công tác Hội",
    )
    dense = make_document(
        tree.commune_a,
        text="Chuyển đổi số, chuyển đổi số, chuyển đổi số "
        "ở chi hội: ứng dụng chuyển đổi số trong sinh hoạt.",
    )
    order = search(admin, "chuyen doi so")
    assert order[-1] == passing.pk
    assert set(order[:2]) == {titled.pk, dense.pk}
    page = document_search(admin, DocumentFilter(q="chuyen doi so"))
    scores = [hit.rank for hit in page.hits]
    assert scores == sorted(scores)  # type: ignore[type-var]
    snippet = page.hits[-1].snippet
    assert snippet is not None and "<mark>chuyển</mark> <mark>đổi</mark> <mark>số</mark>" in snippet


def test_keyset_pages_cover_every_result_once(tree: Tree, admin: Any) -> None:
    docs = [
        make_document(tree.commune_a, text="báo cáo " * (1 + i % 5) + f"mục {i}") for i in range(23)
    ]
    for q in ("bao cao", ""):
        seen: list[int] = []
        after = None
        while True:
            page = document_search(admin, DocumentFilter(q=q), page_size=5, after=after)
            assert page.total == 23
            seen.extend(ids(page))
            after = page.next_cursor
            if after is None:
                break
        assert sorted(seen) == sorted(d.pk for d in docs)
        assert seen == search(admin, q)
    # a broken cursor is the first page, not an error
    assert (
        ids(document_search(admin, DocumentFilter(q="bao cao"), page_size=5, after="%%"))
        == (search(admin, "bao cao")[:5])
    )


def test_index_follows_metadata_changes_and_deletion(tree: Tree, admin: Any) -> None:
    doc = make_document(tree.commune_a, text="", summary="Kế hoạch phát động phong trào")
    assert search(admin, "phat dong") == [doc.pk]
    doc.summary = "Báo cáo tổng kết công tác"
    doc.save()
    index_document(doc)
    assert search(admin, "phat dong") == []
    assert search(admin, "tong ket") == [doc.pk]
    unindex_document(doc.pk)
    assert search(admin, "tong ket") == []
    index_document(doc.pk)
    assert search(admin, "tong ket") == [doc.pk]


def test_metadata_service_reindexes(tree: Tree, admin: Any) -> None:
    metadata = pytest.importorskip("hoiso.documents.services.metadata")
    doc = make_document(tree.commune_a, text="", summary="Kế hoạch phát động phong trào")
    metadata.document_update(actor=admin, document=doc, data={"summary": "Thông báo kết luận"})
    assert search(admin, "thong bao ket luan") == [doc.pk]


def test_reindex_command_rebuilds_and_drops_orphans(tree: Tree, admin: Any, capsys: Any) -> None:
    docs = [
        make_document(tree.commune_a, text=f"văn bản số {i} về bình đẳng giới", index=False)
        for i in range(7)
    ]
    assert search(admin, "binh dang gioi") == []
    call_command("reindex_documents", "--batch", "3")
    assert "7 văn bản" in capsys.readouterr().out
    assert sorted(search(admin, "binh dang gioi")) == sorted(d.pk for d in docs)
    assert full_text_indexed(TABLE, [d.pk for d in docs]) == {d.pk for d in docs}
    # an entry whose document is gone is removed by the next rebuild
    from django.db import connection

    from hoiso.core.search import full_text_write

    with connection.constraint_checks_disabled():
        if connection.vendor == "sqlite":
            full_text_write(TABLE, [(999_999, "", "binh dang gioi")])
            assert full_text_indexed(TABLE, [999_999]) == {999_999}
            assert rebuild(batch=2) == 7
            assert full_text_indexed(TABLE, [999_999]) == set()
        else:
            assert rebuild(batch=2) == 7


@pytest.mark.django_db(transaction=True)
def test_full_text_index_operation_is_reversible() -> None:
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.state import ProjectState

    from hoiso.core.search import (
        FullTextHead,
        FullTextIndex,
        full_text_ranked,
        full_text_raw_count,
        full_text_write,
    )
    from hoiso.documents.models import Document

    operations = [
        FullTextIndex("document", "documents_search_probe"),
        FullTextHead("document", "documents_search_probe"),
    ]
    state = ProjectState.from_apps(apps)
    with connection.schema_editor() as editor:
        for operation in operations:
            operation.database_forwards("documents", editor, state, state)
    try:
        full_text_write("documents_search_probe", [(1, "Nghị quyết", "chuyển đổi số")])
        assert full_text_raw_count("documents_search_probe", "nghi quyet doi so") == 1
        assert full_text_raw_count("documents_search_probe", '"so doi"') == 0
        # no document 1: the probe's entry is found in the index but not in the queryset
        ranked = full_text_ranked(Document.objects.all(), "documents_search_probe",
                                  parse_query("doi so"), 5)  # fmt: skip
        assert ranked == []
    finally:
        with connection.schema_editor() as editor:
            for operation in reversed(operations):
                operation.database_backwards("documents", editor, state, state)
    names = connection.introspection.table_names()
    assert not [n for n in names if n.startswith("documents_search_probe")]


# --- the order of results: head matches by rank, then the rest newest first ---------------------


def _all_pages(user: Any, q: str, page_size: int) -> tuple[list[int], list[tuple[int, bool]]]:
    seen: list[int] = []
    totals: list[tuple[int, bool]] = []
    after = None
    while True:
        page = document_search(user, DocumentFilter(q=q), page_size=page_size, after=after)
        seen.extend(hit.document.pk for hit in page.hits)
        totals.append((page.total, page.total_capped))
        after = page.next_cursor
        if after is None:
            return seen, totals


def _every_match_ranked(user: Any, q: str) -> list[tuple[int, float]]:
    """The reference order: every match the user may see, scored row by row."""
    from hoiso.core.search import full_text_matching
    from hoiso.documents.models import Document

    qs: Any = full_text_matching(Document.objects.restrict(user, "view"), TABLE, parse_query(q))
    rows = qs.order_by("search_score", "pk").values_list("pk", "search_score")
    return [(int(pk), float(score)) for pk, score in rows]


FILLER = " Hội viên tham gia sinh hoạt đầy đủ, đóng hội phí đúng hạn." * 30  # 390 words


def test_head_matches_by_rank_then_the_rest_newest_first(tree: Tree, admin: Any) -> None:
    deep = [make_document(tree.commune_a, text=FILLER + " Báo cáo tổng kết năm.") for _ in range(3)]
    titled = make_document(tree.commune_a, text=FILLER + " báo cáo tổng kết",
                           summary="Báo cáo tổng kết công tác Hội năm 2026")  # fmt: skip
    opening = make_document(tree.commune_a, text="Báo cáo tổng kết phong trào." + FILLER)
    # the words apart: one in the summary, the other only far down the text
    split = make_document(tree.commune_a, text=FILLER + " tổng kết", summary="Báo cáo quý")
    order = search(admin, "bao cao tong ket")
    assert order[:2] == [titled.pk, opening.pk]  # metadata weighs more than the text
    assert order[2:] == sorted([d.pk for d in deep] + [split.pk], reverse=True)
    page = document_search(admin, DocumentFilter(q="bao cao tong ket"))
    scores = [hit.rank for hit in page.hits]
    assert scores == sorted(scores)  # type: ignore[type-var]
    assert scores[0] < 0 and scores[1] < 0 and all(s > 0 for s in scores[2:])  # type: ignore[operator]
    assert [(pk, score) for pk, score in zip(order, scores, strict=True)] == _every_match_ranked(
        admin, "bao cao tong ket"
    )
    # phrases, prefixes and exclusions in both groups
    assert search(admin, '"bao cao tong ket" -nam') == [opening.pk]  # "năm" in titled's summary
    assert search(admin, "bao cao tong ket -cong") == [opening.pk, *sorted(
        [d.pk for d in deep] + [split.pk], reverse=True)]  # fmt: skip
    assert search(admin, "bao cao -phi") == []  # every document holds "hội phí" somewhere
    assert search(admin, "tong ke*") == order


def test_head_is_the_first_words_of_the_text(tree: Tree, admin: Any) -> None:
    from hoiso.core.search import HEAD_WORDS

    words = ["chi"] * (HEAD_WORDS - 2)
    inside = make_document(tree.commune_a, text=" ".join([*words, "an", "toàn", "giao"]))
    outside = make_document(tree.commune_a, text=" ".join([*words, "x", "an", "toàn"]))
    ranked = _every_match_ranked(admin, "an toan")
    assert [pk for pk, _ in ranked] == [inside.pk, outside.pk]
    assert ranked[0][1] < 0 < ranked[1][1] == 1.0 / outside.pk


@pytest.mark.parametrize("page_size", [1, 3, 4])
def test_pages_equal_ranking_every_match(tree: Tree, users: dict[str, Any], page_size: int) -> None:
    # the best matches are out of cadre_a's scope or secret; some only far down the text
    best = [
        make_document(tree.commune_b, text="báo cáo tổng kết " * (12 - i) + FILLER)
        for i in range(4)
    ]
    secret = make_document(
        tree.commune_a, text="báo cáo tổng kết " * 20 + FILLER, secrecy="mat", readers=[]
    )
    rest = [
        make_document(tree.commune_a, text="báo cáo tổng kết " * (1 + i % 3) + FILLER * (i % 2))
        for i in range(6)
    ]
    deep = [
        make_document(unit, text=FILLER + " báo cáo tổng kết")
        for unit in (tree.commune_a, tree.commune_b, tree.commune_a)
    ]
    hidden_deep = make_document(
        tree.commune_a, text=FILLER + " báo cáo tổng kết", secrecy="mat", readers=[]
    )
    q = "bao cao tong ket"
    admin, cadre = users["admin"], users["cadre_a"]
    admin_seen = {d.pk for d in best + rest + deep}
    cadre_seen = {d.pk for d in rest} | {deep[0].pk, deep[2].pk}
    for user, visible in ((admin, admin_seen), (cadre, cadre_seen)):
        truth = [pk for pk, _ in _every_match_ranked(user, q)]
        assert set(truth) == visible and not {secret.pk, hidden_deep.pk} & set(truth)
        got, totals = _all_pages(user, q, page_size)
        assert got == truth, (user.username, page_size)
        assert set(totals) == {(len(visible), False)}


def test_count_stops_at_the_cap_and_says_so(
    tree: Tree, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hoiso.documents import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    for i in range(7):
        make_document(tree.commune_a, text="kế hoạch tập huấn " * (1 + i))
    make_document(tree.commune_a, text="kế hoạch tập huấn", secrecy="mat", readers=[])
    admin = users["admin"]
    first = document_search(admin, DocumentFilter(q="ke hoach tap huan"), page_size=2)
    assert (first.total, first.total_capped) == (5, True)
    ids_, totals = _all_pages(admin, "ke hoach tap huan", 2)
    assert len(ids_) == 7 and set(totals) == {(5, True)}  # every page says "more than 5"
    # under the cap the count is exact (the secret document not in it), and not capped
    for i in range(2):
        make_document(tree.commune_b, text=f"thông báo số {i}")
    page = document_search(admin, DocumentFilter(q="thong bao"), page_size=1)
    assert (page.total, page.total_capped) == (2, False)
    # without a query: newest first, the same cap
    page = document_search(admin, DocumentFilter(), page_size=2)
    assert (page.total, page.total_capped) == (5, True)
