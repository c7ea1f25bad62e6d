"""Charts drawn on the server as inline SVG.

No JavaScript library and no CDN: the page works without scripts and under a strict
Content-Security-Policy. Only SVG presentation attributes are used (never a style
attribute), so `style-src 'self'` is enough. Each chart is an accessible image: it has
role="img", an aria-label, and <title>/<desc> elements; the same figures are always
in a table on the page as well.

The colours are the stylesheet's (static/css/portal.css :root): SVG presentation
attributes cannot read CSS custom properties in every browser, so they are repeated
here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BRAND = "#7b2d8b"
OK = "#1e7e34"
TRACK = "#e5e7eb"
INK = "#1f2933"
MUTED = "#52606d"

_ids = itertools.count(1)


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: a label, a value in percent (None: nothing to measure) and
    whether it reached its goal."""

    label: str
    pct: float | Decimal | None
    met: bool = False
    note: str = ""  # text written after the bar instead of the percentage, e.g. "12 / 60"


def _num(value: float) -> str:
    """A coordinate without float noise: 12.5 -> "12.5", 12.0 -> "12"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _pct_text(pct) -> str:
    return f"{Decimal(pct):,.2f} %"


def _open(width: int, height: int, title: str, desc: str, css_class: str) -> tuple[str, str]:
    uid = next(_ids)
    title_id, desc_id = f"chart-{uid}-title", f"chart-{uid}-desc"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-label="{escape(title)}" aria-labelledby="{title_id} {desc_id}">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(desc)}</desc>'
    )
    return head, "</svg>"


def bar_chart(
    bars: list[Bar],
    *,
    title: str,
    goal_pct: float | Decimal | None = 100,
    goal_label: str | None = None,
    css_class: str = "chart",
) -> SafeString:
    """Horizontal bars, one per row, scaled to the larger of the goal and the largest
    value; a dashed line marks the goal. Rows without a value show a dash."""
    # The label column fits the longest label (about 8 units a character at 15 px;
    # Thai vowels and tone marks stack and take no width of their own, so this errs wide).
    longest = max((len(b.label) for b in bars), default=0)
    label_w = max(120, min(320, 8 * longest + 16))
    # The value column fits the longest value text too: "191.67 % (115/60)" was cut at
    # a fixed 130 units (about 9 units a character of digits at 15 px).
    texts = [b.note or (_pct_text(b.pct) if b.pct is not None else "–") for b in bars]
    value_w = max(90, 9 * max((len(t) for t in texts), default=0) + 16)
    bar_w, row_h, top = 420, 26, 24
    width = label_w + bar_w + value_w
    height = top + row_h * max(len(bars), 1) + 8
    values = [float(b.pct) for b in bars if b.pct is not None]
    scale = max([100.0 if goal_pct is None else float(goal_pct), *values, 1.0])
    desc = "; ".join(
        f"{b.label}: {b.note or (_pct_text(b.pct) if b.pct is not None else '–')}" for b in bars
    )
    head, tail = _open(width, height, title, desc, css_class)
    parts = [head]
    for i, b in enumerate(bars):
        y = top + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="15" '
            f'fill="{INK}">{escape(b.label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="18" rx="3" fill="{TRACK}"/>'
        )
        if b.pct is not None:
            w = bar_w * max(0.0, float(b.pct)) / scale
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{_num(w)}" height="18" rx="3" '
                f'fill="{OK if b.met else BRAND}"/>'
            )
        text = b.note or (_pct_text(b.pct) if b.pct is not None else "–")
        parts.append(
            f'<text x="{label_w + bar_w + 8}" y="{y + 17}" font-size="15" '
            f'fill="{INK}">{escape(text)}</text>'
        )
    if goal_pct is not None and bars:
        x = label_w + bar_w * float(goal_pct) / scale
        parts.append(
            f'<line x1="{_num(x)}" y1="{top - 4}" x2="{_num(x)}" y2="{height - 6}" '
            f'stroke="{MUTED}" stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
        if goal_label:
            parts.append(
                f'<text x="{_num(x)}" y="{top - 8}" text-anchor="middle" font-size="13" '
                f'fill="{MUTED}">{escape(goal_label)}</text>'
            )
    parts.append(tail)
    compact = _bar_chart_compact(
        bars,
        title=title,
        desc=desc,
        texts=texts,
        scale=scale,
        goal_pct=goal_pct,
        goal_label=goal_label,
        css_class=css_class,
        value_w=value_w,
    )
    return mark_safe("".join(parts) + compact)  # noqa: S308 - every text above is escaped


def _bar_chart_compact(
    bars: list[Bar], *, title, desc, texts, scale, goal_pct, goal_label, css_class, value_w
) -> str:
    """The same bars for a phone, each label on a line above its bar. The wide chart is
    some 900 units across, so at 390 px its 15-unit text would be 6 px; this one is 360
    units across, about the phone's width, so its text stays near 15 px. The stylesheet
    shows one of the two (svg.chart.compact below 640 px), so a screen reader reads one."""
    width, label_h, bar_h, gap, top = 360, 20, 22, 8, 24 if goal_label else 6
    bar_w = width - value_w
    row_h = label_h + bar_h + gap
    height = top + row_h * max(len(bars), 1)
    head, tail = _open(width, height, title, desc, f"{css_class} compact")
    parts = [head]
    goal_x = None if goal_pct is None else bar_w * float(goal_pct) / scale
    for i, (b, text) in enumerate(zip(bars, texts, strict=True)):
        y = top + i * row_h
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="15" fill="{INK}">{escape(b.label)}</text>'
            f'<rect x="0" y="{y + label_h}" width="{bar_w}" height="18" rx="3" fill="{TRACK}"/>'
        )
        if b.pct is not None:
            w = bar_w * max(0.0, float(b.pct)) / scale
            parts.append(
                f'<rect x="0" y="{y + label_h}" width="{_num(w)}" height="18" rx="3" '
                f'fill="{OK if b.met else BRAND}"/>'
            )
        parts.append(
            f'<text x="{bar_w + 8}" y="{y + label_h + 14}" font-size="15" '
            f'fill="{INK}">{escape(text)}</text>'
        )
        if goal_x is not None:
            parts.append(
                f'<line x1="{_num(goal_x)}" y1="{y + label_h - 3}" x2="{_num(goal_x)}" '
                f'y2="{y + label_h + 21}" stroke="{MUTED}" stroke-width="1.5" '
                f'stroke-dasharray="4 3"/>'
            )
    if goal_x is not None and goal_label and bars:
        anchor = "end" if goal_x > width - 60 else "middle"
        parts.append(
            f'<text x="{_num(goal_x)}" y="{top - 8}" text-anchor="{anchor}" font-size="13" '
            f'fill="{MUTED}">{escape(goal_label)}</text>'
        )
    parts.append(tail)
    return "".join(parts)


def progress_bar(pct, *, met: bool = False, label: str = "") -> SafeString:
    """A progress bar for a table cell, drawn inside the stylesheet's `.bar` box.

    The fill is an SVG rect rather than a width in a style attribute, which a strict
    CSP would block. The figure itself is always written next to the bar, so the bar is
    hidden from screen readers unless a label is given.
    """
    width = 0.0 if pct is None else max(0.0, min(100.0, float(pct)))
    aria = f'role="img" aria-label="{escape(label)}"' if label else 'aria-hidden="true"'
    return mark_safe(  # noqa: S308 - the label is escaped, the rest are numbers
        f'<div class="bar{" met" if met else ""}">'
        f'<svg xmlns="http://www.w3.org/2000/svg" {aria} viewBox="0 0 100 14" width="100%" '
        f'height="14" preserveAspectRatio="none" display="block" focusable="false">'
        f'<rect width="{_num(width)}" height="14" rx="3" fill="{OK if met else BRAND}"/>'
        f"</svg></div>"
    )
