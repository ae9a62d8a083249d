"""Text for the application form: runs of the form's fonts wrapped inside a width, with
行頭禁則, and drawn — 外字 stand-ins inside an ActualText span, so that a text extractor (and
a screen reader) gets the resident's real character (core/application_form.py lays it out)."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.pdfgen.canvas import Canvas

from core.form_fonts import FormFonts, GaijiMark, Run

LEADING = 1.38  # line distance per point of type: room for 外字 that reach lower
# 行頭禁則: characters a Japanese line never starts with.
NO_LINE_START = frozenset(
    "、。，．,.）」』】〕］｝)]}・：；ー～ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々"
)


def _atoms(runs: list[Run]) -> list[Run]:
    """Runs cut into the smallest pieces a line may break between."""
    pieces: list[Run] = []
    for run in runs:
        if run.actual or run.outline:
            pieces.append(run)
        else:
            pieces += [Run(char, run.font) for char in run.text]
    return pieces


def _merged(atoms: list[Run]) -> list[Run]:
    line: list[Run] = []
    for atom in atoms:
        last = line[-1] if line else None
        plain = not (atom.actual or atom.outline)
        if last and plain and not (last.actual or last.outline) and last.font == atom.font:
            line[-1] = Run(last.text + atom.text, atom.font)
        else:
            line.append(atom)
    return line


@dataclass
class Text:
    """Text wrapped to a width: lines of runs, and the 外字 marks found in it."""

    lines: list[list[Run]]
    marks: list[GaijiMark]
    size: float
    leading: float
    marked: bool = False  # ※外字 follows the last line


def wrap(fonts: FormFonts, text: str, font: str, size: float, width: float) -> Text:
    runs, marks = fonts.runs(text, font)
    lines: list[list[Run]] = []
    current: list[Run] = []
    used = 0.0
    for atom in _atoms(runs):
        if atom.text == "\n" and not atom.actual:
            lines.append(_merged(current))
            current, used = [], 0.0
            continue
        advance = fonts.run_width(atom, size)
        if current and used + advance > width:
            if atom.text.isspace() and not atom.actual:
                lines.append(_merged(current))
                current, used = [], 0.0
                continue  # a line never starts with the space it broke at
            carried: list[Run] = []
            if atom.text in NO_LINE_START and len(current) > 1:
                carried = [current.pop()]  # 行頭禁則: the character before comes along
            lines.append(_merged(current))
            current, used = carried, fonts.width(carried, size)
        current.append(atom)
        used += advance
    lines.append(_merged(current))
    return Text(lines, marks, size, size * LEADING)


def _actual_text(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def draw_runs(canvas: Canvas, fonts: FormFonts, runs: list[Run], x: float, y: float, size: float):
    """One line at baseline y; a stand-in is wrapped in an ActualText span with the real text."""
    for run in runs:
        width = fonts.run_width(run, size)
        if run.actual:
            canvas.addLiteral(f"/Span <</ActualText {_actual_text(run.actual)}>> BDC")
        if run.outline is not None:
            _draw_outline(canvas, run, x, y, size)
            # An invisible character inside the span: a text extractor needs one to place it.
            # The render mode is graphics state: saved and restored, or all later text vanishes.
            canvas.saveState()
            text = canvas.beginText(x, y)
            text.setTextRenderMode(3)
            text.setFont(run.font, size)
            text.textOut(run.text)
            canvas.drawText(text)
            canvas.restoreState()
        else:
            canvas.setFont(run.font, size)
            canvas.drawString(x, y, run.text)
        if run.actual:
            canvas.addLiteral("EMC")
        x += width


def _draw_outline(canvas: Canvas, run: Run, x: float, y: float, size: float) -> None:
    outline = run.outline
    scale = size / outline.units_per_em
    path = canvas.beginPath()
    for operator, values in outline.commands:
        points = [v * scale for v in values]
        if operator == "moveTo":
            path.moveTo(x + points[0], y + points[1])
        elif operator == "lineTo":
            path.lineTo(x + points[0], y + points[1])
        elif operator == "curveTo":
            path.curveTo(
                x + points[0],
                y + points[1],
                x + points[2],
                y + points[3],
                x + points[4],
                y + points[5],
            )
        else:
            path.close()
    canvas.drawPath(path, stroke=0, fill=1)
