"""Facebook Login for Business in the Facebook simulator: the dialog, the code and token
exchanges, the person's Pages and the Pages' app subscriptions (shapes: connectors/facebook/login.py
and tests/fixtures/wire/facebook/login_*.json, which cite the docs).

GET  /v21.0/dialog/oauth                 the login and consent screen (a stand-in, consent.py)
POST /v21.0/dialog/oauth/sim-consent     allow → redirect_uri?code=…&state=…;
                                         refuse → redirect_uri?error_reason=user_denied&error=…
GET  /v21.0/oauth/access_token           code → short-lived user token (client_id,
                                         redirect_uri, client_secret, code; a code works once);
                                         grant_type=fb_exchange_token → long-lived user token
GET  /v21.0/me/accounts                  the person's Pages, each with its Page token, which the
                                         rest of the simulator then accepts for that Page
POST /v21.0/{page-id}/subscribed_apps    subscribed_fields=feed,… with the Page token
GET  /v21.0/{page-id}/subscribed_apps    what the app is subscribed to on the Page
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from connectors.simulators.consent import consent_page, redirect_to

SHORT_LIVED_S = 3600 * 2
LONG_LIVED_S = 5_183_944  # the docs' sample answer: about 60 days


@dataclass
class FacebookLogin:
    """The person who logs in: their Pages, and what the flow handed out."""

    app_id: str = "chotdon-demo-app"
    app_secret: str = ""  # empty: any client_secret is accepted
    person: str = "Nguyễn Thị Hoa"
    pages: list[tuple[str, str]] = field(
        default_factory=lambda: [
            ("104857600000001", "HTX Nông sản Vũ Thư"),
            ("104857600000002", "Mật ong Ba Vì - HTX"),
        ]
    )
    # what the person may do on each Page (Page roles as tasks)
    tasks: list[str] = field(
        default_factory=lambda: [
            "ADVERTISE",
            "ANALYZE",
            "CREATE_CONTENT",
            "MESSAGING",
            "MODERATE",
            "MANAGE",
        ]
    )
    codes: dict[str, str] = field(default_factory=dict)  # unused code → redirect_uri
    user_tokens: dict[str, bool] = field(default_factory=dict)  # user token → long-lived
    subscriptions: dict[str, list[str]] = field(default_factory=dict)  # page id → fields
    exchanges: int = 0
    refuse_subscriptions: bool = False  # as when pages_manage_metadata was not granted


def _error(status: int, code: int, message: str, kind: str = "OAuthException") -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind, "code": code}},
                             status=status)  # fmt: skip


async def dialog(login: FacebookLogin, request: web.Request) -> web.StreamResponse:
    q = request.query
    if q.get("client_id") != login.app_id or not q.get("redirect_uri"):
        return web.Response(status=400, text="Invalid App ID or redirect_uri")
    hidden = {k: q.get(k, "") for k in ("redirect_uri", "state", "config_id")}
    grants = [f"Trang {name}" for _, name in login.pages] + [
        "pages_show_list, pages_manage_metadata, pages_read_engagement, pages_messaging"
    ]
    return consent_page("Facebook", login.person, grants, "oauth/sim-consent", hidden)


async def consent(login: FacebookLogin, request: web.Request) -> web.StreamResponse:
    form = await request.post()
    redirect_uri, state = str(form.get("redirect_uri", "")), str(form.get("state", ""))
    if form.get("decision") != "allow":
        raise redirect_to(redirect_uri, {
            "error_reason": "user_denied", "error": "access_denied",
            "error_description": "Permissions error.",
        })  # fmt: skip
    code = secrets.token_urlsafe(24)
    login.codes[code] = redirect_uri
    raise redirect_to(redirect_uri, {"code": code, "state": state})


def _token_answer(token: str, expires_in: int) -> web.Response:
    return web.json_response(
        {"access_token": token, "token_type": "bearer", "expires_in": expires_in}
    )


async def access_token(login: FacebookLogin, request: web.Request) -> web.Response:
    q = request.query
    login.exchanges += 1
    if q.get("client_id") != login.app_id:
        return _error(400, 101, "Error validating application. Invalid application ID.")
    if login.app_secret and q.get("client_secret") != login.app_secret:
        return _error(400, 1, "Error validating client secret.")
    if q.get("grant_type") == "fb_exchange_token":
        if q.get("fb_exchange_token") not in login.user_tokens:
            return _error(400, 190, "Error validating access token: Session has expired.")
        token = "EAAL" + secrets.token_urlsafe(24)
        login.user_tokens[token] = True
        return _token_answer(token, LONG_LIVED_S)
    redirect_uri = login.codes.pop(q.get("code", ""), None)
    if redirect_uri is None or redirect_uri != q.get("redirect_uri"):
        return _error(400, 100, "This authorization code has been used.")  # subcode 36009 real
    token = "EAAS" + secrets.token_urlsafe(24)
    login.user_tokens[token] = False
    return _token_answer(token, SHORT_LIVED_S)


async def accounts(
    login: FacebookLogin, page_tokens: dict[str, str], request: web.Request
) -> web.Response:
    if request.query.get("access_token") not in login.user_tokens:
        return _error(400, 190, "Error validating access token: Session has expired.")
    data = []
    for page_id, name in login.pages:
        token = page_tokens.setdefault(page_id, "EAAP" + secrets.token_urlsafe(24))
        category = [{"id": "2209", "name": "Farm"}]  # a Page category, as /me/accounts lists
        data.append({"id": page_id, "name": name, "access_token": token, "category": "Farm",
                     "category_list": category,
                     "tasks": list(login.tasks)})  # fmt: skip
    cursors = {"before": "QVFIUmFhb", "after": "QVFIUmZA3"}
    return web.json_response({"data": data, "paging": {"cursors": cursors}})


async def subscribed_apps(
    login: FacebookLogin, page_tokens: dict[str, str], request: web.Request
) -> web.Response:
    page_id = request.match_info["page_id"]
    if page_tokens.get(page_id) != request.query.get("access_token"):
        return _error(400, 190, "Error validating access token: Session has expired.")
    if request.method == "GET":
        fields = login.subscriptions.get(page_id)
        app = {"name": "chotdon", "id": login.app_id, "subscribed_fields": fields}
        return web.json_response({"data": [app] if fields else []})
    if login.refuse_subscriptions:
        return _error(403, 200, "(#200) Requires pages_manage_metadata permission to manage the "
                      "object", "OAuthException")  # fmt: skip
    fields = [f for f in request.query.get("subscribed_fields", "").split(",") if f]
    if not fields:
        return _error(400, 100, "(#100) The parameter subscribed_fields is required.")
    login.subscriptions[page_id] = fields
    return web.json_response({"success": True})


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_login_routes(app: web.Application, login: FacebookLogin, pages: dict[str, str]) -> None:
    """`pages`: the simulator's page id → valid Page token (shared with the Graph routes)."""
    version = "/{version:v[0-9.]+}"

    def bind(handler: Callable[..., Awaitable[web.StreamResponse]], *args: object) -> Handler:
        return functools.partial(handler, login, *args)

    app.router.add_get(version + "/dialog/oauth", bind(dialog))
    app.router.add_post(version + "/dialog/oauth/sim-consent", bind(consent))
    app.router.add_get(version + "/oauth/access_token", bind(access_token))
    app.router.add_get(version + "/me/accounts", bind(accounts, pages))
    app.router.add_get(version + "/{page_id}/subscribed_apps", bind(subscribed_apps, pages))
    app.router.add_post(version + "/{page_id}/subscribed_apps", bind(subscribed_apps, pages))
