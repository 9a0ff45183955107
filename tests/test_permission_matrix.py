"""The access matrix, walked over every URL pattern and API route.

For each route: anonymous → login redirect (UI) or 401 (API); a user lacking the permission →
403; a commune-A cadre asking for commune B's object → 404; a provincial user → success. A route
missing from MATRIX (and not listed as public) fails ``test_every_route_is_in_the_matrix``: a new
view cannot ship without its row here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hoiso.accounts import services as account_services
from hoiso.accounts.models import RoleAssignment
from tests.conftest import Tree, client_for
from tests.documents.test_views import add_documents, fresh_docx
from tests.members.test_cards import carded, own_card

# Routes anyone may reach, and Django's own admin (staff only, guarded by Django itself).
PUBLIC = {
    "accounts:login",
    "accounts:logout",
    "healthz",
    "set_language",
    "api:openapi-json",
    "api:openapi-view",
    "api:api-root",
    "members:card_verify",  # what a card's QR code opens: a signed token, no login
    # published documents and share links: no login by design (tests/documents/test_views.py
    # checks that secret and unpublished documents never show there)
    "published:list",
    "published:detail",
    "published:file",
    "published:share",
    "published:share_file",
}  # api-root: ninja's bare /api/v1/ (no data)
PUBLIC_PREFIXES = ("admin:",)


@dataclass
class Row:
    """How to call one route: its args in scope and out of scope, and who is refused or let in."""

    method: str = "get"
    args: Callable[[Tree, dict[str, Any]], list[Any]] = lambda t, u: []
    # args pointing at commune B's object, for the commune-A user of ``outsider``
    out_of_scope: Callable[[Tree, dict[str, Any]], list[Any]] | None = None
    outsider: str = "cadre_a"
    denied: str | None = "member"  # a user lacking the permission (None: any logged-in user may)
    allowed: str = "admin"
    ok: int = 200
    api: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    # multipart form (file uploads) instead of JSON for API writes; ``data`` may then hold
    # callables that make a fresh value per call (an upload is consumed once)
    multipart: bool = False


def code(attr: str) -> Callable[[Tree, dict[str, Any]], list[Any]]:
    return lambda t, u: [getattr(t, attr).code]


def restructure(kind: str, attr: str) -> Callable[[Tree, dict[str, Any]], list[Any]]:
    return lambda t, u: [getattr(t, attr).code, kind]


def roster_upload() -> Any:
    """A one-row roster, fresh for each call."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Họ và tên", "Ngày sinh"])
    wb.active.append(["Nguyễn Thị Test", "01/02/1990"])
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("roster.xlsx", out.getvalue())


def obj(key: str) -> Callable[[Tree, dict[str, Any]], list[Any]]:
    """The pk of an object the ``people`` fixture made."""
    return lambda t, u: [u[key].pk]


def assignment_of(user_key: str) -> Callable[[Tree, dict[str, Any]], list[Any]]:
    return lambda t, u: [RoleAssignment.objects.get(user=u[user_key]).pk]


def token_of(user_key: str) -> Callable[[Tree, dict[str, Any]], list[Any]]:
    def make(t: Tree, u: dict[str, Any]) -> list[Any]:
        token, _raw = account_services.token_create(actor=None, user=u[user_key], name="script")
        return [token.pk]

    return make


