"""A small, bounded asyncio load client (aiohttp) for the benchmark harness.

N concurrent clients each loop over one URL: a warm-up phase whose responses are
discarded, then a measured phase of fixed duration. Every client stops by itself when
the phase ends; in-flight requests are bounded by a per-request timeout and the whole
run by an overall deadline. Only loopback addresses may be targeted.

A scenario may POST a form instead (si_pay): each client signs in as its own user, reads the choices of the
form once (form_page), then POSTs one choice a request with the CSRF token from its cookie; success is the
expected redirect (expect_location), which is not followed.

Used by bench/run.py; can also drive an already running server:
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --scenarios org_list
"""
import argparse
import asyncio
import ipaddress
import math
import re
import time
import uuid
from dataclasses import asdict, dataclass, field
from urllib.parse import quote, urlsplit

import aiohttp
from yarl import URL

LOGIN_PATH = "/gov/login/"
DEMO_USER = "nn_staff"  # Nanning city staff, region-subtree scope (kernel/accounts/demo.py)
DEMO_PASSWORD = "Zw@demo2026"
LOGIN_MARKER = b'name="password"'  # present on the login page only
M_LOGIN_PATH = "/m/login/"  # the mobile entrance's username/password login (citizens included)
PAYABLE_CHOICE = re.compile(rb'name="payables" value="(\d+)" checked')  # a payable not held by an open order


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    login: bool  # sign in first (session cookie on every request)
    expect: bytes | None = None  # the body must contain this
    note: str = ""
    user: str = DEMO_USER  # who signs in
    method: str = "GET"  # "POST": one form a request (see form_page)
    login_path: str = LOGIN_PATH
    users: tuple = ()  # one user a client (cycled), instead of `user`; filled in by bench/run.py
    form_page: str | None = None  # POST: the page whose choices (PAYABLE_CHOICE) a client posts, one a request
    expect_location: str | None = None  # POST: success is a 302 whose Location contains this


SCENARIOS = {
    s.name: s
    for s in [
        # Anonymous on purpose: with a session cookie every request would also load the session
        # and the user, i.e. not "one query". bare_auth shows what signing in adds.
        Scenario("bare", "/bench/bare/", login=False, note="one query, no template, no auth"),
        Scenario("bare_auth", "/bench/bare-auth/", login=True, expect=b"ok",
                 note="session + user + one query, no template"),
        Scenario("org_list", "/gov/org/organisations/?kind=enterprise&industry=E&page=2", login=True,
                 expect=b'id="result-table"', note="filtered list, 20 rows, Nanning scope"),
        Scenario("org_list_name", "/gov/org/organisations/?name=" + quote("宏达"), login=True,
                 expect=b'id="result-table"', note="name icontains, Nanning scope"),
        # {county_450103} is the id of 青秀区, filled in by bench/run.py from the database (path_params).
        Scenario("hazard_list", "/gov/se/hazards/?region={county_450103}&level=yellow", login=True,
                 expect=b'id="result-table"', note="major hazards of one county at the yellow deadline level"),
        # the labour-inspection warning statistics of Nanning (issue 5), as its city inspector
        Scenario("labor_stats", "/gov/labor/stats/", login=True, expect=b'id="stats-cards"', user="nn_labor",
                 note="wage-arrears warning statistics, Nanning scope"),
        # the one-window case list of the 兴宁区 window clerk (issue 6): 400,000 of the 1,000,000 cases at scale 2000
        Scenario("gs_cases", "/gov/gs/cases/", login=True, expect=b'id="result-table"', user="xn_window",
                 note="window clerk's case list with e-supervision counts, 兴宁区 scope"),
        # the O&M ticket list of the autonomous-region engineer (issue 8): all 1,000,000 volume tickets at scale
        # 2000 are the pension system's (the region HRSS department), newest first, with the SLA counts
        Scenario("ops_tickets", "/gov/ops/tickets/", login=True, expect=b'id="result-table"', user="gx_ops_eng",
                 note="O&M ticket list with near-due / overdue counts, region scope"),
        # the social-insurance-fee payment order (issue 7): each client is its own bench payer (signed in at
        # /m/login/ with the ID number) and pays one of its pending assessed payables a request: the order and
        # its line are created and opened at the payment gateway (simulator, in-process); 302 to the cashier.
        Scenario("si_pay", "/m/si/payables/", login=True, method="POST", login_path=M_LOGIN_PATH,
                 form_page="/m/si/payables/", expect_location="/integrations/pay-sim/cashier/",
                 note="payment order of one payable, 302 to the cashier, one bench payer a client"),
    ]
}


