"""Each request of the officers' mix, timed in-process (issue #19, point 3).

The capacity run (bench/capacity.py) gives the mix's rate through gunicorn; this gives
where its server time goes, request by request, without the HTTP server or the load
generator: as one district's officer (bench/load's officer of `--district`, made if
missing), in the bench database, DEBUG off, with Django's test client:

- the district page (weight 3 in the mix);
- an entrepreneur's form, and an answer saved from it (6 each);
- the survey form downloaded, uploaded (preview) and committed (1 each).

Each is run `--requests` times after two warm-up runs; it prints their p50 and p95,
the queries of one run, and the mix's average server time per request, by the
locustfile's weights (bench/load/locustfile.py). The answers saved and the uploads
committed change the district's survey in the bench database, as the load test does.

    .venv/bin/python bench/officer_mix.py [--district 1001] [--requests 20]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import DEFAULT_URL, ROUND, django_setup, timings_summary  # noqa: E402

#: Requests per pass of the mix's tasks (bench/load/locustfile.py): the district page
#: (task weight 3), the form and the save (weight 6 each), and the download, preview
#: and commit of the upload task (weight 1).
WEIGHTS = {"district page": 3, "entrepreneur form": 6, "save answers": 6}
WEIGHTS |= {"download form": 1, "upload preview": 1, "upload commit": 1}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Officer:
    """The officer's requests, as bench/load/locustfile.py makes them."""

    def __init__(self, district: str):
        from django.test import Client

        from bench.load.run import USERNAME
        from districts.models import District, User
        from districts.scoping import Role

        place = District.objects.get(code=district)
        user, _made = User.objects.get_or_create(
            username=USERNAME.format(code=district),
            defaults={"role": Role.OFFICER, "district": place, "province_id": place.province_id},
        )
        self.client = Client(HTTP_ACCEPT_ENCODING="gzip")
        self.client.force_login(user)
        self.survey = f"/rounds/{ROUND}/districts/{district}/survey/"
        self.district_url = f"/rounds/{ROUND}/districts/{district}/"
        page = self.client.get(self.survey, HTTP_ACCEPT_ENCODING="").content.decode()
        self.codes = sorted(set(re.findall(r"/survey/entrepreneurs/([^/\"]+)/", page)))
        if not self.codes:
            raise SystemExit(f"district {district}: no entrepreneur on its survey page")
        self.turn = 0
        self.form_page = ""
        self.code = ""
        self.xlsx = b""
        self.confirm = ""

    def district(self):
        return self.client.get(self.district_url)

    def form(self):
        self.turn += 1
        self.code = self.codes[self.turn % len(self.codes)]
        response = self.client.get(
            f"{self.survey}entrepreneurs/{self.code}/", HTTP_ACCEPT_ENCODING=""
        )
        self.form_page = response.content.decode()
        return response

    def save(self):
        version = re.search(r'name="version" value="(\d+)"', self.form_page).group(1)
        ready = re.findall(r'name="ready" value="(\d+)"', self.form_page)[:: 1 + self.turn % 2]
        response = self.client.post(
            f"{self.survey}entrepreneurs/{self.code}/",
            {"version": version, "sales_prev_year": "12,000", "ready": ready, "save": ""},
        )
        if response.status_code != 302:
            raise SystemExit(f"save answers: HTTP {response.status_code}")
        return response

    def download(self):
        response = self.client.get(f"{self.survey}export.xlsx")
        content = response.streaming_content if response.streaming else [response.content]
        self.xlsx = b"".join(content)
        return response

    def preview(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = self.client.post(
            f"{self.survey}upload/",
            {"file": SimpleUploadedFile("survey.xlsx", self.xlsx, XLSX)},
            HTTP_ACCEPT_ENCODING="",
        )
        found = re.search(r"/survey/upload/(\d+)/confirm/", response.content.decode())
        if found is None:
            raise SystemExit(f"upload preview: HTTP {response.status_code}, no preview")
        self.confirm = found.group(1)
        return response

    def commit(self):
        response = self.client.post(f"{self.survey}upload/{self.confirm}/confirm/")
        if response.status_code != 302:
            raise SystemExit(f"upload commit: HTTP {response.status_code}")
        return response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--district", default="1001")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--only", help="comma-separated requests to time (the others still run, untimed)"
    )
    args = parser.parse_args()
    django_setup(args.database_url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import otop_portal.wsgi  # noqa: F401  (the application as the servers load it)

    me = Officer(args.district)

    def nothing():
        return None

    def upload():
        me.download()
        me.preview()

    steps = [
        ("district page", nothing, me.district),
        ("entrepreneur form", nothing, me.form),
        ("save answers", me.form, me.save),
        ("download form", nothing, me.download),
        ("upload preview", me.download, me.preview),
        ("upload commit", upload, me.commit),
    ]
    print(f"district {args.district}, {len(me.codes)} entrepreneurs on its first page")
    mix = 0.0
    only = set(args.only.split(",")) if args.only else None
    for name, before, request in steps:
        if only is not None and name not in only:
            before()
            request()  # what the next request needs (the form, the file, the preview)
            continue
        for _ in range(2):
            before()
            request()
        before()
        with CaptureQueriesContext(connection) as queries:
            request()
        # Now: the next request's start empties the connection's log.
        query_count = len(queries)
        seconds = []
        for _ in range(args.requests):
            before()
            started = time.perf_counter()
            request()
            seconds.append(time.perf_counter() - started)
        summary = timings_summary(seconds)
        mix += WEIGHTS[name] * summary["p50_ms"]
        print(
            f"{name:18s} p50 {summary['p50_ms']:6.1f} ms  p95 {summary['p95_ms']:6.1f} ms"
            f"  {query_count:3d} queries"
        )
    if only is None:
        print(
            f"the mix's average server time per request (p50s by the locustfile's weights): "
            f"{mix / sum(WEIGHTS.values()):.1f} ms"
        )


if __name__ == "__main__":
    main()
