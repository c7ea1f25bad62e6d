"""A bar chart comes twice: wide for a desk, and compact for a phone, where the wide one's
900-unit viewBox would shrink its text to 6 px. The stylesheet shows one of the two."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from dashboards.charts import Bar, bar_chart

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css"


def svgs(html: str) -> dict[str, str]:
    found = re.findall(r'<svg[^>]*class="([^"]*)"[^>]*>.*?</svg>', html, re.S)
    return {
        cls: re.search(rf'<svg[^>]*class="{cls}".*?</svg>', html, re.S).group(0) for cls in found
    }


def test_it_draws_a_compact_copy_a_phone_can_read():
    bars = [
        Bar("เมืองพะเยา", Decimal("0"), note="0.00 % (0/60)"),
        Bar("แม่ใจ", 154.55, True, note="154.55 % (17/11)"),
    ]
    drawn = svgs(str(bar_chart(bars, title="ความสำเร็จรายอำเภอ", goal_label="เป้าหมาย")))
    assert set(drawn) == {"chart", "chart compact"}
    compact = drawn["chart compact"]
    # About a phone's width, so its 15-unit text is drawn at about 15 px.
    assert re.search(r'viewBox="0 0 360 ', compact)
    for text in ("เมืองพะเยา", "แม่ใจ", "0.00 % (0/60)", "154.55 % (17/11)", "เป้าหมาย"):
        assert text in drawn["chart"] and text in compact
    # Each is an accessible image with its own title.
    ids = re.findall(r'<title id="([^"]+)"', compact + drawn["chart"])
    assert len(set(ids)) == 2 and 'role="img"' in compact


def test_the_stylesheet_shows_the_compact_chart_on_a_phone_only():
    css = CSS.read_text(encoding="utf-8")
    assert re.search(r"svg\.chart\.compact \{ display:none; \}", css)
    phone = css[css.index("@media (max-width: 640px)") :]
    assert "svg.chart { display:none; } svg.chart.compact { display:block; }" in phone
