"""django-simple-history's HistoricalRecords, with its manager's class made once.

`Model.history` (simple_history.manager.HistoryDescriptor) makes a new manager class
on every access: `HistoryManager.from_queryset(HistoricalQuerySet)`, which lists every
method of the queryset class with inspect.getmembers. A save of an answer reads it twice
(its history row, its products' history rows): 0.3 ms of an answer's save on the bench
machine (issue #19). The class depends only on its two arguments, so it is made once.

    from otop_portal.history import HistoricalRecords

    class Survey(models.Model):
        history = HistoricalRecords()
"""

from __future__ import annotations

import functools

from simple_history import manager, models


class HistoryManager(manager.HistoryManager):
    @classmethod
    @functools.cache
    def from_queryset(cls, queryset_class, class_name=None):
        return super().from_queryset(queryset_class, class_name)


class HistoricalRecords(models.HistoricalRecords):
    def __init__(self, *args, history_manager=HistoryManager, **kwargs):
        super().__init__(*args, history_manager=history_manager, **kwargs)
