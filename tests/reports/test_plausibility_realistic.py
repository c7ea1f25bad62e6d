"""The plausibility checks on generated realistic reports (bench/plausibility.py, whose
figures for 100 districts are in bench/RESULTS.md): honest figures are seldom flagged and
planted mistakes are caught."""

from __future__ import annotations

from bench.plausibility import measure


def test_it_flags_at_most_five_percent_of_an_honest_districts_products_with_sales():
    result = measure(20, 1)
    assert result["products_with_sales"] > 1000
    # The rules on figures, in every district; the link rules where no shared page is used.
    assert result["the_figures_rules_only_all_districts"]["districts_above_5pct"] == 0
    assert result["the_same_districts_without_a_shared_page"]["districts_above_5pct"] == 0
    assert result["products_with_sales_flagged_per_rule"]["bare_link"]["products"] == 0


def test_it_catches_the_planted_mistakes():
    caught = measure(20, 1)["planted_mistakes_caught"]
    assert caught["baseline_is_total"] == "20/20"
    assert int(caught["extra_zeros"].split("/")[0]) >= 16
    assert int(caught["month_is_total"].split("/")[0]) >= 4
