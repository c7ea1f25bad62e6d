"""The bounded reader's cost for a district's form (issue #19): the child forked by
the zygote, every sheet of the Phayao sample survey read, the child ended; 25 times,
the first apart (it starts the zygote).

A new interpreter for each file measured 36 ms here; the zygote's fork, 5 ms. (An
earlier try, multiprocessing's fork server, measured 15 ms here but was slower under
gunicorn: Python 3.11's fork server never preloads the main module, so each child
imported gunicorn's script again. The zygote imports only otop_portal.calamine_child.)

    .venv/bin/python bench/bounded_reader.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otop_portal.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from otop_portal.bounded import BoundedBook

    data = (ROOT / "tests" / "fixtures" / "samples" / "survey_5607.xlsx").read_bytes()
    times = []
    for _ in range(25):
        started = time.perf_counter()
        book = BoundedBook(data, kind="district")
        try:
            for name, _visible in book.sheets:
                book.rows(name)
        finally:
            book.close()
        times.append((time.perf_counter() - started) * 1000)
    rest = times[1:]
    print(
        f"bounded reader, survey_5607.xlsx: first {times[0]:.1f} ms, "
        f"then median {statistics.median(rest):.1f} ms, min {min(rest):.1f} ms ({len(rest)} reads)"
    )


if __name__ == "__main__":
    main()