@dataclass
class Result:
    scenario: str
    path: str
    clients: int
    duration: float
    requests: int  # completed inside the measured window (successes + errors)
    errors: int
    throughput: float  # successful responses per second
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    mean_ms: float | None
    max_ms: float | None
    error_samples: dict = field(default_factory=dict)  # error kind -> count
    cpu_ms: dict | None = None  # CPU milliseconds per request by app / db / client (bench/run.py)

    def as_dict(self):
        return asdict(self)


class LoginFailed(RuntimeError):
    pass


def ensure_loopback(base_url: str) -> None:
    """Refuse any target that is not a loopback address (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"refusing to load a non-loopback address: {base_url}")


def percentile(sorted_values, pct):
    """Nearest-rank percentile of an already sorted list (None when empty)."""
    if not sorted_values:
        return None
    rank = math.ceil(pct / 100 * len(sorted_values))
    return sorted_values[min(len(sorted_values), max(rank, 1)) - 1]


def _new_session(request_timeout):
    # unsafe=True: the default cookie jar ignores cookies set by IP-address hosts.
    return aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        connector=aiohttp.TCPConnector(limit=1),
        timeout=aiohttp.ClientTimeout(total=request_timeout),
    )


async def login(session, base_url, username=DEMO_USER, password=DEMO_PASSWORD, login_path=LOGIN_PATH):
    """GET the login page for the csrftoken cookie, POST the form, follow the redirect."""
    url = base_url + login_path
    async with session.get(url) as resp:
        await resp.read()
        if resp.status != 200:
            raise LoginFailed(f"GET {login_path}: HTTP {resp.status}")
    token = session.cookie_jar.filter_cookies(URL(url)).get("csrftoken")
    if token is None:
        raise LoginFailed("no csrftoken cookie on the login page")
    form = {"username": username, "password": password, "csrfmiddlewaretoken": token.value}
    async with session.post(url, data=form, allow_redirects=True) as resp:
        body = await resp.read()
        if resp.status != 200 or resp.url.path == login_path or LOGIN_MARKER in body:
            raise LoginFailed(f"login as {username} failed: HTTP {resp.status} at {resp.url.path}")


class FormClient:
    """A POST scenario's client: the choices it may post (its share of them when clients share a user)."""

    def __init__(self, choices, token):
        self.choices, self.token = list(reversed(choices)), token

    def form(self):
        if not self.choices:
            return None
        return {"csrfmiddlewaretoken": self.token, "request_id": uuid.uuid4().hex, "payables": self.choices.pop()}


async def prepare_form(session, base_url, scenario, share=0, sharers=1):
    """GET the form page once: the choices (a payable each) and the CSRF token of the signed-in session."""
    url = base_url + scenario.form_page
    async with session.get(url, allow_redirects=False) as resp:
        body = await resp.read()
        if resp.status != 200:
            raise LoginFailed(f"GET {scenario.form_page}: HTTP {resp.status}")
    token = session.cookie_jar.filter_cookies(URL(url)).get("csrftoken")
    if token is None:
        raise LoginFailed(f"no csrftoken cookie on {scenario.form_page}")
    choices = [m.decode() for m in PAYABLE_CHOICE.findall(body)][share::sharers]
    if not choices:
        raise LoginFailed(f"nothing to choose on {scenario.form_page}")
    return FormClient(choices, token.value)


async def _request(session, url, scenario, form):
    """One request; returns the error kind or None. No redirects: a 302 (e.g. to the login page) is an error,
    unless the scenario expects that redirect."""
    if scenario.method == "POST":
        data = form.form()
        if data is None:
            return "no choice left"
        async with session.post(url, data=data, allow_redirects=False) as resp:
            await resp.read()
            if resp.status != 302:
                return f"HTTP {resp.status}"
            if scenario.expect_location not in resp.headers.get("Location", ""):
                return "unexpected redirect"
        return None
    async with session.get(url, allow_redirects=False) as resp:
        body = await resp.read()
        if resp.status != 200:
            return f"HTTP {resp.status}"
        if scenario.expect is not None and scenario.expect not in body:
            return "unexpected body"
    return None


