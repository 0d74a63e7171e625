"""Small inline SVG charts (no script, no network): a line chart, horizontal bars, stacked day bars."""
from __future__ import annotations

from html import escape

PALETTE = ("#2f6fdf", "#e8743b", "#19a979", "#d64c7a", "#945ecf", "#13a4b4", "#bf9a2c", "#6c757d")


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def line_chart(labels: list[str], values: list[float | None], *, title: str, y_max: float | None = None,
               width: int = 520, height: int = 180) -> str:
    """A line over days; missing values leave a gap. ``title`` is the accessible name."""
    left, right, top, bottom = 40, 12, 14, 30
    known = [v for v in values if v is not None]
    top_value = y_max if y_max is not None else max(known + [1.0]) * 1.15
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(labels) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * step, top + plot_h - (v / top_value) * plot_h if top_value else top + plot_h

    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
             f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for frac in (0, 0.5, 1):
        y = top + plot_h - frac * plot_h
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="#666">'
                     f'{_num(frac * top_value)}</text>')
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        x, y = xy(i, v)
        segment.append(f"{x:.1f},{y:.1f}")
    if segment:
        segments.append(segment)
    for seg in segments:
        parts.append(f'<polyline fill="none" stroke="{PALETTE[0]}" stroke-width="2" points="{" ".join(seg)}"/>')
    for i, v in enumerate(values):
        if v is not None:
            x, y = xy(i, v)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{PALETTE[0]}"><title>{escape(labels[i])}: {_num(v)}</title></circle>')
            parts.append(f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle" font-size="10" fill="#333">{_num(v)}</text>')
    for i, label in enumerate(labels):
        x = left + i * step
        parts.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" font-size="10" fill="#666">'
                     f'{escape(label[5:] if len(label) == 10 else label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(items: list[tuple[str, float]], *, title: str, width: int = 520, bar_height: int = 22) -> str:
    """Horizontal bars, one per (label, value), largest scale first as given."""
    label_w, right = 150, 50
    height = max(1, len(items)) * (bar_height + 6) + 8
    top_value = max([v for _, v in items] + [1.0])
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
             f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = 4 + i * (bar_height + 6)
        w = (width - label_w - right) * (value / top_value)
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" font-size="12" fill="#333">'
                     f'{escape(label[:14])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_height}" rx="3"'
                     f' fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}" font-size="12" fill="#333">{_num(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_day_bars(days: list[str], series: dict[str, list[int]], names: dict[str, str], *, title: str,
                     width: int = 620, height: int = 220) -> str:
    """One stacked bar per day; ``series`` maps a key to its counts per day, ``names`` gives legend labels."""
    left, right, top, bottom = 40, 150, 14, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(vals[i] for vals in series.values()) for i in range(len(days))]
    top_value = max(totals + [1]) * 1.1
    slot = plot_w / max(1, len(days))
    bar_w = slot * 0.6
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
             f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>']
    for i, day in enumerate(days):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        for k, (key, vals) in enumerate(series.items()):
            h = plot_h * vals[i] / top_value
            if h > 0:
                y -= h
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}"'
                             f' fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(names.get(key, key))} {escape(day)}:'
                             f' {vals[i]}</title></rect>')
        if totals[i]:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="10">{totals[i]}</text>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - 10}" text-anchor="middle" font-size="10" fill="#666">'
                     f'{escape(day[5:])}</text>')
    for k, key in enumerate(series):
        y = top + 4 + k * 18
        parts.append(f'<rect x="{left + plot_w + 14}" y="{y}" width="12" height="12" fill="{PALETTE[k % len(PALETTE)]}"/>')
        parts.append(f'<text x="{left + plot_w + 32}" y="{y + 10}" font-size="12">{escape(names.get(key, key)[:16])}</text>')
    parts.append("</svg>")
    return "".join(parts)
