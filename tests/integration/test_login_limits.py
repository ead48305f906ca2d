"""Issue 24: login tries are reserved atomically before any password is hashed, delays grow
progressively, nobody can keep the director out, hashing never blocks the event loop, and the
login form's CSRF cookie is signed. Parallel tries are sent with asyncio.gather."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from aggregator.core.links import derive_key
from aggregator.core.login_limits import delay_s
from aggregator.core.signed import sign
from aggregator.settings import Settings
from aggregator.web.app import create_app
from aggregator.web.keys import PASSWORDS
from aggregator.web.login_cookies import FORM_PURPOSE
from schema.enums import StaffRole
from tests.support.factories import seed_shop
from tests.support.processes import cli_env, run_cli
from tests.support.staff import PASSWORD, add_staff, hidden
from workers.system_jobs import forget_login_tries_job

Client = TestClient  # type: ignore[type-arg]
# Only the per-login bucket, with a delay that outlasts a slow test machine.
WIDE = {
    "login_tries_per_address": 10_000, "login_tries_per_minute": 10_000, "login_first_delay_s": 60
}  # fmt: skip


@contextlib.asynccontextmanager
async def _client(settings: Settings, **overrides: Any) -> AsyncIterator[Client]:
    app = create_app(settings.model_copy(update={"password_queue": 200, **overrides}))
    async with TestClient(TestServer(app)) as client:
        yield client


async def _form(client: Client) -> tuple[str, str]:
    """The form's nonce and its signed cookie: parallel tries all send this pair (each answer
    sets a new cookie in the jar, which a browser's next form would go with)."""
    page = await client.get("/dang-nhap")
    return hidden(await page.text()), page.cookies["cd_login"].value


async def _try(
    client: Client,
    csrf: tuple[str, str],
    login: str,
    password: str,
    headers: dict[str, str] | None = None,
) -> int:
    answer = await client.post(
        "/dang-nhap", data={"csrf": csrf[0], "login": login, "password": password},
        headers=headers or {}, cookies={"cd_login": csrf[1]}, allow_redirects=False,
    )  # fmt: skip
    return answer.status


async def _director(db: asyncpg.Connection) -> tuple[int, str]:
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    return shop.tenant_id, login


async def test_sixty_parallel_wrong_guesses_check_only_the_allowed_five(
    settings: Settings, db: asyncpg.Connection
) -> None:
    _, login = await _director(db)
    async with _client(settings, **WIDE) as client:
        csrf = await _form(client)
        answers = await asyncio.gather(
            *(_try(client, csrf, login, "sai-mat-khau") for _ in range(60))
        )
    assert Counter(answers) == {401: 5, 429: 55}  # the race checked 47
    assert await db.fetchval("SELECT count(*) FROM login_failures") == 5


async def test_nineteen_wrong_and_one_right_after_four_failures_check_one(
    settings: Settings, db: asyncpg.Connection
) -> None:
    _, login = await _director(db)
    async with _client(settings, **WIDE) as client:
        csrf = await _form(client)
        for _ in range(4):
            assert await _try(client, csrf, login, "sai-mat-khau") == 401
        passwords = ["sai-mat-khau"] * 19 + [PASSWORD]
        answers = await asyncio.gather(*(_try(client, csrf, login, p) for p in passwords))
    assert answers.count(429) == 19  # one try left: exactly one was checked, right or wrong
    assert await db.fetchval("SELECT count(*) FROM login_failures") in (4, 5)


async def _delay_of(db: asyncpg.Connection, login: str) -> tuple[int, float]:
    """(tries counted, the delay the last one set) of a login's bucket."""
    row = await db.fetchrow(
        "SELECT attempts, CASE WHEN isfinite(blocked_until) "
        "THEN extract(epoch FROM blocked_until - updated_at) ELSE 0 END::float8 AS delay "
        "FROM login_limits WHERE scope = 'login' AND key = $1",
        login,
    )
    return row["attempts"], row["delay"]


async def _wait_over(db: asyncpg.Connection) -> None:
    """As if the delay had passed (no sleeping: a slow machine would blur the timing)."""
    await db.execute("UPDATE login_limits SET blocked_until = now() - interval '1 ms'")