async def _client(session, url, scenario, measure_from, measure_to, latencies, errors, form=None):
    loop = asyncio.get_running_loop()
    while loop.time() < measure_to:
        started = loop.time()
        error = None
        try:
            error = await _request(session, url, scenario, form)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            error = type(exc).__name__
        finished = loop.time()
        # A request belongs to the measured window when it completes inside it.
        if measure_from <= finished < measure_to:
            if error is None:
                latencies.append(finished - started)
            else:
                errors[error] = errors.get(error, 0) + 1
        if error == "no choice left":
            return
        if error is not None:
            await asyncio.sleep(0.05)  # no hot loop against a failing server


async def run_scenario(base_url, scenario, *, clients=50, duration=20.0, warmup=3.0,
                       request_timeout=30.0, login_timeout=120.0, log=print, on_window=None) -> Result:
    """Run one scenario and return its figures. Raises LoginFailed if a client cannot sign in.

    on_window: optional (start, end) callables run when the measured window opens and closes
    (bench/run.py samples the CPU time of the server, the database and this client there)."""
    ensure_loopback(base_url)
    url = base_url + scenario.path
    sessions = [_new_session(request_timeout) for _ in range(clients)]
    latencies, errors = [], {}
    users = list(scenario.users) or [scenario.user]
    sharers = math.ceil(clients / len(users))
    forms = [None] * clients
    try:
        if scenario.login:
            started = time.monotonic()
            await asyncio.wait_for(asyncio.gather(*(
                login(s, base_url, users[i % len(users)], login_path=scenario.login_path)
                for i, s in enumerate(sessions))), login_timeout)
            who = scenario.user if not scenario.users else f"{min(clients, len(users))} users"
            log(f"  {clients} clients signed in as {who} ({time.monotonic() - started:.1f}s)")
        if scenario.method == "POST":
            forms = await asyncio.wait_for(asyncio.gather(*(
                prepare_form(s, base_url, scenario, i // len(users), sharers) for i, s in enumerate(sessions))),
                login_timeout)
            log(f"  {sum(len(f.choices) for f in forms):,} choices to post")
        loop = asyncio.get_running_loop()
        measure_from = loop.time() + warmup
        measure_to = measure_from + duration
        if on_window is not None:
            loop.call_at(measure_from, on_window[0])
            loop.call_at(measure_to, on_window[1])
        tasks = [asyncio.create_task(_client(s, url, scenario, measure_from, measure_to, latencies, errors, form))
                 for s, form in zip(sessions, forms, strict=True)]
        # Hard bound: each client stops at measure_to; a last in-flight request may take up to
        # request_timeout. Anything still running after that is cancelled.
        done, pending = await asyncio.wait(tasks, timeout=warmup + duration + request_timeout + 5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()  # re-raise unexpected client bugs
    finally:
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)

    values = sorted(x * 1000 for x in latencies)
    n_err = sum(errors.values())

    def ms(v):
        return None if v is None else round(v, 1)

    return Result(
        scenario=scenario.name, path=scenario.path, clients=clients, duration=duration,
        requests=len(values) + n_err, errors=n_err, throughput=round(len(values) / duration, 1),
        p50_ms=ms(percentile(values, 50)), p95_ms=ms(percentile(values, 95)), p99_ms=ms(percentile(values, 99)),
        mean_ms=ms(sum(values) / len(values)) if values else None, max_ms=ms(values[-1] if values else None),
        error_samples=errors,
    )


def main():
    parser = argparse.ArgumentParser(description="Drive an already running local server.")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--scenarios", default="bare,org_list")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a value for a {name} in a scenario path, e.g. county_450103=2110")
    parser.add_argument("--users", default="", help="comma-separated usernames, one a client (si_pay: the bench "
                        "payers' ID numbers, domains.si_fee.payments.demo_volume.bench_usernames())")
    args = parser.parse_args()
    params = dict(p.split("=", 1) for p in args.param)
    users = tuple(u for u in args.users.split(",") if u)
    for name in args.scenarios.split(","):
        scenario = SCENARIOS[name]
        scenario = Scenario(**{**scenario.__dict__, "path": scenario.path.format(**params),
                               **({"users": users} if users else {})})
        res = asyncio.run(run_scenario(args.url.rstrip("/"), scenario, clients=args.clients,
                                       duration=args.duration, warmup=args.warmup))
        print(res.as_dict())


if __name__ == "__main__":
    main()
