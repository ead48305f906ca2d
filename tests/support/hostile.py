"""Hostile inbound bodies: realistic deliveries of every webhook, and hypothesis strategies that
break them (random and malformed JSON, wrong types, huge numbers, invalid UTF-8, NUL bytes)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

from schema.enums import BankProvider
from tests.support.banks import addressed

NOW_MS = int(time.time() * 1000)


def facebook_sample() -> dict[str, Any]:
    comment = {
        "field": "feed",
        "value": {
            "item": "comment", "verb": "add", "comment_id": "p1_c1", "post_id": "p1",
            "from": {"id": "u1", "name": "Khách"}, "message": "chốt A01 x2",
            "created_time": NOW_MS // 1000,
        },
    }  # fmt: skip
    message = {
        "sender": {"id": "psid1"}, "recipient": {"id": "page1"}, "timestamp": NOW_MS,
        "message": {"mid": "m1", "text": "ok"},
    }  # fmt: skip
    entry = {
        "id": "page1",
        "time": NOW_MS,
        "changes": [comment],
        "messaging": [message],
        "standby": [message],
        "hop_context": [{"app_id": 263902037430900, "metadata": ""}],
    }
    return {"object": "page", "entry": [entry]}


def tiktok_sample() -> dict[str, Any]:
    data = {"order_id": "576461413038", "update_time": NOW_MS // 1000,
            "order_status": "AWAITING_SHIPMENT", "is_on_hold_order": False}  # fmt: skip
    return {"type": 1, "tts_notification_id": "tts1", "shop_id": "shop1",
            "timestamp": NOW_MS // 1000, "data": data}  # fmt: skip


def zalo_sample() -> dict[str, Any]:
    return {
        "app_id": "zalo-app-1", "user_id_by_app": "app-u1", "event_name": "user_send_text",
        "timestamp": str(NOW_MS), "sender": {"id": "u1"}, "recipient": {"id": "oa1"},
        "message": {"msg_id": "zm1", "text": "chốt A01"},
    }  # fmt: skip


def relay_sample() -> dict[str, Any]:
    return {"comments": [{"id": "c1", "author_id": "a1", "author_name": "Khách",
                          "text": "chốt A01", "live_id": "l1"}]}  # fmt: skip


def ghn_sample() -> dict[str, Any]:
    return {"ShopID": 885, "OrderCode": "GHN1", "ClientOrderCode": "CD0000001",
            "Type": "switch_status", "Status": "delivered", "Time": "2026-11-26T01:00:00Z",
            "CODAmount": 360000, "Reason": "", "Description": ""}  # fmt: skip


def ghtk_sample() -> dict[str, Any]:
    return {"label_id": "S1.A1.1", "partner_id": "CD0000001", "status_id": "5",
            "action_time": "2026-11-26T08:00:00+07:00", "reason_code": "", "reason": "",
            "pick_money": "360000"}  # fmt: skip


def viettelpost_sample(token: str = "") -> dict[str, Any]:
    data = {"ORDER_NUMBER": "VTP1", "ORDER_REFERENCE": "CD0000001",
            "ORDER_STATUSDATE": "26/11/2026 08:00:00", "ORDER_STATUS": 501, "STATUS_NAME": "",
            "MONEY_COLLECTION": 360000, "IS_RETURNING": False, "NOTE": ""}  # fmt: skip
    return {"DATA": data, "TOKEN": token}


def payment_sample() -> dict[str, Any]:
    return {"transaction_id": "FT26330001", "amount": 360000, "content": "CD0000001 chuyen khoan"}


BANK_ACCOUNT = "0011001234567"  # connected for every provider in the hostile walk


def bank_sample(provider: BankProvider) -> Callable[[], dict[str, Any]]:
    """The provider's published sample, addressed to BANK_ACCOUNT and naming an order."""
    return lambda: addressed(provider, account=BANK_ACCOUNT, content="CD0000001 chuyen khoan",
                             transaction_id=92704, amount=360000)  # fmt: skip


SAMPLES = {
    "facebook": facebook_sample, "tiktok": tiktok_sample, "zalo": zalo_sample,
    "relay": relay_sample, "ghn": ghn_sample, "ghtk": ghtk_sample,
    "viettelpost": viettelpost_sample, "payments": payment_sample,
    **{provider.value: bank_sample(provider) for provider in BankProvider},
}  # fmt: skip

