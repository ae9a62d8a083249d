"""Bar charts for the usage figures, drawn on the server as SVG text (no script, nothing from
another host), with each number written beside its bar so the chart reads in black and white
and on paper. Labels are escaped: they come from the catalog, which staff may edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

ROW_HEIGHT = 28
LABEL_WIDTH = 260
BAR_WIDTH = 360
NUMBER_WIDTH = 150
FONT = "font-family=\"'IPAexGothic', 'Noto Sans CJK JP', sans-serif\" font-size=\"14\""


@dataclass(frozen=True)
class Bar:
    label: str
    parts: tuple[int, ...]  # stacked: e.g. (finished, abandoned)
    caption: str  # the numbers, written beside the bar


def bar_chart(chart_id: str, title: str, bars: list[Bar], legend: tuple[str, ...] = ()) -> str:
    """A horizontal bar chart: one row per bar, parts stacked, scaled to the largest total.
    chart_id: unique on the page (the hatch pattern's id is made from it)."""
    hatch = f"hatch-{chart_id}"
    # Each stacked part: solid, then hatched (told apart without colour, and on paper).
    fills = ("#1f5fa8", f"url(#{hatch})")
    largest = max((sum(bar.parts) for bar in bars), default=0) or 1
    top = 24 if legend else 0
    height = top + ROW_HEIGHT * max(len(bars), 1) + 8
    width = LABEL_WIDTH + BAR_WIDTH + NUMBER_WIDTH
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" {FONT}>',
        f"<title>{escape(title)}</title>",
        f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#b0361f" stroke-width="3"/></pattern></defs>',
    ]
    for index, name in enumerate(legend):
        x = LABEL_WIDTH + index * 140
        out.append(
            f'<rect x="{x}" y="4" width="14" height="14" fill="{fills[index % 2]}" '
            f'stroke="#333333"/><text x="{x + 20}" y="16">{escape(name)}</text>'
        )
    for row, bar in enumerate(bars):
        y = top + row * ROW_HEIGHT
        out.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 18}" text-anchor="end">{escape(bar.label)}</text>'
        )
        x = float(LABEL_WIDTH)
        for index, part in enumerate(bar.parts):
            length = BAR_WIDTH * part / largest
            if length > 0:
                out.append(
                    f'<rect x="{x:.1f}" y="{y + 5}" width="{length:.1f}" height="18" '
                    f'fill="{fills[index % 2]}" stroke="#333333" stroke-width="0.5"/>'
                )
            x += length
        out.append(f'<text x="{x + 6:.1f}" y="{y + 18}">{escape(bar.caption)}</text>')
    out.append("</svg>")
    return "".join(out)