MATRIX: dict[str, Row] = {
    "core:home": Row(denied=None),
    "core:audit_list": Row(denied="cadre_a", allowed="leader"),
    "core:audit_export": Row(denied="cadre_a", allowed="leader"),
    "org:unit_tree": Row(),
    "org:unit_import": Row(denied="chapter_a1", allowed="province_cadre"),
    "org:unit_detail": Row(args=code("commune_a"), out_of_scope=code("commune_b")),
    "org:unit_children": Row(args=code("commune_a"), out_of_scope=code("commune_b")),
    "org:unit_create": Row(
        args=code("chapter_a1"),
        out_of_scope=code("chapter_b1"),
        denied="chapter_a1",
        allowed="province_cadre",
    ),
    **{
        f"org:unit_restructure#{kind}": Row(
            args=restructure(kind, "commune_a"),
            out_of_scope=restructure(kind, "chapter_b1"),
            denied="cadre_a",
            allowed="admin",
        )
        for kind in ("rename", "move", "merge", "split")
    },
    "accounts:user_list": Row(denied="chapter_a1"),
    "accounts:user_create": Row(denied="cadre_a"),
    "accounts:user_detail": Row(
        args=lambda t, u: [u["cadre_a"].pk],
        denied="chapter_a1",
        out_of_scope=lambda t, u: [u["cadre_b"].pk],
    ),
    "accounts:assignment_revoke": Row(
        method="post",
        args=assignment_of("chapter_a1"),
        out_of_scope=assignment_of("cadre_b"),
        outsider="admin_a",
        denied="cadre_a",
        ok=302,
    ),
    "accounts:token_list": Row(denied=None),
    "accounts:token_revoke": Row(
        method="post", args=token_of("admin"), denied=None, out_of_scope=token_of("cadre_b"), ok=302
    ),
    # members (member_a sits in commune A, member_b in commune B)
    "members:member_list": Row(denied="nobody"),
    "members:member_create": Row(denied="member"),
    "members:member_detail": Row(
        args=obj("member_a"), out_of_scope=obj("member_b"), denied="nobody"
    ),
    "members:member_edit": Row(args=obj("member_a"), out_of_scope=obj("member_b"), denied="leader"),
    **{
        f"members:{name}": Row(
            method="post",
            args=obj("member_a"),
            out_of_scope=obj("member_b"),
            denied="leader",
            ok=302,
        )
        for name in (
            "member_status",
            "member_indicators",
            "member_consent",
            "member_enable_login",
            "member_position",
        )
    },
    "members:member_transfer": Row(
        args=obj("member_a"), out_of_scope=obj("member_b"), denied="leader"
    ),
    "members:transfer_list": Row(denied="chapter_a1"),
    "members:transfer_decide": Row(
        method="post",
        args=obj("transfer_a"),
        out_of_scope=obj("transfer_b"),
        denied="leader",
        ok=302,
        data={"decision": "accept"},
    ),
    "members:unit_options": Row(denied="leader"),
    "members:dues": Row(denied="leader"),
    "members:digital_bulk": Row(denied="leader"),
    "members:request_list": Row(denied="leader"),
    "members:request_decide": Row(
        method="post", args=obj("request_a"), out_of_scope=obj("request_b"), denied="leader", ok=302
    ),
    "members:my_profile": Row(denied=None, allowed="member"),
    "api:member_list": Row(api=True, denied="nobody"),
    "api:member_import": Row(
        api=True,
        method="post",
        denied="leader",
        multipart=True,
        data={"unit": "TN-PHOYEN-CH1", "dry_run": "true", "file": roster_upload},
    ),
    "api:member_detail": Row(
        api=True, args=obj("member_a"), out_of_scope=obj("member_b"), denied="nobody"
    ),
    "api:member_create": Row(
        api=True,
        method="post",
        ok=201,
        data={"unit": "TN-PHOYEN-CH1", "full_name": "Hoàng Thị Yến", "birth_date": "1990-01-01"},
    ),
    "api:member_update": Row(
        api=True,
        method="put",
        args=obj("member_a"),
        out_of_scope=obj("member_b"),
        denied="leader",
        data={"unit": "TN-PHOYEN-CH1", "full_name": "Lê Thị Mai", "birth_date": "1985-03-05"},
    ),
    "api:member_transfer": Row(
        api=True,
        method="post",
        args=obj("member_a"),
        out_of_scope=obj("member_b"),
        denied="leader",
        ok=201,
        data={"to_unit": "TN-PHOYEN-CH2", "reason": "Kết hôn", "date": "2026-02-01"},
    ),
    "api:member_dues": Row(
        api=True,
        method="post",
        args=obj("member_a"),
        out_of_scope=obj("member_b"),
        denied="leader",
        ok=201,
        data={"year": 2026, "paid_on": "2026-02-01", "amount": 12000},
    ),
    "api:member_indicators": Row(
        api=True,
        method="put",
        args=obj("member_a"),
        out_of_scope=obj("member_b"),
        denied="leader",
        data={"values": {"has_smartphone": True}},
    ),
    # member cards (members:card_verify is public: see PUBLIC)
    **{
        f"members:{name}": Row(
            args=carded("chapter_a1"), out_of_scope=carded("chapter_b1"), denied="nobody"
        )
        for name in ("card", "card_pdf")
    },
    **{
        f"members:{name}": Row(
            method="post",
            args=carded("chapter_a1"),
            out_of_scope=carded("chapter_b1"),
            denied="chapter_a1",
            ok=302,
            data={"reason": "Mất thẻ"},
        )
        for name in ("card_issue", "card_revoke")
    },
    "members:card_batch_pdf": Row(
        args=code("chapter_a1"), out_of_scope=code("chapter_b1"), denied="chapter_a1"
    ),
    "members:my_card": Row(args=own_card, denied=None, allowed="member"),
    # statistics and export: the unit comes as ?unit=CODE (404 outside the scope is tested in
    # tests/members/test_stats_export.py); the chapter leader has no export permission
    "members:stats": Row(denied="member"),
    "members:stats_export": Row(denied="member"),
    "members:export": Row(denied="chapter_a1"),
    "members:import": Row(denied="chapter_a1", allowed="province_cadre"),
    "members:import_template": Row(denied="chapter_a1"),
    "members:import_job": Row(
        args=lambda t, u: [
            __import__("hoiso.core.jobs", fromlist=["job_create"])
            .job_create(kind="members.import", user=u["cadre_a"], unit=t.commune_a, params={})
            .pk
        ],
        out_of_scope=lambda t, u: [
            __import__("hoiso.core.jobs", fromlist=["job_create"])
            .job_create(kind="members.import", user=u["cadre_b"], unit=t.commune_b, params={})
            .pk
        ],
        denied="chapter_a1",
    ),
    # documents (doc_a, dossier_a, link_a in commune A; *_b in commune B: see add_documents)
    "documents:document_list": Row(),
    "documents:document_upload": Row(denied="leader"),
    "documents:saved_search_save": Row(
        method="post", ok=302, data={"name": "Tìm thử", "q": "nghi quyet"}
    ),
    # saved searches are personal: someone else's is a 404 whatever the scope
    **{
        f"documents:{name}": Row(
            method=method,
            args=obj("saved_admin"),
            out_of_scope=obj("saved_b"),
            denied=None,
            ok=302,
        )
        for name, method in (("saved_search_run", "get"), ("saved_search_delete", "post"))
    },
    **{
        f"documents:{name}": Row(args=obj("doc_a"), out_of_scope=obj("doc_b"))
        for name in ("document_detail", "document_state", "document_download")
    },
    "documents:document_edit": Row(args=obj("doc_a"), out_of_scope=obj("doc_b"), denied="leader"),
    **{
        f"documents:{name}": Row(
            method="post", args=obj("doc_a"), out_of_scope=obj("doc_b"), denied=denied, ok=302
        )
        for name, denied in (
            ("document_confirm", "leader"),
            ("document_retry", "leader"),
            ("document_version_add", "leader"),
            ("document_register", "leader"),
            ("document_publish", "chapter_a1"),
            ("share_create", "leader"),
        )
    },
    "documents:share_revoke": Row(
        method="post",
        args=lambda t, u: [u["doc_a"].pk, u["link_a"].pk],
        out_of_scope=lambda t, u: [u["doc_b"].pk, u["link_b"].pk],
        denied="leader",
        ok=302,
    ),
    # registers: the unit comes as ?unit=CODE (404 outside the scope: tests/documents)
    "documents:register": Row(),
    "documents:register_export": Row(),
    "documents:dossier_list": Row(),
    "documents:dossier_create": Row(denied="chapter_a1"),
    "documents:dossier_review": Row(),
    "documents:disposal_create": Row(method="post", denied="cadre_a", ok=302),
    **{
        f"documents:{name}": Row(args=obj("dossier_a"), out_of_scope=obj("dossier_b"))
        for name in ("dossier_detail", "dossier_export")
    },
    **{
        f"documents:{name}": Row(
            method="post",
            args=obj("dossier_a"),
            out_of_scope=obj("dossier_b"),
            denied="leader",
            ok=302,
        )
        for name in ("dossier_add", "dossier_close")
    },
    "documents:dossier_remove": Row(
        method="post",
        args=lambda t, u: [u["dossier_a"].pk, u["doc_a"].pk],
        out_of_scope=lambda t, u: [u["dossier_b"].pk, u["doc_b"].pk],
        denied="leader",
        ok=302,
    ),
    "api:document_list": Row(api=True),
    "api:document_upload": Row(
        api=True,
        method="post",
        denied="leader",
        ok=201,
        multipart=True,
        data={"unit": "TN-PHOYEN", "file": fresh_docx},
    ),
    "api:document_registers": Row(api=True),
    "api:document_detail": Row(api=True, args=obj("doc_a"), out_of_scope=obj("doc_b")),
    "api:document_download": Row(api=True, args=obj("doc_a"), out_of_scope=obj("doc_b")),
    "api:document_update": Row(
        api=True,
        method="patch",
        args=obj("doc_a"),
        out_of_scope=obj("doc_b"),
        denied="leader",
        data={"summary": "Về chuyển đổi số"},
    ),
    "api:document_retry": Row(
        api=True,
        method="post",
        args=obj("doc_a"),
        out_of_scope=obj("doc_b"),
        denied="leader",
        ok=202,
    ),
    "api:unit_list": Row(api=True),
    "api:unit_detail": Row(api=True, args=code("commune_a"), out_of_scope=code("commune_b")),
    "api:unit_lineage": Row(api=True, args=code("commune_a"), out_of_scope=code("commune_b")),
    "api:unit_children": Row(api=True, args=code("commune_a"), out_of_scope=code("commune_b")),
    "api:me": Row(api=True, denied=None),
    "api:token_list": Row(api=True, denied=None),
    "api:token_create": Row(api=True, method="post", denied=None, ok=201, data={"name": "ci"}),
    "api:token_revoke": Row(
        api=True,
        method="delete",
        args=token_of("admin"),
        denied=None,
        out_of_scope=token_of("cadre_b"),
        ok=204,
    ),
}


