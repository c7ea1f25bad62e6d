"""The WSGI application the servers (gunicorn) load, one per worker process."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otop_portal.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, the DOPA gazetteer, the spreadsheet
# libraries) lives as long as the process: gc.freeze() moves it out of the collector's
# generations. Python's full collection otherwise walks all of it, and paused whichever
# request it fell in for about 70 ms, against 13 ms with the freeze (issue #19: the tail
# of the district pages' times, measured in-process with gc.callbacks).
gc.collect()
gc.freeze()
