"""Hostile requests for any route of the app, sent raw (http.client) so nothing is cleaned up on
the way: NUL bytes, non-ASCII digits, invalid UTF-8, broken multipart and unknown charsets, in
the path, the query, the headers and the body. Used by tests/integration/test_route_fuzz.py."""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass, field
from urllib.parse import quote

# Values that broke handlers somewhere once: NUL (Postgres text refuses it), digits int() refuses
# ('²') or takes ('١'), numbers past bigint and float, odd whitespace, markup, a formula, long text.
HOSTILE_TEXT = (
    "\x00", "a\x00b", "1\x00", "²", "¹²³", "١٢", "１２", "9" * 19, "-1", "0", "1e999", "NaN",
    "", " ", "\r\n", "\t=cmd|' /C calc'!A0", "<script>alert(1)</script>", "' OR 1=1 --",
    "null", "[]", "{}", "%", "x" * 5000, "Nguyễn Thị Lan", "\ufeff", "\u202e",
)  # fmt: skip
# Raw (already percent-encoded) path segments: a segment that decodes to NUL, '²', invalid
# UTF-8, a slash, dots, or a very long id.
HOSTILE_SEGMENTS = (
    "%00", "1%00", "%C2%B2", "%C2%B9", "%FF", "%C3", "..", "%2F", "-1", "0", "9" * 25,
    "%D9%A1", "a" * 300, "%20", "1.5", "%E2%80%AE",
)  # fmt: skip
# Form field names the staff and buyer forms read (so hostile values reach the handlers).
FIELDS = (
    "login", "password", "id", "order", "merge", "product", "channel", "live", "session", "qty",
    "reason", "phone", "name", "province", "ward", "address", "street", "note", "payment",
    "action", "digest", "proof", "barcode", "code", "price_vnd", "weight_g", "aliases",
    "variants", "title", "percent", "amount_vnd", "from", "to", "q", "kind", "platform",
    "external_id", "secret", "status", "line", "qty_0", "line_0", "stock_1", "keywords",
    "template", "item", "comment", "buyer", "target", "other", "text", "hold_mode", "csv",
)  # fmt: skip
TIMESTAMP_HEADERS = ("X-Chotdon-Timestamp", "X-SePay-Timestamp", "X-Casso-Signature")


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # raw, percent-encoded as sent
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def label(self) -> str:
        kind = self.headers.get("Content-Type", "")
        return f"{self.method} {self.path[:120]} [{kind[:60]}] {self.body[:80]!r}"


def encode_form(fields: dict[str, str]) -> bytes:
    return "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in fields.items()).encode()


def multipart(fields: dict[str, str], boundary: str = "fuzzboundary") -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode("utf-8", "surrogatepass")


FORM = "application/x-www-form-urlencoded"


def bodies(form: dict[str, str]) -> list[tuple[dict[str, str], bytes]]:
    """(headers, body) of the hostile body kinds, each carrying `form`'s fields where it can."""
    good = encode_form(form)
    return [
        ({"Content-Type": FORM}, good),
        ({"Content-Type": FORM}, good + b"&qty=%FF%FE&name=%C3&login=%00"),  # invalid UTF-8
        ({"Content-Type": FORM + "; charset=no-such-charset"}, good),
        ({"Content-Type": FORM + "; charset=utf-16"}, good),
        ({"Content-Type": "multipart/form-data"}, multipart(form)),  # no boundary
        ({"Content-Type": "multipart/form-data; boundary=fuzzboundary; charset=nope"},
         multipart(form)),
        ({"Content-Type": "multipart/form-data; boundary=fuzzboundary"},
         b"--fuzzboundary\r\nContent-Disposition: form-data; name=\"x\"; filename*=bogus''%FF\r\n"
         b"Content-Type: text/plain; charset=nope\r\n\r\n\xff\xfe\x00\r\n--fuzzbound"),  # cut
        ({"Content-Type": "multipart/form-data; boundary=fuzzboundary"}, b"not multipart"),
        ({"Content-Type": "application/json"}, b'{"a": "\\u0000", "id": "\\u00b2", "n": 1e999}'),
        ({"Content-Type": "application/json"}, b"\xff\xfe{"),
        ({"Content-Type": "text/plain; charset=utf-8"}, b"\xff\xfe\x00"),
        ({}, b""),
    ]  # fmt: skip


def fill(pattern: str, values: dict[str, str], segment: str | None = None) -> str:
    """The pattern with each {name} replaced by `values[name]`, or all by one raw `segment`."""

    def one(match: re.Match[str]) -> str:
        if segment is not None:
            return segment
        return values.get(match.group(1), "1")

    return re.sub(r"\{([^}]+)\}", one, pattern)


@dataclass
class RawClient:
    host: str
    port: int

    def send(self, request: Request, cookie: str = "") -> int:
        """The status (a connection the server cut counts as 599, a failure too)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=15)
        try:
            conn.putrequest(request.method, request.path, skip_accept_encoding=True)
            headers = dict(request.headers)
            if cookie:
                headers["Cookie"] = cookie
            if request.method == "POST":
                headers["Content-Length"] = str(len(request.body))
            for name, value in headers.items():
                conn.putheader(name, value.encode("utf-8"))  # '１２' is not latin-1
            conn.endheaders(request.body if request.method == "POST" else None)
            response = conn.getresponse()
            if response.getheader("Content-Type", "").startswith("text/event-stream"):
                return response.status  # the dashboard's stream: the status is enough
            response.read()
            return response.status
        except (ConnectionError, http.client.HTTPException, TimeoutError):
            return 599
        finally:
            conn.close()