# meetings (the rows and their meetings: tests/meetings/matrix*.py, one module per part, each
# with meeting_rows(Row) -> {route: Row})
for _path in sorted((Path(__file__).parent / "meetings").glob("matrix*.py")):
    _module = importlib.import_module(f"tests.meetings.{_path.stem}")
    MATRIX.update(_module.meeting_rows(Row))
MATRIX.update(importlib.import_module("tests.notifications.matrix").notification_rows(Row))


def all_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(prefix + p.name)

    walk(get_resolver().url_patterns, "")
    return names


def matrix_route(key: str) -> str:
    return key.split("#", 1)[0]


def test_every_route_is_in_the_matrix() -> None:
    covered = {matrix_route(k) for k in MATRIX} | PUBLIC
    missing = {
        n for n in all_route_names() if n not in covered and not n.startswith(PUBLIC_PREFIXES)
    }
    assert not missing, f"routes without an access-matrix row: {sorted(missing)}"


def call(client: Client, row: Row, url: str) -> Any:
    method = getattr(client, row.method)
    if row.multipart:
        return method(url, data={k: v() if callable(v) else v for k, v in row.data.items()})
    if row.api and row.method in {"post", "put", "patch"}:
        return method(url, data=row.data, content_type="application/json")
    return method(url, data=row.data) if row.method == "post" else method(url)


