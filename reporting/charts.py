"""Small server-side SVG charts (bar and line) for the dashboard and the PDF reports.

No JavaScript and no style attributes: colours are SVG presentation attributes (``fill``, ``stroke``),
every text is escaped, and the chart carries a title and a description for screen readers."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

EU_COLOUR = "#003399"
JP_COLOUR = "#bc002d"
PALETTE = [EU_COLOUR, JP_COLOUR, "#2a9d8f", "#e9c46a", "#6c757d"]
FONT = 'font-family="IPAexGothic, DejaVu Sans, sans-serif"'


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) or hasattr(value, "quantize"):
        return f"{float(value):,.1f}".rstrip("0").rstrip(".")
    return f"{value:,}"


def _legend_rows(width: int, legend: list[tuple[str, str]]) -> list[list[tuple[int, str, str]]]:
    """Legend entries laid out left to right, wrapping onto a new row when the chart is full."""
    rows: list[list[tuple[int, str, str]]] = [[]]
    x = 10
    for label, colour in legend:
        entry_width = 24 + int(5.6 * len(str(label)))
        if rows[-1] and x + entry_width > width:
            rows.append([])
            x = 10
        rows[-1].append((x, label, colour))
        x += entry_width
    return rows


def _frame(width: int, height: int, title: str, body: list[str], legend: list[tuple[str, str]]) -> SafeString:
    rows = _legend_rows(width, legend)
    height += 14 * (len(rows) - 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{width / 2:.0f}" y="16" text-anchor="middle" font-size="13" {FONT}>{escape(title)}</text>',
        *body,
    ]
    for index, row in enumerate(rows):
        y = height - 14 * (len(rows) - index)
        for x, label, colour in row:
            parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>')
            parts.append(f'<text x="{x + 14}" y="{y + 9}" font-size="10" {FONT}>{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above went through escape()


def bar_chart(
    categories: list[str],
    series: list[tuple[str, list]],
    *,
    title: str,
    width: int = 520,
    height: int = 240,
    unit: str = "",
    max_value: float | None = None,
) -> SafeString:
    """Grouped bars: one group per category, one bar per series (label, values). None is no bar."""
    left, right, top, bottom = 46, 10, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _label, vals in series for v in vals if v is not None]
    top_value = max_value or max([*values, 0]) or 1
    if max_value is None and all(isinstance(v, int) for v in values):
        top_value = max(4, -(-top_value // 4) * 4)  # whole-number ticks for counts
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>']
    for tick in range(5):
        value = top_value * tick / 4
        y = top + plot_h - plot_h * tick / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="9" {FONT}>'
            f"{escape(_fmt(round(value, 1)))}{escape(unit)}</text>"
        )
    n = max(len(categories), 1)
    group_w = plot_w / n
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    for i, category in enumerate(categories):
        gx = left + i * group_w + group_w * 0.1
        for j, (label, vals) in enumerate(series):
            value = vals[i] if i < len(vals) else None
            if value is None:
                continue
            h = plot_h * float(value) / float(top_value)
            x = gx + j * bar_w
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(label)} – {escape(category)}: '
                f"{escape(_fmt(value))}{escape(unit)}</title></rect>"
            )
        body.append(
            f'<text x="{left + i * group_w + group_w / 2:.1f}" y="{top + plot_h + 13}" text-anchor="middle" '
            f'font-size="9" {FONT}>{escape(str(category)[:18])}</text>'
        )
    legend = [(label, PALETTE[j % len(PALETTE)]) for j, (label, _vals) in enumerate(series)]
    return _frame(width, height, title, body, legend)


def line_chart(
    x_labels: list[str],
    series: list[tuple[str, list]],
    *,
    title: str,
    width: int = 520,
    height: int = 240,
    unit: str = "%",
    max_value: float = 100,
) -> SafeString:
    """Lines over time (x_labels), one per series; None breaks the line."""
    left, right, top, bottom = 46, 16, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>']
    for tick in range(5):
        value = max_value * tick / 4
        y = top + plot_h - plot_h * tick / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="9" {FONT}>'
            f"{escape(_fmt(round(value, 1)))}{escape(unit)}</text>"
        )
    n = len(x_labels)
    step = plot_w / (n - 1) if n > 1 else 0

    def x_of(i: int) -> float:
        return left + (i * step if n > 1 else plot_w / 2)

    for i, label in enumerate(x_labels):
        body.append(
            f'<text x="{x_of(i):.1f}" y="{top + plot_h + 13}" text-anchor="middle" font-size="9" {FONT}>'
            f"{escape(str(label))}</text>"
        )
    for j, (label, vals) in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        points = []
        for i, value in enumerate(vals):
            if value is None:
                continue
            y = top + plot_h - plot_h * float(value) / float(max_value or 1)
            points.append(f"{x_of(i):.1f},{y:.1f}")
            body.append(
                f'<circle cx="{x_of(i):.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{escape(label)} '
                f"{escape(str(x_labels[i]))}: {escape(_fmt(value))}{escape(unit)}</title></circle>"
            )
        if len(points) > 1:
            body.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
    legend = [(label, PALETTE[j % len(PALETTE)]) for j, (label, _vals) in enumerate(series)]
    return _frame(width, height, title, body, legend)


def monitoring_charts(ind: dict) -> dict[str, SafeString]:
    """The charts of the dashboard and the reports, from ``selectors.monitoring_indicators``."""
    from django.utils.translation import gettext as _

    calls = ind["calls"]
    labels = [row["identifier"] for row in calls]
    eu, jp = _("EU"), _("Japan")
    charts = {
        "proposals": bar_chart(
            labels,
            [
                (_("Proposals received"), [r["received"] for r in calls]),
                (_("Selected"), [r["selected"] for r in calls]),
            ],
            title=_("Proposals and selections per call"),
        ),
        "participants": bar_chart(
            labels,
            [(eu, [r["participants"]["EU"] for r in calls]), (jp, [r["participants"]["JP"] for r in calls])],
            title=_("Participants per call and Side"),
        ),
        "success": bar_chart(
            labels,
            [
                (eu, [r["success_by_side"]["EU"] for r in calls]),
                (jp, [r["success_by_side"]["JP"] for r in calls]),
            ],
            title=_("Success rate of participants per Side (%)"),
            unit="%",
            max_value=100,
        ),
    }
    years = [str(row["year"]) for row in ind["over_time"]]
    charts["balance"] = line_chart(
        years,
        [
            (_("EU share of participants"), [r["participant_share_eu"] for r in ind["over_time"]]),
            (_("EU share of funding"), [r["funding_share_eu"] for r in ind["over_time"]]),
            (_("EU success rate"), [r["success_eu"] for r in ind["over_time"]]),
            (_("Japan success rate"), [r["success_jp"] for r in ind["over_time"]]),
        ],
        title=_("Balance between the Sides over time (%)"),
    )
    return charts
