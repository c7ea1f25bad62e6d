"""District officers at a deadline: the load scenario of issue 6 (item 6).

Each simulated officer is one of the bench officers (bench/load/run.py creates them,
one per district, and writes their list to LOAD_USERS). It logs in once through the
login form (with its CSRF token, as a browser does), then, with a pause between actions
as a person takes:
- opens its district page (weight 3);
- saves one entrepreneur's survey answers: opens the entrepreneur's form, reads the
  answer's version, and posts new answers with that version (weight 6);
- downloads its survey form (.xlsx) and uploads it back: preview, then commit (weight 1).

Every save and commit the server accepted is counted per entrepreneur and written to
LOAD_LOG when the test stops, with the last values saved, so that bench/load/run.py can
check the database afterwards: no answer lost, none duplicated, every version counted.

LOAD_HOSTS (comma-separated base URLs) spreads the requests over several app instances,
alternating request by request, as a round-robin proxy would; sessions and uploads
are shared through the database and MEDIA_ROOT, so any instance serves any request.

Run by bench/load/run.py; alone:
    LOAD_USERS=var/bench/load-users.json LOAD_PASSWORD=... LOAD_LOG=/tmp/log.json \
    .venv/bin/locust -f bench/load/locustfile.py --headless -u 300 -r 3 -t 3m \
        --host http://127.0.0.1:8001
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
from collections import defaultdict

import gevent
from locust import HttpUser, between, events, task

ROUND = os.environ.get("LOAD_ROUND", "2564-2")
with open(os.environ["LOAD_USERS"], encoding="utf-8") as _fh:
    _PEOPLE = json.load(_fh)
USERS = _PEOPLE["officers"]
STAFF = _PEOPLE.get("staff", [])
PASSWORD = os.environ["LOAD_PASSWORD"]
LOG = os.environ.get("LOAD_LOG", "")
HOSTS = [h.rstrip("/") for h in os.environ.get("LOAD_HOSTS", "").split(",") if h.strip()]
# Seconds between two actions of an officer, and while filling a form. With these an
# officer makes about one request every 10 seconds, the demand PERFORMANCE-NOTES.md
# assumes at a national deadline (1,900 officers, half of them active: 100 requests/s).
WAIT = (float(os.environ.get("LOAD_WAIT_MIN", "10")), float(os.environ.get("LOAD_WAIT_MAX", "20")))
FILL = (float(os.environ.get("LOAD_FILL_MIN", "1")), float(os.environ.get("LOAD_FILL_MAX", "4")))
#: Seconds of steady load, counted from the moment every user has logged in; 0 leaves
#: the run's length to locust's --run-time.
DURATION = float(os.environ.get("LOAD_DURATION", "0"))
#: Seconds to wait, once everyone has logged in, before the steady window starts: the
#: requests queued behind the logins (PBKDF2 keeps the workers busy) drain meanwhile.
SETTLE = float(os.environ.get("LOAD_SETTLE", "15"))
#: A file created when the steady window starts (bench/load/run.py then samples CPU).
MARK = os.environ.get("LOAD_MARK", "")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ENTREPRENEUR_LINK = re.compile(r"/survey/entrepreneurs/([^/\"]+)/")
VERSION_INPUT = re.compile(r'name="version" value="(\d+)"')
READY_INPUT = re.compile(r'name="ready" value="(\d+)"')
CONFIRM_ACTION = re.compile(r"/survey/upload/(\d+)/confirm/")

_next_user = itertools.count()
_next_staff = itertools.count()
_lock = threading.Lock()
#: What the server accepted: saves per (district, entrepreneur), with the last values;
#: and every request of the run, ramp included (locust's own figures are reset when the
#: last user has spawned).
RECORD: dict = {
    "saves": defaultdict(dict),
    "uploads_committed": defaultdict(int),
    "logins": [],
    "login_failures": 0,
    "requests": {"count": 0, "failures": 0, "failed": defaultdict(int)},
    "jobs": {"started": 0, "succeeded": 0, "failed": 0, "seconds": []},
    "users_ready": 0,
    "steady_seconds": 0.0,
}


def login(user: HttpUser, username: str) -> bool:
    """Log in through the form, as a browser does: its CSRF token, then the POST."""
    started = time.perf_counter()
    page = user.client.get(user._url("/accounts/login/"), name="login form")
    token = CSRF_INPUT.search(page.text)
    with user.client.post(
        user._url("/accounts/login/"),
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "next": "",
        },
        allow_redirects=False,
        name="login",
        catch_response=True,
    ) as response:
        if response.status_code != 302:
            response.failure(f"login refused: HTTP {response.status_code}")
            with _lock:
                RECORD["login_failures"] += 1
            return False
        response.success()
    with _lock:
        RECORD["logins"].append(time.perf_counter() - started)
    return True


class Officer(HttpUser):
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        index = next(_next_user)
        me = USERS[index % len(USERS)]
        self.username, self.district = me["username"], me["district"]
        self.rng = random.Random(f"load:{index}")
        self.hosts = itertools.cycle(HOSTS or [self.host.rstrip("/")])
        self.entrepreneurs: list[str] = []
        if login(self, self.username):
            self._load_entrepreneurs()
        with _lock:
            RECORD["users_ready"] += 1

    # -- helpers -----------------------------------------------------------------

    def _url(self, path: str) -> str:
        return next(self.hosts) + path

    def _csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def _pause(self, span=FILL) -> None:
        time.sleep(self.rng.uniform(*span))

    def _survey_path(self) -> str:
        return f"/rounds/{ROUND}/districts/{self.district}/survey/"

    def _load_entrepreneurs(self) -> None:
        page = self.client.get(self._url(self._survey_path()), name="survey page")
        self.entrepreneurs = sorted(set(ENTREPRENEUR_LINK.findall(page.text)))

    # -- what officers do --------------------------------------------------------

    @task(3)
    def district_page(self) -> None:
        self.client.get(
            self._url(f"/rounds/{ROUND}/districts/{self.district}/"), name="district page"
        )

    @task(6)
    def save_answers(self) -> None:
        if not self.entrepreneurs:
            return
        code = self.rng.choice(self.entrepreneurs)
        path = f"{self._survey_path()}entrepreneurs/{code}/"
        page = self.client.get(self._url(path), name="entrepreneur form")
        version = VERSION_INPUT.search(page.text)
        if page.status_code != 200 or version is None:
            return
        products = READY_INPUT.findall(page.text)
        ready = sorted(p for p in products if self.rng.random() < 0.5)
        values = {
            "trained": self.rng.random() < 0.5,
            "selling_online": self.rng.random() < 0.5,
            "has_standard": self.rng.random() < 0.3,
            "sales_prev_year": f"{self.rng.randint(0, 250) * 1000:,}",
        }
        data = {
            "csrfmiddlewaretoken": self._csrf(),
            "version": version.group(1),
            "sales_prev_year": values["sales_prev_year"],
            "ready": ready,
            "save": "",
        }
        for name in ("trained", "selling_online", "has_standard"):
            if values[name]:
                data[name] = "on"
        self._pause()
        with self.client.post(
            self._url(path),
            data=data,
            allow_redirects=False,
            name="save answers",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"save refused: HTTP {response.status_code}")
                return
            response.success()
        with _lock:
            saved = RECORD["saves"][self.district].setdefault(code, {"count": 0})
            saved["count"] += 1
            saved["last"] = {
                **values,
                "ready": [int(p) for p in ready],
                "sales_prev_year": values["sales_prev_year"].replace(",", ""),
            }

    @task(1)
    def download_and_upload(self) -> None:
        with self.client.get(
            self._url(f"{self._survey_path()}export.xlsx"),
            name="download form",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or not response.content.startswith(b"PK"):
                response.failure(f"download: HTTP {response.status_code}")
                return
            content = response.content
            response.success()
        self._pause()
        with self.client.post(
            self._url(f"{self._survey_path()}upload/"),
            data={"csrfmiddlewaretoken": self._csrf()},
            files={"file": (f"survey-{self.district}.xlsx", content, XLSX)},
            name="upload preview",
            catch_response=True,
        ) as response:
            found = CONFIRM_ACTION.search(response.text)
            if response.status_code != 200 or found is None:
                response.failure(f"preview: HTTP {response.status_code}")
                return
            response.success()
        self._pause()
        with self.client.post(
            self._url(f"{self._survey_path()}upload/{found.group(1)}/confirm/"),
            data={"csrfmiddlewaretoken": self._csrf()},
            allow_redirects=False,
            name="upload commit",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"commit: HTTP {response.status_code}")
                return
            response.success()
        with _lock:
            RECORD["uploads_committed"][self.district] += 1


if STAFF:

    class ProvinceStaff(HttpUser):
        """Provincial staff exporting their province's attachment 3 as a background job
        (the jobs app): start it, poll its progress as the page does, download the file.
        A province's export above the inline limit runs in a db_worker."""

        fixed_count = len(STAFF)
        # A province's staff exports now and then, not continuously.
        wait_time = between(45, 90)

        def on_start(self) -> None:
            me = STAFF[next(_next_staff) % len(STAFF)]
            self.username, self.province = me["username"], me["province"]
            self.hosts = itertools.cycle(HOSTS or [self.host.rstrip("/")])
            self.logged_in = login(self, self.username)
            with _lock:
                RECORD["users_ready"] += 1

        def _url(self, path: str) -> str:
            return next(self.hosts) + path

        @task
        def export_as_job(self) -> None:
            if not self.logged_in:
                return
            started = time.perf_counter()
            with self.client.post(
                self._url("/jobs/export/"),
                data={
                    "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
                    "kind": "report_export",
                    "round": ROUND,
                    "province": self.province,
                },
                allow_redirects=False,
                name="job start",
                catch_response=True,
            ) as response:
                found = re.search(r"/jobs/(\d+)/$", response.headers.get("Location", ""))
                if response.status_code != 302 or found is None:
                    response.failure(f"job start: HTTP {response.status_code}")
                    return
                response.success()
            with _lock:
                RECORD["jobs"]["started"] += 1
            job = found.group(1)
            self.client.get(self._url(f"/jobs/{job}/"), name="job page")
            status: dict = {}
            while time.perf_counter() - started < 300:
                status = self.client.get(
                    self._url(f"/jobs/{job}/status.json"), name="job progress"
                ).json()
                if status.get("finished"):
                    break
                time.sleep(2)
            ok = status.get("status") == "succeeded" and status.get("download_url")
            if ok:
                self.client.get(self._url(status["download_url"]), name="job download")
            with _lock:
                RECORD["jobs"]["succeeded" if ok else "failed"] += 1
                RECORD["jobs"]["seconds"].append(time.perf_counter() - started)


