"""Every model's history (otop_portal.history): simple_history's manager, with its class
made once instead of on every `Model.history` (issue #19)."""

from __future__ import annotations

import pytest
from django.apps import apps

from otop_portal.history import HistoryManager
from surveys.models import Survey
from tests.conftest import make_round

pytestmark = pytest.mark.django_db


def _with_history():
    return [m for m in apps.get_models() if hasattr(m._meta, "simple_history_manager_attribute")]


def test_every_model_with_history_uses_it():
    models = _with_history()
    assert len(models) >= 8
    for model in models:
        assert isinstance(model.history, HistoryManager), model


def test_it_makes_the_managers_class_once():
    for model in _with_history():
        assert type(model.history) is type(model.history), model


def test_the_history_is_still_recorded_and_read(officer):
    round = make_round("2564-2")
    survey = Survey.objects.create(round=round, district_id="5607")
    survey._history_user = officer
    survey.save()

    records = survey.history.order_by("history_id")
    assert [r.history_type for r in records] == ["+", "~"]
    assert records.last().history_user == officer
    assert Survey.history.filter(id=survey.pk).count() == 2
