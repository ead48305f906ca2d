"""GET/POST /thiet-lap: on an empty installation, the first page creates the cooperative and its
director (name, province, tax code, pickup address; the director's name, login and password),
then signs the director in and opens the settings (/cai-dat). Once a cooperative exists the page
is gone (404): more cooperatives are made by a host (/may-chu) or `chotdon tenant add`."""

from __future__ import annotations

import hmac
from typing import Any

import structlog
from aiohttp import web

from aggregator.core.cooperative import CooperativeFormError, new_cooperative
from aggregator.staff.accounts import SESSION_TTL_S, new_session
from aggregator.staff.cooperatives import (
    AlreadySetUpError,
    create_cooperative,
    is_fresh,
    province_choices,
    province_names,
)
from aggregator.staff.passwords import PasswordPoolBusyError
from aggregator.web.client import over_tls
from aggregator.web.form_guard import new_nonce, nonce_ok, set_nonce_cookie
from aggregator.web.forms import posted_form
from aggregator.web.keys import PASSWORDS, PG_POOL, SETTINGS
from aggregator.web.staff_auth import SESSION_COOKIE, render

log = structlog.get_logger()
PATH = "/thiet-lap"
COOKIE = "cd_setup"
SECRET_FIELDS = ("password", "password2", "setup_token")


def cooperative_form_page(
    request: web.Request, template: str, values: dict[str, str], errors: dict[str, str],
    cookie: str, path: str, status: int = 200, extra: dict[str, Any] | None = None,
) -> web.Response:  # fmt: skip
    """The set-up form (first run or host), with what was typed back (never the passwords)."""
    kept = {k: v for k, v in values.items() if k not in SECRET_FIELDS}
    context: dict[str, Any] = {
        "values": kept, "errors": errors, "provinces": province_choices(), "with_slug": True,
        **(extra or {}),
    }  # fmt: skip
    nonce, signed = new_nonce(request, cookie)
    response = render(request, template, {**context, "csrf": nonce}, status=status)
    set_nonce_cookie(request, response, cookie, path, signed)
    return response


async def _only_when_fresh(request: web.Request) -> None:
    if not await is_fresh(request.app[PG_POOL]):
        raise web.HTTPNotFound()


def _token_of(request: web.Request) -> str:
    token = request.app[SETTINGS].setup_token
    return token.get_secret_value() if token is not None else ""


def _page(
    request: web.Request, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> web.Response:
    extra = {"needs_token": bool(_token_of(request))}
    return cooperative_form_page(
        request, "first_run.html", values, errors, COOKIE, PATH, status, extra
    )


async def first_run_form(request: web.Request) -> web.StreamResponse:
    await _only_when_fresh(request)
    return _page(request, {}, {})


async def first_run_post(request: web.Request) -> web.StreamResponse:
    await _only_when_fresh(request)
    form = await posted_form(request)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    if not nonce_ok(request, COOKIE, values.get("csrf", "")):
        return _page(request, values, {"form": "Biểu mẫu đã hết hạn. Hãy gửi lại."}, 403)
    expected, given = _token_of(request), values.pop("setup_token", "").strip()
    if expected and not hmac.compare_digest(expected.encode(), given.encode()):
        log.warning("tenant.setup_token_refused")
        text = "Mã thiết lập không đúng: xem CHOTDON_SETUP_TOKEN của máy chủ."
        return _page(request, values, {"setup_token": text}, 403)
    try:
        new = new_cooperative(values, province_names())
        digest = await request.app[PASSWORDS].hash(new.director.password)
        created = await create_cooperative(
            request.app[PG_POOL], new, password_hash=digest, first_run=True
        )
    except CooperativeFormError as exc:
        return _page(request, values, exc.errors, 422)
    except AlreadySetUpError:
        raise web.HTTPNotFound() from None
    except PasswordPoolBusyError:
        return _page(request, values, {"form": "Máy chủ đang bận. Hãy gửi lại sau ít giây."}, 503)
    row = {"id": created.staff_id, "tenant_id": created.tenant_id, "login": new.director.login,
           "display_name": new.director.display_name, "role": "director"}  # fmt: skip
    session = await new_session(request.app[PG_POOL], row)  # type: ignore[arg-type]
    response = web.HTTPSeeOther(location="/cai-dat?done=created")
    response.set_cookie(
        SESSION_COOKIE, session.token, path="/", httponly=True, samesite="Lax",
        secure=over_tls(request), max_age=SESSION_TTL_S,
    )  # fmt: skip
    response.del_cookie(COOKIE, path=PATH)
    raise response


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, first_run_form, name="first_run")
    app.router.add_post(PATH, first_run_post, name="first_run_post")
