"""The staff console's login, sessions, CSRF check and roles, over real HTTP against
`kiosk backend serve` in its own process, on SQLite and PostgreSQL (tests/console_support.py).
Time moves by rewriting stored moments, never by sleeping."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import requests
from sqlalchemy import insert, select

from backend import db
from backend.console import sessions
from backend.console.auth import divisions_visible, require_role
from backend.console.passwords import hash_password
from backend.console.roles import StaffRole
from backend.console.users import StaffUser
from backend.limits import Limits
from backend.paths import BackendPaths
from backend.ratelimit import Rate
from backend.server import start_in_thread
from core.sealing import generate_key_pair
from tests.console_support import (
    JAPANESE,
    PASSWORD,
    TIMEOUT,
    address,
    console,  # noqa: F401
    cookie_attributes,
    set_cookies,
)
from tests.netutil import free_port
from tests.postgres import postgres_server  # noqa: F401

ALERT = re.compile(r'role="alert">([^<]*)<')
STATUS = re.compile(r'role="status">([^<]*)<')


def alert(response: requests.Response) -> str:
    found = ALERT.search(response.text)
    assert found, response.text
    return unescape(found.group(1))


def assert_plain_japanese_page(response: requests.Response) -> None:
    """A refusal as staff should see it: a 4xx HTML page in Japanese, with the console's
    headers, and nothing of a traceback or an API's JSON."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert JAPANESE.search(alert(response)), response.text
    assert "Traceback" not in response.text and '"detail"' not in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


def get(browser: requests.Session, url: str) -> requests.Response:
    return browser.get(url, allow_redirects=False, timeout=TIMEOUT)


# --- Login and the session cookie ----------------------------------------------------------


def test_the_backend_root_and_the_console_lead_to_the_login_page(console):  # noqa: F811
    browser = console.client()
    root = get(browser, console.url + "/")
    assert (root.status_code, root.headers["location"]) == (303, "/staff/")
    home = get(browser, console.url + "/staff/")
    assert (home.status_code, home.headers["location"]) == (303, "/staff/login")
    login = get(browser, console.url + "/staff/login")
    assert login.status_code == 200 and "職員ログイン" in login.text
    assert 'name="password"' in login.text and "<script" not in login.text
    assert login.headers["content-security-policy"].startswith("default-src 'self'")
    assert login.headers["cache-control"] == "no-store"
    stylesheet = get(browser, console.url + "/staff/static/console.css")
    assert stylesheet.status_code == 200 and "Noto Sans CJK JP" in stylesheet.text
    assert stylesheet.headers["content-type"].startswith("text/css")
    assert stylesheet.headers["content-security-policy"].startswith("default-src 'self'")
    assert "http://" not in stylesheet.text and "https://" not in stylesheet.text


def test_login_sets_a_strict_http_only_session_cookie_and_opens_the_home_page(console):  # noqa: F811
    console.add_user("suzuki", "clerk", ["市民課", "保険年金課"])
    browser = console.client()
    answer = console.try_login(browser, "suzuki")
    assert (answer.status_code, answer.headers["location"]) == (303, "/staff/")
    cookie = set_cookies(answer)[sessions.COOKIE]
    assert {"httponly", "samesite=strict", "path=/staff"} <= cookie_attributes(cookie)
    assert "secure" not in cookie_attributes(cookie)  # plain HTTP: a Secure cookie never returns

    home = get(browser, console.url + "/staff/")
    assert home.status_code == 200
    assert "<h1>本日の受付</h1>" in home.text
    assert "市民課" in home.text and "保険年金課" in home.text
    assert "suzuki" in home.text and "窓口担当" in home.text
    assert "さんぷる市役所" in home.text  # the municipality of the catalog
    assert 'action="/staff/logout"' in home.text and 'method="post"' in home.text

    # Only the session id's hash is stored.
    session_id = console.session_id(browser)
    engine = console.engine()
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                select(db.staff_sessions).where(db.staff_sessions.c.user_name == "suzuki")
            ).one()
    finally:
        engine.dispose()
    assert stored.id_sha256 == sessions.id_sha256(session_id)
    assert session_id not in {str(value) for value in stored}