@pytest.fixture
def people(users: dict[str, Any], tree: Tree, settings: Any, tmp_path: Any) -> dict[str, Any]:
    from tests.conftest import make_user

    settings.MEDIA_ROOT = tmp_path / "media"
    users["admin_a"] = make_user("quantri_phoyen", "admin", tree.commune_a)
    add_members(users, tree)
    add_documents(users, tree)
    return users


def add_members(users: dict[str, Any], tree: Tree) -> None:
    """A member in each commune, a pending transfer and a request on each side."""
    import datetime as dt

    from hoiso.members import services as member_services
    from hoiso.members.models import ChangeRequest

    def make(unit: Any, name: str) -> Any:
        return member_services.member_create(
            actor=None,
            data=member_services.MemberInput(full_name=name, birth_date=dt.date(1985, 3, 5)),
            unit=unit,
        )

    users["member_a"] = make(tree.chapter_a1, "Lê Thị Mai")
    users["member_b"] = make(tree.chapter_b1, "Trần Thị Lan")
    users["member_a"].user = users["member"]
    users["member_a"].save(update_fields=["user"])
    users["member_a2"] = make(tree.chapter_a1, "Vũ Thị Hương")
    users["transfer_a"] = member_services.transfer_send(
        actor=None,
        member=users["member_a2"],
        to_unit=tree.chapter_a2,
        reason="Chuyển nhà",
        date=dt.date(2026, 1, 5),
    )
    users["transfer_b"] = member_services.transfer_send(
        actor=None,
        member=users["member_b"],
        to_unit=tree.group_b1,
        reason="Chuyển nhà",
        date=dt.date(2026, 1, 5),
    )
    users["request_a"] = ChangeRequest.objects.create(member=users["member_a"], changes={"t": "x"})
    users["request_b"] = ChangeRequest.objects.create(member=users["member_b"], changes={"t": "x"})


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_anonymous(key: str, people: dict[str, Any], tree: Tree) -> None:
    row = MATRIX[key]
    url = reverse(matrix_route(key), args=row.args(tree, people))
    response = call(Client(), row, url)
    if row.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("key", sorted(k for k, r in MATRIX.items() if r.denied))