@events.test_start.add_listener
def _start_steady_window(environment, **_kwargs) -> None:
    if DURATION:
        gevent.spawn(_steady_window, environment)


def _steady_window(environment) -> None:
    """When every user has logged in and opened its first page, and SETTLE seconds
    later, reset locust's figures, let the scenario run DURATION seconds, then stop (users finish what they are doing,
    within --stop-timeout). The logins' own figures are in RECORD."""
    expected = len(USERS) + len(STAFF)
    while RECORD["users_ready"] < expected:
        gevent.sleep(0.5)
    gevent.sleep(SETTLE)
    environment.stats.reset_all()
    if MARK:
        open(MARK, "w").close()
    started = time.perf_counter()
    gevent.sleep(DURATION)
    RECORD["steady_seconds"] = round(time.perf_counter() - started, 1)
    environment.runner.quit()


@events.request.add_listener
def _count_request(name, exception=None, **_kwargs) -> None:
    with _lock:
        RECORD["requests"]["count"] += 1
        if exception is not None:
            RECORD["requests"]["failures"] += 1
            RECORD["requests"]["failed"][name] += 1


@events.test_stop.add_listener
def _write_record(environment, **_kwargs) -> None:
    if not LOG:
        return
    with _lock, open(LOG, "w", encoding="utf-8") as fh:
        json.dump(RECORD, fh, ensure_ascii=False)