async def test_delays_grow_progressively_and_a_right_password_clears_them(
    settings: Settings, db: asyncpg.Connection
) -> None:
    _, login = await _director(db)
    async with _client(settings, **(WIDE | {"login_tries_per_login": 2})) as c:
        csrf = await _form(c)
        assert [await _try(c, csrf, login, "sai") for _ in range(2)] == [401, 401]
        assert await _delay_of(db, login) == (2, 60.0)
        until = "SELECT blocked_until FROM login_limits WHERE scope = 'login'"
        blocked_until = await db.fetchval(until)
        form = {"csrf": csrf[0], "login": login, "password": PASSWORD}
        delayed = await c.post("/dang-nhap", data=form, cookies={"cd_login": csrf[1]})
        assert delayed.status == 429 and 0 < int(delayed.headers["Retry-After"]) <= 60
        assert "Có nhiều lần đăng nhập sai. Hãy thử lại sau" in await delayed.text()
        assert await db.fetchval(until) == blocked_until  # a refused try does not lengthen it
        await _wait_over(db)
        assert await _try(c, csrf, login, "sai") == 401  # the third try: twice as long
        assert await _delay_of(db, login) == (3, 120.0)
        again = await c.post("/dang-nhap", data=form, cookies={"cd_login": csrf[1]})
        assert again.status == 429 and 60 < int(again.headers["Retry-After"]) <= 120
        await _wait_over(db)
        assert await _try(c, csrf, login, PASSWORD) == 303
        assert await _delay_of(db, login) == (0, 0.0)  # forgotten after the success


async def test_new_login_names_from_one_address_are_stopped_by_the_address_limit(
    settings: Settings, db: asyncpg.Connection
) -> None:
    await _director(db)
    async with _client(settings, login_tries_per_address=5) as client:
        csrf = await _form(client)
        answers = [await _try(client, csrf, f"ten-moi-{i}", "sai-mat-khau") for i in range(12)]
    assert answers == [401] * 5 + [429] * 7
    # all or nothing: the refused tries used up neither the server's budget nor any login's
    counted = "SELECT sum(attempts) FROM login_limits WHERE scope = $1"
    assert await db.fetchval(counted, "global") == await db.fetchval(counted, "login") == 5


async def test_the_server_wide_limit_caps_hashing_per_minute(
    settings: Settings, db: asyncpg.Connection
) -> None:
    await _director(db)
    async with _client(settings, login_tries_per_address=10_000, login_tries_per_minute=3) as c:
        csrf = await _form(c)
        minute = int(time.time()) // 60
        answers = await asyncio.gather(*(_try(c, csrf, f"ten-{i}", "sai") for i in range(10)))
    if int(time.time()) // 60 == minute:  # a new minute is a new bucket
        assert Counter(answers) == {401: 3, 429: 7}


async def test_behind_a_trusted_proxy_the_forwarded_client_is_limited_not_the_proxy(
    settings: Settings, db: asyncpg.Connection
) -> None:
    await _director(db)
    behind = {"login_tries_per_address": 2, "trusted_proxies": "127.0.0.1/32, ::1/128"}
    async with _client(settings, **behind) as client:
        csrf = await _form(client)
        one = {"X-Forwarded-For": "6.6.6.6, 203.0.113.1"}  # the client may prepend lies
        first = [await _try(client, csrf, f"a{i}", "sai", one) for i in range(3)]
        other = await _try(client, csrf, "b", "sai", {"X-Forwarded-For": "203.0.113.2"})
    assert first == [401, 401, 429] and other == 401
    assert await db.fetchval(
        "SELECT array_agg(DISTINCT ip ORDER BY ip) FROM login_failures"
    ) == ["203.0.113.1", "203.0.113.2"]  # fmt: skip
    async with _client(settings, login_tries_per_address=2) as direct:  # no trusted proxy
        csrf = await _form(direct)
        spoofed = [
            await _try(direct, csrf, f"c{i}", "sai", {"X-Forwarded-For": f"198.51.100.{i}"})
            for i in range(3)
        ]
    assert spoofed == [401, 401, 429]  # a spoofed header from an untrusted peer changes nothing


def _drop_session(client: Client) -> None:
    """Log out locally, keeping the device cookie (the login page redirects a session away)."""
    client.session.cookie_jar.clear(lambda cookie: cookie.key == "cd_staff")