def test_without_permission_403(key: str, people: dict[str, Any], tree: Tree) -> None:
    row = MATRIX[key]
    url = reverse(matrix_route(key), args=row.args(tree, people))
    assert row.denied is not None
    assert call(client_for(people[row.denied]), row, url).status_code == 403


@pytest.mark.parametrize("key", sorted(k for k, r in MATRIX.items() if r.out_of_scope))
def test_other_subtree_404(key: str, people: dict[str, Any], tree: Tree) -> None:
    row = MATRIX[key]
    assert row.out_of_scope is not None
    url = reverse(matrix_route(key), args=row.out_of_scope(tree, people))
    assert call(client_for(people[row.outsider]), row, url).status_code == 404


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_provincial_user_allowed(key: str, people: dict[str, Any], tree: Tree) -> None:
    row = MATRIX[key]
    url = reverse(matrix_route(key), args=row.args(tree, people))
    response = call(client_for(people[row.allowed]), row, url)
    assert response.status_code == row.ok, getattr(response, "content", b"")[:500]


def test_bearer_token_reaches_the_api(people: dict[str, Any]) -> None:
    _token, raw = account_services.token_create(actor=None, user=people["cadre_a"], name="script")
    client = Client()
    ok = client.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert ok.status_code == 200 and ok.json()["username"] == "canbo_phoyen"
    assert client.get(reverse("api:me"), HTTP_AUTHORIZATION="Bearer hs_wrong").status_code == 401