def test_the_session_cookie_is_secure_when_the_request_came_over_https(console):  # noqa: F811
    console.add_user("takahashi", "clerk", ["市民課"])
    browser = console.client(**{"X-Forwarded-Proto": "https"})
    login = get(browser, console.url + "/staff/login")
    assert "secure" in cookie_attributes(set_cookies(login)["madoguchi_login"])
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
    answer = browser.post(
        console.url + "/staff/login",
        data={"csrf_token": token, "name": "takahashi", "password": PASSWORD},
        cookies={"madoguchi_login": login.cookies["madoguchi_login"]},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 303, answer.text
    cookie = set_cookies(answer)[sessions.COOKIE]
    assert {"secure", "httponly", "samesite=strict", "path=/staff"} <= cookie_attributes(cookie)


def test_a_wrong_password_reads_the_same_as_a_name_nobody_has(console):  # noqa: F811
    console.add_user("ito", "clerk", ["市民課"])
    wrong = console.try_login(console.client(), "ito", "not the password")
    unknown = console.try_login(console.client(), "nobody-here", "not the password")
    for answer in (wrong, unknown):
        assert_plain_japanese_page(answer)
        assert answer.status_code == 401
        assert sessions.COOKIE not in set_cookies(answer)
    assert alert(wrong) == alert(unknown)
    assert "名前かパスワードが違います" in alert(wrong)
    assert 'value="ito"' in wrong.text  # the name stays, the password does not
    assert "not the password" not in wrong.text


def test_five_wrong_passwords_lock_a_name_for_15_minutes_whether_or_not_it_exists(console):  # noqa: F811
    console.add_user("watanabe", "clerk", ["市民課"])
    for name in ("watanabe", "no-such-clerk"):
        browser = console.client()
        answers = [console.try_login(browser, name, f"wrong password {i}") for i in range(5)]
        assert [a.status_code for a in answers] == [401] * 4 + [429]
        locked = answers[-1]
        assert_plain_japanese_page(locked)
        assert "続けて5回間違えたため" in alert(locked) and "15分" in alert(locked)
        assert 899 <= int(locked.headers["Retry-After"]) <= 900
        # Locked: the right password does not help, from any address.
        again = console.try_login(console.client(), name, PASSWORD)
        assert again.status_code == 429 and alert(again) == alert(locked)
        if name == "watanabe":
            known = (alert(answers[0]), alert(locked))
        else:  # a name nobody has reads exactly like one somebody has
            assert (alert(answers[0]), alert(locked)) == known

    console.unlock_by_time("watanabe")  # the 15 minutes have passed
    assert console.try_login(console.client(), "watanabe", PASSWORD).status_code == 303


def test_failed_logins_from_one_address_are_limited_whatever_the_names(console):  # noqa: F811
    console.add_user("kobayashi", "clerk", ["市民課"])
    guesser = address()
    for index in range(10):
        answer = console.try_login(console.client(guesser), f"guess-{index}", "wrong password")
        assert answer.status_code == 401
    refused = console.try_login(console.client(guesser), "kobayashi", PASSWORD)
    assert_plain_japanese_page(refused)
    assert refused.status_code == 429 and "この端末からのログインの失敗が続いた" in alert(refused)
    assert int(refused.headers["Retry-After"]) > 0
    assert console.try_login(console.client(), "kobayashi", PASSWORD).status_code == 303


def test_a_disabled_account_loses_its_sessions_and_says_so_only_to_its_password(console):  # noqa: F811
    from backend.console import users

    console.add_user("kato", "clerk", ["市民課"])
    browser = console.login("kato")
    engine = console.engine()
    try:
        users.disable(engine, "kato", datetime.now(UTC))
    finally:
        engine.dispose()
    gone = get(browser, console.url + "/staff/")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/staff/login")
    right = console.try_login(console.client(), "kato", PASSWORD)
    assert right.status_code == 403 and "使えなくなっています" in alert(right)
    wrong = console.try_login(console.client(), "kato", "wrong password")
    assert wrong.status_code == 401 and "名前かパスワードが違います" in alert(wrong)


# --- Session expiry and logout -----------------------------------------------------------


def test_a_session_ends_after_30_idle_minutes(console):  # noqa: F811
    console.add_user("yoshida", "clerk", ["市民課"])
    browser = console.login("yoshida")
    console.rewind_session(browser, idle=timedelta(minutes=29))
    assert get(browser, console.url + "/staff/").status_code == 200  # and is touched now
    console.rewind_session(browser, idle=timedelta(minutes=31))
    expired = get(browser, console.url + "/staff/users")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/staff/login?reason=expired&next=%2Fstaff%2Fusers"
    assert "max-age=0" in cookie_attributes(set_cookies(expired)[sessions.COOKIE])
    login = browser.get(console.url + expired.headers["location"], timeout=TIMEOUT)
    assert login.status_code == 200
    assert "もう一度ログインしてください" in STATUS.search(login.text).group(1)
    assert 'name="next" value="/staff/users"' in login.text
    # The expired session is gone from the database, not merely refused.
    engine = console.engine()
    try:
        with engine.connect() as connection:
            left = connection.execute(
                select(db.staff_sessions).where(db.staff_sessions.c.user_name == "yoshida")
            ).all()
    finally:
        engine.dispose()
    assert left == []


def test_a_session_ends_10_hours_after_login_however_busy(console):  # noqa: F811
    console.add_user("yamada", "supervisor")
    browser = console.login("yamada")
    console.rewind_session(browser, idle=timedelta(0), age=timedelta(hours=9, minutes=59))
    assert get(browser, console.url + "/staff/").status_code == 200
    console.rewind_session(browser, idle=timedelta(0), age=timedelta(hours=10, minutes=1))
    expired = get(browser, console.url + "/staff/")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/staff/login?reason=expired"


def test_logout_ends_the_session_for_good(console):  # noqa: F811
    console.add_user("sasaki", "clerk", ["市民課"])
    browser = console.login("sasaki")
    session_id = console.session_id(browser)
    confirm = get(browser, console.url + "/staff/logout")  # a GET only asks
    assert confirm.status_code == 200 and "ログアウトしますか" in confirm.text
    answer = browser.post(
        console.url + "/staff/logout",
        data={"csrf_token": console.csrf(browser)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/staff/login?reason=logged_out",
    )
    assert "max-age=0" in cookie_attributes(set_cookies(answer)[sessions.COOKIE])
    login = browser.get(console.url + answer.headers["location"], timeout=TIMEOUT)
    assert STATUS.search(login.text).group(1) == "ログアウトしました。"
    # The old cookie, replayed, opens nothing.
    replayed = requests.get(
        console.url + "/staff/",
        cookies={sessions.COOKIE: session_id},
        headers={"X-Forwarded-For": address()},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert replayed.status_code == 303
    assert replayed.headers["location"] == "/staff/login?reason=expired"


# --- CSRF --------------------------------------------------------------------------------


def test_a_change_without_its_sessions_csrf_token_is_refused_and_logged(console):  # noqa: F811
    console.add_user("yamaguchi", "clerk", ["市民課"])
    console.add_user("matsumoto", "clerk", ["市民課"])
    browser = console.login("yamaguchi")
    other = console.login("matsumoto")
    token, others_token = console.csrf(browser), console.csrf(other)
    logout = console.url + "/staff/logout"

    def post(**kwargs) -> requests.Response:
        return browser.post(logout, allow_redirects=False, timeout=TIMEOUT, **kwargs)

    refusals = [
        post(),
        post(data={"name": "x"}),
        post(data={"csrf_token": "forged" + token[6:]}),
        post(data={"csrf_token": others_token}),
        post(data={"csrf_token": ""}),
        post(headers={"X-CSRF-Token": "forged"}, data={"csrf_token": token}),
        post(json={"csrf_token": token}),  # not a form: the field is not read
    ]
    for refused in refusals:
        assert refused.status_code == 403
        assert_plain_japanese_page(refused)
        assert "この操作は受け付けられませんでした" in alert(refused)
    assert get(browser, console.url + "/staff/").status_code == 200  # still logged in

    # The header alone is enough (the live parts of pages to come send it).
    accepted = post(headers={"X-CSRF-Token": token})
    assert accepted.status_code == 303
    assert get(browser, console.url + "/staff/").status_code == 303

    log = console.log.read_text(encoding="utf-8")
    assert "CSRF token missing on POST /staff/logout" in log
    assert "CSRF token wrong on POST /staff/logout" in log
    assert "(yamaguchi)" in log
    for secret in (token, others_token, console.session_id(other), PASSWORD):
        assert secret not in log


def test_the_login_form_needs_its_own_cookie_and_field(console):  # noqa: F811
    console.add_user("inoue", "clerk", ["市民課"])
    browser = console.client()
    token = console.login_form(browser)
    form = {"name": "inoue", "password": PASSWORD}
    login = console.url + "/staff/login"
    without_cookie = requests.post(
        login,
        data={**form, "csrf_token": token},
        headers={"X-Forwarded-For": address()},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    without_field = browser.post(login, data=form, allow_redirects=False, timeout=TIMEOUT)
    forged = browser.post(
        login, data={**form, "csrf_token": "x" * 43}, allow_redirects=False, timeout=TIMEOUT
    )
    for refused in (without_cookie, without_field, forged):
        assert refused.status_code == 403
        assert_plain_japanese_page(refused)
        assert "ログイン画面" in alert(refused)
        assert sessions.COOKIE not in set_cookies(refused)
    assert console.try_login(browser, "inoue").status_code == 303


def test_the_queues_own_refresh_does_not_keep_a_session_alive(console):  # noqa: F811
    """A console left open on a counter PC refreshes its queue every few seconds; that is not
    the clerk at work: the session still ends after 30 idle minutes (a page the clerk opens
    does count)."""
    console.add_user("mori", "clerk", ["市民課"])
    browser = console.login("mori")
    digest = sessions.id_sha256(console.session_id(browser))

    def idle_for() -> timedelta:
        engine = console.engine()
        try:
            with engine.connect() as connection:
                seen = connection.execute(
                    select(db.staff_sessions.c.last_seen).where(
                        db.staff_sessions.c.id_sha256 == digest
                    )
                ).scalar_one()
        finally:
            engine.dispose()
        return datetime.now(UTC) - (seen if seen.tzinfo else seen.replace(tzinfo=UTC))

    console.rewind_session(browser, idle=timedelta(minutes=29))
    refresh = browser.get(
        console.url + "/staff/queue/rows", headers={"HX-Request": "true"}, timeout=TIMEOUT
    )
    assert refresh.status_code == 200 and "<table" in refresh.text
    assert idle_for() > timedelta(minutes=28)  # not touched by the refresh
    assert get(browser, console.url + "/staff/").status_code == 200
    assert idle_for() < timedelta(minutes=1)  # a page the clerk opened: touched


def test_a_change_after_the_session_expired_goes_to_the_login_page(console):  # noqa: F811
    console.add_user("kimura", "clerk", ["市民課"])
    browser = console.login("kimura")
    token = console.csrf(browser)
    console.rewind_session(browser, idle=timedelta(minutes=45))
    answer = browser.post(
        console.url + "/staff/logout",
        data={"csrf_token": token},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/staff/login?reason=expired",
    )


# --- Roles -------------------------------------------------------------------------------


def test_only_an_administrator_sees_the_staff_accounts(console):  # noqa: F811
    console.add_user("hayashi", "clerk", ["市民課"])
    console.add_user("shimizu", "supervisor")
    console.add_user("kanri", "admin")
    for name in ("hayashi", "shimizu"):
        refused = get(console.login(name), console.url + "/staff/users")
        assert refused.status_code == 403
        assert_plain_japanese_page(refused)
        assert "管理者だけが使えます" in alert(refused)
        assert name in refused.text  # still their header, with the logout button
    allowed = get(console.login("kanri"), console.url + "/staff/users")
    assert allowed.status_code == 200
    assert "hayashi" in allowed.text and "窓口担当" in allowed.text and "市民課" in allowed.text
    assert "scrypt" not in allowed.text
    assert "(hayashi) refused GET /staff/users" not in console.log.read_text(encoding="utf-8")
    assert "hayashi (clerk) refused GET /staff/users" in console.log.read_text(encoding="utf-8")


def test_divisions_visible_and_require_role_follow_the_roles():
    now = datetime.now(UTC)

    def member(role: StaffRole, divisions=()) -> StaffUser:
        return StaffUser("x", role, tuple(divisions), False, None, now, now)

    clerk = divisions_visible(member(StaffRole.CLERK, ["市民課"]))
    assert clerk.allows("市民課") and not clerk.allows("税務課") and not clerk.allows(None)
    assert not divisions_visible(member(StaffRole.CLERK)).allows("市民課")
    for role in (StaffRole.SUPERVISOR, StaffRole.ADMIN):
        every = divisions_visible(member(role))
        assert every.everything and every.allows("税務課") and every.allows(None)
    with pytest.raises(ValueError):
        require_role("administrator")  # a typo fails where the route is declared
    with pytest.raises(ValueError):
        require_role()


# --- Every refusal is a page, and what was typed is escaped --------------------------------


def test_every_refusal_is_a_plain_japanese_page_and_never_a_500(console):  # noqa: F811
    console.add_user("ishikawa", "clerk", ["市民課"])
    browser = console.login("ishikawa")
    token = console.csrf(browser)
    stranger = console.client()
    url = console.url
    refusals = {
        "unknown page": get(browser, url + "/staff/no-such-page"),
        "unknown page, logged out": get(stranger, url + "/staff/no-such-page"),
        "wrong method": browser.put(
            url + "/staff/", headers={"X-CSRF-Token": token}, timeout=TIMEOUT
        ),
        "missing CSRF": browser.post(url + "/staff/logout", timeout=TIMEOUT),
        "not a form": stranger.post(
            url + "/staff/login",
            json={"name": "x"},
            headers={"X-CSRF-Token": console.login_form(stranger)},
            timeout=TIMEOUT,
        ),
        "not UTF-8": stranger.post(
            url + "/staff/login",
            data=b"name=%FF&password=%FE",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRF-Token": console.login_form(stranger),
            },
            timeout=TIMEOUT,
        ),
        "empty login": console.try_login(stranger, "", ""),
        "too large": stranger.post(
            url + "/staff/login",
            data={"name": "x" * 20_000},
            timeout=TIMEOUT,
        ),
        "role": get(browser, url + "/staff/users"),
        "wrong password": console.try_login(stranger, "ishikawa", "wrong password"),
    }
    for what, refused in refusals.items():
        assert refused.status_code != 500, what
        assert_plain_japanese_page(refused)
    assert refusals["too large"].status_code == 413
    assert refusals["not a form"].status_code == 415
    assert refusals["not UTF-8"].status_code == 400
    assert refusals["empty login"].status_code == 400
    assert refusals["wrong method"].status_code == 405


def test_a_typed_name_and_a_stored_name_are_escaped(console):  # noqa: F811
    typed = "<script>alert(1)</script>"
    answer = console.try_login(console.client(), typed, "wrong password")
    assert answer.status_code == 401
    assert "<script>" not in answer.text
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in answer.text

    # A name the command line would refuse, written into the database some other way.
    stored = '<img src=x onerror="alert(1)">'
    now = datetime.now(UTC)
    engine = console.engine()
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(db.staff_users).values(
                    name=stored,
                    role="admin",
                    password_hash=hash_password(PASSWORD),
                    disabled=0,
                    failed_logins=0,
                    created_at=now,
                    changed_at=now,
                )
            )
    finally:
        engine.dispose()
    browser = console.login(stored)
    for path in ("/staff/", "/staff/users"):
        page = get(browser, console.url + path)
        assert page.status_code == 200
        assert "<img" not in page.text
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page.text


# --- The door ------------------------------------------------------------------------------


def test_a_live_session_spends_no_anonymous_budget_and_the_doors_refusals_are_pages(tmp_path):
    """In this process (the door's budget made small): a logged-in clerk's pages never count
    against the address's budget for requests without a token; a stranger's do, and are
    refused with a Japanese page."""
    from backend.console import users

    paths = BackendPaths(tmp_path / "backend")
    generate_key_pair(paths.keys)
    database = f"sqlite:///{tmp_path / 'door.sqlite3'}"
    engine = db.connect(database)
    users.create(engine, "nakamura", "clerk", PASSWORD, ["市民課"], datetime.now(UTC))
    engine.dispose()
    limits = Limits(tokenless=Rate(6, 600))
    running = start_in_thread(paths, "127.0.0.1", free_port(), database=database, limits=limits)
    assert running is not None
    try:
        office = address()
        clerk = requests.Session()
        clerk.headers["X-Forwarded-For"] = office
        page = clerk.get(running.url + "/staff/login", timeout=TIMEOUT)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        signed_in = clerk.post(
            running.url + "/staff/login",
            data={"csrf_token": token, "name": "nakamura", "password": PASSWORD},
            timeout=TIMEOUT,
        )
        assert signed_in.status_code == 200 and "本日の受付" in signed_in.text
        # Two anonymous requests spent (login page and its POST); many more with the session.
        for _ in range(20):
            assert clerk.get(running.url + "/staff/", timeout=TIMEOUT).status_code == 200
            assert clerk.get(running.url + "/staff/static/console.css", timeout=10).ok
        stranger = [
            requests.get(running.url + "/staff/", headers={"X-Forwarded-For": office}, timeout=10)
            for _ in range(5)
        ]
        assert [answer.status_code for answer in stranger][-1] == 429
        assert_plain_japanese_page(stranger[-1])
        assert "秒ほど待ってから" in alert(stranger[-1])
        assert clerk.get(running.url + "/staff/", timeout=TIMEOUT).status_code == 200
    finally:
        running.stop()
        running.server.config.app.state.engine.dispose()


def test_every_console_route_lives_under_staff_so_its_cookie_reaches_it(tmp_path):
    from backend.app import create_app
    from backend.console.auth import current_staff
    from backend.limits import api_routes

    paths = BackendPaths(tmp_path / "backend")
    generate_key_pair(paths.keys)
    app = create_app(paths, database=f"sqlite:///{tmp_path / 'routes.sqlite3'}")

    def depends_on_session(dependant) -> bool:
        return any(
            dependency.call is current_staff or depends_on_session(dependency)
            for dependency in dependant.dependencies
        )

    routes = api_routes(app.router.routes)
    session_routes = [route.path for route in routes if depends_on_session(route.dependant)]
    assert "/staff/" in session_routes and "/staff/users" in session_routes
    assert all(path.startswith("/staff/") for path in session_routes), session_routes
    app.state.engine.dispose()


def test_an_unexpected_error_is_a_japanese_page_without_a_trace(tmp_path):
    """A fault in a console page (here a planted one) still reaches staff as a page; the
    traceback stays in the server's log. Elsewhere the answer is as before."""
    import threading
    import time

    import uvicorn

    from backend.app import create_app

    paths = BackendPaths(tmp_path / "backend")
    generate_key_pair(paths.keys)
    app = create_app(paths, database=f"sqlite:///{tmp_path / 'fault.sqlite3'}")

    @app.get("/staff/fault")
    def fault() -> None:
        raise RuntimeError("a planted fault with a secret 個人情報")

    @app.get("/api/v1/fault")
    def api_fault() -> None:
        raise RuntimeError("a planted fault")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < end, "did not start"
        time.sleep(0.05)  # polling for the server's started flag, with a deadline
    try:
        base = f"http://127.0.0.1:{port}"
        page = requests.get(base + "/staff/fault", timeout=TIMEOUT)
        assert page.status_code == 500
        assert page.headers["content-type"].startswith("text/html")
        assert "問題が起きました" in page.text and "Traceback" not in page.text
        assert "planted" not in page.text and "個人情報" not in page.text
        api = requests.get(base + "/api/v1/fault", timeout=TIMEOUT)
        assert (api.status_code, api.text) == (500, "Internal Server Error")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()
