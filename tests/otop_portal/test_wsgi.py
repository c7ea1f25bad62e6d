"""The application the servers load (otop_portal.wsgi)."""

import os
import subprocess
import sys

from django.conf import settings


def test_it_freezes_what_it_loaded_out_of_the_garbage_collector():
    # Issue #19: a full collection walked the whole loaded application and paused the
    # request it fell in for about 70 ms; frozen, those objects are no longer walked.
    code = "import gc, otop_portal.wsgi; print(gc.get_freeze_count())"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "otop_portal.settings"}
    env.setdefault("SECRET_KEY", "test")
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip().splitlines()[-1]) > 10_000