# Values of the wrong type or out of every range a field could expect.
HOSTILE_SCALARS = [
    None, True, False, 0, -1, 2**63, -(2**63) - 1, 10**400, 1e308, -1e308, 0.5, "", " ",
    "\u0000", "a\u0000b", "9" * 5000, "x" * 100_000, "<script>alert(1)</script>",
    "'; DROP TABLE orders; --", "\ud7ff\ue000\uffff", "🙂" * 50, [], {}, [None], {"": None},
]  # fmt: skip

json_scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=50), st.sampled_from(HOSTILE_SCALARS),
)  # fmt: skip
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def dumps(value: Any) -> bytes:
    """JSON text of any value, huge integers included (orjson refuses them)."""
    import json

    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*prefix, i))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(copy[head], rest, new)
    return copy


@st.composite
def mutated(draw: st.DrawFn, sample: dict[str, Any]) -> dict[str, Any]:
    """The sample with one to three of its fields (at any depth) replaced or removed."""
    value: Any = sample
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(value) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        value = _replace(value, path, draw(json_values))
    return value if isinstance(value, dict) else {"value": value}


HOSTILE_TEXTS = [
    "", "\u0000", "a\u0000b", "9" * 5000, "x" * 100_000, "<script>x</script>",
    "'; DROP TABLE orders; --", "0912345678", "-1", "1e999", "99999999999999999999",
]  # fmt: skip
hostile_texts = st.one_of(st.text(max_size=300), st.sampled_from(HOSTILE_TEXTS))
hostile_ints = st.one_of(
    st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 2**63, 2**64, 10**30, -(10**30)])
)


@st.composite
def retyped(draw: st.DrawFn, sample: dict[str, Any]) -> dict[str, Any]:
    """The sample with some leaves given hostile values of the same type (so parsing goes deep)."""
    value: Any = sample
    for path in [p for p in _paths(sample) if p]:
        leaf: Any = sample
        for step in path:
            leaf = leaf[step]
        if isinstance(leaf, dict | list) or not draw(st.booleans()):
            continue
        if isinstance(leaf, bool):
            continue
        new = draw(hostile_ints) if isinstance(leaf, int) else draw(hostile_texts)
        value = _replace(value, path, new)
    return dict(value)


def broken_bytes(body: bytes) -> st.SearchStrategy[bytes]:
    """The body truncated, or with invalid UTF-8 / NUL bytes spliced in."""
    junk = st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x00", b"\xf0\x28\x8c\x28"])
    return st.one_of(
        st.integers(0, len(body)).map(lambda n: body[:n]),
        st.tuples(st.integers(0, len(body)), junk).map(
            lambda t: body[: t[0]] + t[1] + body[t[0] :]
        ),
    )


def _form(value: dict[str, Any]) -> bytes:
    return urlencode({k: str(x) for k, x in value.items()}).encode("utf-8", "surrogatepass")


def bodies(name: str) -> st.SearchStrategy[bytes]:
    """Hostile bodies for the webhook `name`: mutations of its real shape and raw junk."""
    sample = SAMPLES[name]()
    encode = (
        (lambda v: urlencode({k: str(x) for k, x in v.items()}).encode())
        if name == "ghtk"
        else dumps
    )
    return st.one_of(
        retyped(sample).map(encode),
        retyped(sample).map(encode),
        mutated(sample).map(encode),
        json_values.map(dumps),
        broken_bytes(encode(sample)),
        st.binary(max_size=200),
    )


# Fixed hostile bodies for the HTTP walk: one of each kind, deterministic.
def fixed_bodies(name: str) -> list[bytes]:
    sample = SAMPLES[name]()
    good = dumps(sample)
    found = [
        b"", b"{", b"null", b"[]", b'"text"', b"123", b"\xff\xfe\xfd", good[: len(good) // 2],
        good.replace(b"{", b"{\x00", 1), dumps({"a": 10**400}), b"[" * 5000 + b"]" * 5000,
    ]  # fmt: skip
    for path in [p for p in _paths(sample) if p]:
        for hostile in (None, 10**30, "\u0000", [], {"x": 1}, "x" * 10_000, -1):
            found.append(dumps(_replace(sample, path, hostile)))
    return found
