"""The project's settings with one more URL, for the capacity run (bench/capacity.py):
a bare Django view, served through the same middleware by the same gunicorn settings,
measures what the machine can answer at all. Never used outside the bench."""

from otop_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