async def test_others_cannot_keep_the_director_out_of_a_trusted_device(
    settings: Settings, db: asyncpg.Connection
) -> None:
    tenant_id, director = await _director(db)
    _, packer = await add_staff(db, tenant_id, StaffRole.PACKER)
    async with _client(settings, **WIDE) as phone, _client(settings, **WIDE) as attacker:
        assert await _try(phone, await _form(phone), director, PASSWORD) == 303  # device trusted
        _drop_session(phone)
        assert await _try(attacker, await _form(attacker), packer, PASSWORD) == 303
        _drop_session(attacker)
        csrf = await _form(attacker)  # the attacker's own device cookie is the packer's
        flood = await asyncio.gather(*(_try(attacker, csrf, director, "x") for _ in range(30)))
        assert Counter(flood) == {401: 5, 429: 25}
        assert await _try(attacker, csrf, director, PASSWORD) == 429  # even with the password
        assert await _try(phone, await _form(phone), director, PASSWORD) == 303
        _drop_session(phone)
        assert await _try(phone, await _form(phone), director, "x") == 401  # its own bucket
    async with _client(settings, **WIDE) as stranger:
        forged = sign(derive_key(b"guessed", "chotdon.trusted-device.v1"), f"{director}|d", 2**40)
        stranger.session.cookie_jar.update_cookies({"cd_device": forged})
        assert await _try(stranger, await _form(stranger), director, PASSWORD) == 429


async def test_the_dashboard_tells_the_director_of_the_attack(
    settings: Settings, db: asyncpg.Connection
) -> None:
    tenant_id, director = await _director(db)
    _, other = await add_staff(db, tenant_id, StaffRole.DIRECTOR)
    async with _client(settings, **WIDE) as client:
        csrf = await _form(client)
        await asyncio.gather(*(_try(client, csrf, director, "x") for _ in range(9)))
        assert await _try(client, csrf, other, PASSWORD) == 303
        page = await (await client.get("/bang-dieu-khien")).text()
    assert "Tài khoản đang bị tạm hoãn đăng nhập" in page and director in page
    assert "Trong 1 giờ qua có 9 lần đăng nhập sai" in page  # 5 checked, 4 turned away


async def test_staff_unlock_lets_a_delayed_login_in_at_once(
    settings: Settings, db: asyncpg.Connection, database_url: str, redis_url: str
) -> None:
    _, login = await _director(db)
    async with _client(settings, **WIDE) as client:
        csrf = await _form(client)
        await asyncio.gather(*(_try(client, csrf, login, "x") for _ in range(8)))
        assert await _try(client, csrf, login, PASSWORD) == 429
        env = cli_env(DATABASE_URL=database_url, REDIS_URL=redis_url)
        done = await asyncio.to_thread(run_cli, "staff", "unlock", login.upper(), env=env)
        assert done.returncode == 0 and "may log in now" in done.stdout, done.stderr
        assert await _try(client, csrf, login, PASSWORD) == 303
    again = await asyncio.to_thread(run_cli, "staff", "unlock", login, env=env)
    assert again.returncode == 0 and "nothing to unlock" in again.stdout


async def test_a_forged_csrf_cookie_and_field_pair_is_refused(
    settings: Settings, db: asyncpg.Connection
) -> None:
    _, login = await _director(db)
    async with _client(settings) as client:
        nonce, signed = await _form(client)
        assert signed != nonce and signed.count(".") == 1  # the cookie is signed, not the nonce
        client.session.cookie_jar.clear()
        forged_key = derive_key(b"guessed-secret", FORM_PURPOSE)
        pairs = [
            ("plain-nonce", "plain-nonce"),  # the old unsigned double submit
            ("n1", sign(forged_key, "n1", 2**40)),  # signed with the wrong key
            ("another-nonce", signed),  # a real cookie, another field
            (nonce, ""),  # no cookie
        ]
        for pair in pairs:
            assert await _try(client, pair, login, PASSWORD) == 403
        assert await _try(client, (nonce, signed), "giam\x00doc", PASSWORD) == 400
        assert await _try(client, (nonce, signed), login, PASSWORD) == 303
    assert await db.fetchval("SELECT count(*) FROM staff_sessions") == 1


