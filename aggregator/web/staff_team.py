"""The director's staff page, /cai-dat/nhan-vien: accounts, login delays, unlock, new password.

A delayed login (others typed wrong passwords for it) is opened again with one tap; a staff
member who forgot the password gets a new one, shown to the director once on the answer page
(never in a URL, never logged, never kept but as its hash).
"""

from __future__ import annotations

from aiohttp import web

from aggregator.core.staff import Area
from aggregator.staff.accounts import StaffUser
from aggregator.staff.passwords import PasswordPoolBusyError
from aggregator.staff.team import (
    ADDABLE,
    ROLE_TEXT,
    AccountFormError,
    NoSuchAccountError,
    NotYoursError,
    account_form,
    accounts,
    add_account,
    reset_password,
    unlock_account,
)
from aggregator.web.forms import posted_form
from aggregator.web.keys import PASSWORDS, PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page

PATH = "/cai-dat/nhan-vien"


async def _page(
    request: web.Request, staff: StaffUser, *, notice: str = "", problem: str = "",
    new_password: tuple[str, str] | None = None, status: int = 200,
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
) -> web.Response:  # fmt: skip
    context = {
        "staff": staff, "csrf": staff.csrf_token, "role_text": ROLE_TEXT, "notice": notice,
        "problem": problem, "new_password": new_password, "addable": ADDABLE,
        "values": values or {}, "errors": errors or {},
        "accounts": await accounts(request.app[PG_POOL], staff),
    }  # fmt: skip
    return render(request, "staff_team.html", context, status=status)


@staff_page(Area.SETUP)
async def team(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _page(request, staff)


@staff_page(Area.SETUP)
async def unlock(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    try:
        name = await unlock_account(request.app[PG_POOL], staff, path_id(request))
    except NoSuchAccountError:
        raise web.HTTPNotFound() from None
    notice = f"Đã mở khoá: {name} đăng nhập lại được ngay."
    return await _page(request, staff, notice=notice)


@staff_page(Area.SETUP)
async def new_password(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    try:
        done = await reset_password(
            request.app[PG_POOL], request.app[PASSWORDS], staff, path_id(request)
        )
    except NoSuchAccountError:
        raise web.HTTPNotFound() from None
    except NotYoursError:
        problem = "Chỉ đặt lại được mật khẩu của nhân viên và người đóng gói."
        return await _page(request, staff, problem=problem, status=403)
    except PasswordPoolBusyError:
        problem = "Máy chủ đang bận. Hãy thử lại sau ít giây."
        return await _page(request, staff, problem=problem, status=503)
    return await _page(request, staff, new_password=done)


@staff_page(Area.SETUP)
async def add(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    """A new staff member or packer; the password is shown once, like a reset."""
    form = {k: v for k, v in (await posted_form(request)).items() if isinstance(v, str)}
    try:
        new = account_form(form)
        password = await add_account(request.app[PG_POOL], request.app[PASSWORDS], staff, new)
    except AccountFormError as exc:
        problem = "Hãy kiểm tra lại các ô được đánh dấu."
        return await _page(request, staff, problem=problem, values=form, errors=exc.errors,
                           status=422)  # fmt: skip
    except PasswordPoolBusyError:
        problem = "Máy chủ đang bận. Hãy thử lại sau ít giây."
        return await _page(request, staff, problem=problem, values=form, status=503)
    notice = f"Đã thêm {new.display_name} ({ROLE_TEXT[new.role]}), tên đăng nhập {new.login}."
    return await _page(request, staff, notice=notice, new_password=(new.display_name, password))


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, team, name="staff_team")
    app.router.add_post(PATH + "/them", add, name="staff_team_add")
    app.router.add_post(PATH + "/{id}/mo-khoa", unlock, name="staff_team_unlock")
    app.router.add_post(PATH + "/{id}/mat-khau", new_password, name="staff_team_password")
