"""The demo's live script and what it prints first (issue 20: a demo a person can use)."""

from __future__ import annotations

from aggregator.core.parser import parse_comment
from aggregator.core.parser.catalog import Catalog
from aggregator.tools.demo.logins import format_buyer_link, format_logins
from aggregator.tools.demo.script import UNCLEAR, demo_live, demo_round
from aggregator.tools.demo.seed import PRODUCTS
from schema.enums import StaffRole
from schema.parsing import CatalogProduct, Intent

CATALOG = Catalog([
    CatalogProduct(code=code, name=name, aliases=aliases, variants=variants, price=price)
    for code, name, aliases, variants, price, *_ in PRODUCTS
])  # fmt: skip


def test_later_rounds_go_on_with_their_own_comment_ids_at_a_followable_pace() -> None:
    opening = demo_live(600, 60.0)
    rounds = [demo_round(n) for n in (1, 2, 3)]
    ids = [c.id for c in opening] + [c.id for r in rounds for c in r]
    assert len(ids) == len(set(ids)), "a later round reuses a comment id: it would be dropped"
    assert opening[0].id == "demo-0" and rounds[0][0].id == "demo-r1-0"
    for later in rounds:
        assert 10 <= len(later) <= 60 and later[-1].t < 60.0  # about one every two seconds
    assert [c.text for c in rounds[0]] != [c.text for c in rounds[1]]
    # the same viewers come back
    assert {c.author_id for c in rounds[0]} <= {c.author_id for c in opening}


def test_unclear_comments_are_orders_that_name_nothing_sold() -> None:
    texts = [c.text for c in demo_live(600, 60.0)]
    assert sum(t in UNCLEAR for t in texts) >= 5
    for text in UNCLEAR:
        parsed = parse_comment(text, CATALOG)
        assert parsed.intent is Intent.ORDER and parsed.items == [], text


def test_variant_orders_of_the_script_read_as_their_variant() -> None:
    parsed = parse_comment("vải 5kg x1", CATALOG)
    assert [(i.code, i.variant) for i in parsed.items] == [("V05", "5kg")]


def test_the_login_page_comes_first_with_each_login_beside_it() -> None:
    accounts = [
        ("giamdoc", StaffRole.DIRECTOR, "pw-a"),
        ("nhanvien", StaffRole.STAFF, "pw-b"),
        ("donggoi", StaffRole.PACKER, "pw-c"),
    ]
    lines = format_logins("http://127.0.0.1:8000", accounts, ("maychu", "pw-h")).splitlines()
    assert lines[0].startswith("chotdon is running: http://127.0.0.1:8000/dang-nhap")
    assert "/dang-nhap" in lines[1]
    assert lines[2].split()[:3] == ["giamdoc", "/", "pw-a"]
    assert lines[2].endswith("http://127.0.0.1:8000/bang-dieu-khien")
    assert lines[3].split()[:3] == ["nhanvien", "/", "pw-b"]
    assert lines[4].split()[:3] == ["donggoi", "/", "pw-c"] and lines[4].endswith("/dong-goi")
    assert lines[5].split()[:3] == ["maychu", "/", "pw-h"] and lines[5].endswith(
        "/may-chu/dang-nhap"
    )
    link = format_buyer_link("http://127.0.0.1:8000", "tok", 8)
    assert "http://127.0.0.1:8000/o/tok " in link and "#8" in link