async def test_health_answers_while_passwords_are_hashed_and_a_full_pool_says_503(
    settings: Settings, db: asyncpg.Connection
) -> None:
    await _director(db)
    async with _client(settings, password_workers=1, **WIDE) as client:
        pool = client.server.app[PASSWORDS]
        csrf = await _form(client)
        seen: list[int] = []  # hashes in flight when each /healthz answer came back

        async def health_while(logins: asyncio.Future[Any]) -> None:
            while not logins.done():
                started = time.perf_counter()
                assert (await client.get("/healthz")).status == 200
                seen.append(pool.in_flight)
                print(f"healthz {1000 * (time.perf_counter() - started):.1f} ms")
                await asyncio.sleep(0.005)

        logins = asyncio.gather(*(_try(client, csrf, f"ten-{i}", "sai") for i in range(8)))
        await health_while(logins)
        assert (await logins) == [401] * 8
    # Eight hashes on one thread took a while; /healthz kept answering while they were queued
    # or running (on the event loop, no answer could have come back in between).
    assert sum(1 for n in seen if n > 0) >= 3, seen
    async with _client(settings, password_workers=1, password_queue=1, **WIDE) as client:
        csrf = await _form(client)
        answers = await asyncio.gather(*(_try(client, csrf, f"x{i}", "sai") for i in range(6)))
    assert answers.count(503) >= 1 and answers.count(401) >= 2 and set(answers) <= {401, 503}


async def test_the_sql_delay_is_the_documented_rule(db: asyncpg.Connection) -> None:
    for tries in range(1, 14):
        waited = await db.fetchval(
            "SELECT CASE WHEN isfinite(u) THEN extract(epoch FROM u - now()) ELSE 0 END "
            "FROM chotdon_login_blocked_until($1, 3, 2.0, 300.0) AS u",
            tries,
        )
        assert float(waited) == delay_s(tries, 3, 2.0, 300.0)


async def test_the_courier_allow_list_sees_the_client_behind_a_trusted_proxy_only(
    settings: Settings,
) -> None:
    fenced = {"courier_webhook_allow_ips": "203.0.113.0/24", "ghn_webhook_secret": SecretStr("s")}
    courier = {"X-Forwarded-For": "203.0.113.5"}
    stranger = {"X-Forwarded-For": "203.0.113.5, 198.51.100.1"}  # a lie, then the real client
    async with _client(settings, trusted_proxies="127.0.0.1, ::1", **fenced) as client:
        allowed = await client.post("/webhooks/ghn", json={}, headers=courier)
        refused = await client.post("/webhooks/ghn", json={}, headers=stranger)
    assert allowed.status == 401 and refused.status == 403  # past the allow-list: no secret
    async with _client(settings, **fenced) as direct:  # no trusted proxy: the header is ignored
        assert (await direct.post("/webhooks/ghn", json={}, headers=courier)).status == 403


async def test_a_full_pool_does_not_keep_a_trusted_device_waiting(
    settings: Settings, db: asyncpg.Connection
) -> None:
    _, director = await _director(db)
    async with _client(settings, password_workers=1, password_queue=0, **WIDE) as phone:
        assert await _try(phone, await _form(phone), director, PASSWORD) == 303
        _drop_session(phone)
        csrf, mine = await _form(phone), await _form(phone)
        flood = [_try(phone, csrf, f"ke-{i}", "x") for i in range(6)]  # not its login
        answers = await asyncio.gather(*flood, _try(phone, mine, director, PASSWORD))
    assert 503 in answers[:-1] and answers[-1] == 303  # the device's own lane


async def test_quiet_buckets_are_forgotten_by_the_worker_job(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    await _director(db)
    async with _client(settings, **WIDE) as client:
        csrf = await _form(client)
        await asyncio.gather(*(_try(client, csrf, f"ten-{i}", "x") for i in range(3)))
    await db.execute(
        "UPDATE login_limits SET updated_at = now() - interval '2 hours' WHERE key <> 'ten-0'"
    )
    await db.execute(
        "UPDATE login_failures SET at = now() - interval '2 days' WHERE login <> 'ten-0'"
    )
    assert await forget_login_tries_job({"pg_pool": pool}) == 4  # address, minute, ten-1, ten-2
    assert await db.fetchval("SELECT array_agg(key) FROM login_limits") == ["ten-0"]
    assert await db.fetchval("SELECT array_agg(login) FROM login_failures") == ["ten-0"]
