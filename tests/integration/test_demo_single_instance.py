"""One demo per data folder and per port: a second `chotdon demo` or `chotdon serve` on the folder
or the port of a running demo says so in one line within seconds and changes nothing of it. One
demo (embedded Postgres and Redis, a tiny live so that it prints its logins) serves every test."""

from __future__ import annotations

import http.cookiejar
import re
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from aggregator.cli.services import APP_SECRET_FILE
from aggregator.cli.single_instance import LOCK_FILE
from tests.support.processes import REPO, chotdon, cli_env, free_port, run_cli
from tests.support.staff import hidden

pytestmark = pytest.mark.slow
# A refusal comes at once, not after waiting for the first demo: the margin covers a loaded machine
# (a CLI start alone can take seconds there) and stays far below the waits it guards against.
REFUSED_WITHIN_S = 30.0


@dataclass(frozen=True)
class Demo:
    process: subprocess.Popen[bytes]
    data_dir: Path
    port: int
    first_line: str
    passwords: dict[str, str]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _wait_for_logins(out: Path, demo: subprocess.Popen[bytes], errors: Path) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        text = out.read_text(errors="replace")
        if "donggoi" in text:
            return text
        assert demo.poll() is None, errors.read_text(errors="replace")[-2000:]
        time.sleep(0.2)
    raise AssertionError(f"the demo printed no logins: {out.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("single-instance")
    data_dir, port = folder / "demo-data", free_port()
    out, errors = folder / "stdout.log", folder / "stderr.log"
    process = subprocess.Popen(
        chotdon("demo", "--port", str(port), "--data-dir", str(data_dir), "--no-input",
                "--comments", "6", "--live-seconds", "1"),
        env=cli_env(),  # no DATABASE_URL / REDIS_URL: the embedded servers in data_dir
        cwd=REPO, stdout=out.open("wb"), stderr=errors.open("wb"),
    )  # fmt: skip
    try:
        text = _wait_for_logins(out, process, errors)
        passwords = dict(re.findall(r"^\s+(giamdoc|nhanvien|donggoi)\s+/\s+(\S+)", text, re.M))
        yield Demo(process, data_dir, port, text.splitlines()[0], passwords)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _log_in(base: str, login: str, password: str) -> str:
    """Log in through the login form as a browser would; the path the staff member lands on."""
    cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    browser = urllib.request.build_opener(cookies)
    with browser.open(f"{base}/dang-nhap", timeout=10) as form:
        csrf = hidden(form.read().decode())
    fields = {"csrf": csrf, "login": login, "password": password}
    with browser.open(f"{base}/dang-nhap", urllib.parse.urlencode(fields).encode(), 10) as page:
        return urllib.parse.urlsplit(page.url).path


def _refused(*args: str) -> str:
    """Run a second chotdon that must refuse at once; its one line of explanation."""
    started = time.monotonic()
    result = run_cli(*args, env=cli_env(), timeout=60)
    took = time.monotonic() - started
    assert result.returncode != 0, result.stdout[-2000:]
    assert took < REFUSED_WITHIN_S, f"refused only after {took:.1f} s"
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith("chotdon: error: ")
    return lines[0]


def _still_running(demo: Demo) -> None:
    assert demo.process.poll() is None, "the first demo stopped"
    with urllib.request.urlopen(f"{demo.base}/healthz", timeout=5) as health:
        assert orjson.loads(health.read())["status"] == "ok"


def test_a_second_run_on_the_same_data_folder_is_refused_and_changes_nothing(demo: Demo) -> None:
    secret = (demo.data_dir / APP_SECRET_FILE).read_text()
    assert _log_in(demo.base, "giamdoc", demo.passwords["giamdoc"]) == "/don"
    for command in (("demo", "--no-live"), ("serve",)):
        line = _refused(*command, "--port", str(free_port()), "--data-dir", str(demo.data_dir))
        assert str(demo.data_dir.resolve()) in line and "--data-dir" in line, line
    # no new passwords, no new app secret (which seals the channels' secrets): still the same demo
    assert (demo.data_dir / APP_SECRET_FILE).read_text() == secret
    for login in ("giamdoc", "donggoi"):
        assert _log_in(demo.base, login, demo.passwords[login]) in ("/don", "/dong-goi")
    _still_running(demo)


def test_a_second_run_on_the_same_port_is_refused_before_starting_anything(
    demo: Demo, tmp_path: Path
) -> None:
    for command in (("demo", "--no-live"), ("serve",)):
        other = tmp_path / command[0]
        line = _refused(*command, "--port", str(demo.port), "--data-dir", str(other))
        assert f"port {demo.port}" in line and "--port" in line, line
        # nothing was started there: no Postgres cluster, no Redis file, only the folder's lock
        assert [p.name for p in other.iterdir()] == [LOCK_FILE]
    _still_running(demo)


def test_the_first_address_printed_is_the_login_page(demo: Demo) -> None:
    assert demo.first_line.startswith("chotdon is running: "), demo.first_line
    url = re.search(r"https?://\S+", demo.first_line)
    assert url is not None and url.group(0) == f"{demo.base}/dang-nhap", demo.first_line
    with urllib.request.urlopen(url.group(0), timeout=5) as page:
        html = page.read().decode()
    assert 'action="/dang-nhap"' in html and 'name="password"' in html
    with urllib.request.urlopen(f"{demo.base}/", timeout=5) as home:
        assert 'href="/dang-nhap"' in home.read().decode()  # the status page leads there too
    _still_running(demo)  # /healthz is still the health check
