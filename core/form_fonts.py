"""The fonts of the printed 申請書, and how a resident's text is split among them.

IPAex Mincho prints almost everything (IPAex Gothic the labels). What it lacks — characters
beyond JIS X 0213 such as 𠮷, and ideographic variation sequences (葛 + U+E0100) naming one glyph
of a character — is printed from IPAmj明朝, the font made for 住民基本台帳 names, as an embedded
TrueType subset. reportlab reads only a font's ordinary cmap, never its variation-sequence table
(cmap format 14): a sequence is resolved here with fontTools and its glyph given a private code
point of its own, the way reportlab's own shaping does, so that reportlab subsets and draws it.
A sequence IPAmj does not register (its table follows the Moji_Joho collection; 葛󠄀 is an
Adobe-Japan1 one) is drawn as the glyph's outline from Noto Sans CJK JP, whose CFF outlines
reportlab cannot embed as a font.

Either way the PDF's text stays the resident's: a stand-in code or an outline is wrapped in an
ActualText span carrying the real sequence (and an outline gets an invisible base character
inside that span), so pdftotext and copying yield exactly what was entered. Nothing is ever
replaced silently: every such piece is a `GaijiMark` for staff, and a piece no installed font
can draw is printed as its code points (U+20BB7) and marked, never as a missing-glyph box.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from fontTools.pens.basePen import BasePen
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from core.fonts import UI_FAMILY, font_file

log = logging.getLogger(__name__)

MINCHO = "IPAexMincho"  # answers: the paper form's typeface
GOTHIC = "IPAexGothic"  # labels and headings
GAIJI = "IPAmjMincho"  # 外字: what IPAex lacks
OUTLINE_FAMILY = "Noto Serif CJK JP"  # variation sequences IPAmj lacks, drawn as outlines
# Code points handed to IVS glyphs: Supplementary Private Use Area-B, which no resident's text
# uses; a code IPAmj's own cmap already maps is skipped.
PRIVATE_FIRST = 0x100000
NO_GAIJI_FONT = "IPAmj明朝 fonts-ipamj-mincho が入っていません"


class FormFontMissing(RuntimeError):
    """IPAex is not installed: no form can be printed (scripts/install-system-packages)."""


class GaijiKind(StrEnum):
    OUTSIDE_MAIN = "outside_main"  # printed with IPAmj明朝 (𠮷)
    VARIATION = "variation"  # a variation sequence printed as its own glyph (葛󠄀)
    UNPRINTABLE = "unprintable"  # no installed font has it: printed as its code points


@dataclass(frozen=True)
class GaijiMark:
    """One character (or sequence) staff should know was not printed with the main font."""

    text: str  # as the resident entered it
    kind: GaijiKind
    source: str = ""  # the font it was printed from; for UNPRINTABLE, why not

    @property
    def code_points(self) -> str:
        return " ".join(f"U+{ord(char):04X}" for char in self.text)

    @property
    def note(self) -> str:
        """The footnote staff read beside the form's ※外字 marks."""
        if self.kind is GaijiKind.OUTSIDE_MAIN:
            return f"「{self.text}」{self.code_points}: {self.source}で印字"
        if self.kind is GaijiKind.VARIATION:
            return (
                f"「{self.text}」{self.code_points}: 異体字（字形の指定あり）。"
                f"{self.source}の字形で印字"
            )
        return f"{self.code_points}: 印字できません（{self.source}）。本人に字形を確かめてください"


@dataclass(frozen=True)
class Outline:
    """A glyph as a filled path in font units (moveTo, lineTo, curveTo, close)."""

    commands: tuple[tuple[str, tuple[float, ...]], ...]
    advance: float  # in font units
    units_per_em: int

    def width(self, size: float) -> float:
        return self.advance * size / self.units_per_em


@dataclass(frozen=True)
class Run:
    """A piece of text drawn with one font, or one glyph drawn as an outline. `actual` is the
    real text when what is drawn stands in for it (a private code, an outline, code points)."""

    text: str
    font: str
    actual: str | None = None
    outline: Outline | None = None


def _is_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def units(text: str) -> list[str]:
    """The text as characters, each with the variation selectors that follow it."""
    found: list[str] = []
    for char in text:
        if found and _is_selector(char):
            found[-1] += char
        else:
            found.append(char)
    return found


def _sequences(path: Path, font_number: int = 0) -> dict[tuple[int, int], str | None]:
    """(base, selector) → glyph name from a font's cmap format 14; None: the base's own glyph."""
    from fontTools.ttLib import TTFont as ToolsFont  # only when a sequence is first printed

    font = ToolsFont(str(path), fontNumber=font_number, lazy=True)
    table = font["cmap"].getcmap(0, 5)
    if table is None:
        return {}
    return {
        (base, selector): name for selector, pairs in table.uvsDict.items() for base, name in pairs
    }


class _PathPen(BasePen):
    """Records a glyph as moveTo/lineTo/curveTo/closePath, components decomposed and any
    quadratic curve made cubic (BasePen does both)."""

    def __init__(self, glyph_set) -> None:
        super().__init__(glyph_set)
        self.commands: list[tuple[str, tuple[float, ...]]] = []

    def _moveTo(self, point) -> None:
        self.commands.append(("moveTo", tuple(point)))

    def _lineTo(self, point) -> None:
        self.commands.append(("lineTo", tuple(point)))

    def _curveToOne(self, first, second, third) -> None:
        self.commands.append(("curveTo", (*first, *second, *third)))

    def _closePath(self) -> None:
        self.commands.append(("closePath", ()))

    _endPath = _closePath  # an open contour is filled like a closed one


class _OutlineSource:
    """A Noto CJK font's variation sequences (Adobe-Japan1), drawn as outlines: its CFF
    outlines cannot be embedded as a font by reportlab."""

    def __init__(self, path: Path) -> None:
        from fontTools.ttLib import TTFont as ToolsFont

        self.font = ToolsFont(str(path), fontNumber=0, lazy=True)
        self.cmap = self.font.getBestCmap()
        self.sequences = _sequences(path)
        self.glyphs = self.font.getGlyphSet()
        self.units_per_em = self.font["head"].unitsPerEm

    def outline(self, unit: str) -> Outline | None:
        key = (ord(unit[0]), ord(unit[1]))
        if key not in self.sequences:
            return None
        name = self.sequences[key] or self.cmap.get(key[0])
        if name is None:
            return None
        pen = _PathPen(self.glyphs)
        glyph = self.glyphs[name]
        glyph.draw(pen)
        commands = tuple(pen.commands)
        return Outline(commands, glyph.width, self.units_per_em)


class FormFonts:
    """The registered fonts of one process, and the splitting of text among them."""

    def __init__(
        self,
        main: TTFont,
        gothic: TTFont,
        gaiji: TTFont | None,
        gaiji_path: Path | None = None,
        outline_font: tuple[str, Path] | None = None,
    ) -> None:
        self.main = main
        self.gothic = gothic
        self.gaiji = gaiji
        self._gaiji_path = gaiji_path
        # (family, file) of the font whose outlines draw the sequences IPAmj lacks
        self._outline_name, self._outline_path = outline_font or ("", None)
        self._gaiji_sequences: dict[tuple[int, int], str | None] | None = None
        self._outlines: _OutlineSource | None = None
        self._glyph_ids: dict[str, int] = {}
        self._advances: dict[str, float] = {}
        self._private: dict[str, str] = {}  # sequence → the private code standing for it
        self._lock = threading.Lock()  # the backend builds forms on several threads

    def _gaiji_glyph(self, unit: str) -> tuple[int, float] | None:
        """IPAmj's glyph id for a variation sequence and its advance (per 1000 em), or None
        when IPAmj does not register the sequence."""
        if self.gaiji is None or self._gaiji_path is None:
            return None
        with self._lock:
            if self._gaiji_sequences is None:
                from fontTools.ttLib import TTFont as ToolsFont

                self._gaiji_sequences = _sequences(self._gaiji_path)
                tools = ToolsFont(str(self._gaiji_path), lazy=True)
                # A TrueType font's glyph order is its ids; hmtx has every glyph's advance
                # (reportlab's own table holds scaled values past numberOfHMetrics).
                self._glyph_ids = {name: index for index, name in enumerate(tools.getGlyphOrder())}
                scale = 1000 / tools["head"].unitsPerEm
                self._advances = {
                    name: advance * scale for name, (advance, _) in tools["hmtx"].metrics.items()
                }
        key = (ord(unit[0]), ord(unit[1]))
        if key not in self._gaiji_sequences:
            return None
        name = self._gaiji_sequences[key]
        if name is None:  # a default sequence: the base character's own glyph
            face = self.gaiji.face
            glyph = face.charToGlyph.get(key[0])
            return None if glyph is None else (glyph, face.charWidths[key[0]])
        if name not in self._glyph_ids:
            return None
        return self._glyph_ids[name], self._advances[name]

    def _outline(self, unit: str) -> Outline | None:
        if self._outline_path is None:
            return None
        with self._lock:
            if self._outlines is None:
                self._outlines = _OutlineSource(self._outline_path)
        return self._outlines.outline(unit[:2])

    def _stand_in(self, unit: str, glyph: int, advance: float) -> str:
        """A private code point mapped to `glyph` in IPAmj's face."""
        with self._lock:
            if unit in self._private:
                return self._private[unit]
            face = self.gaiji.face
            code = PRIVATE_FIRST + len(self._private)
            while code in face.charToGlyph:
                code += 1
            face.charToGlyph[code] = glyph
            face.glyphToChar.setdefault(glyph, []).append(code)
            face.charWidths[code] = advance
            self._private[unit] = chr(code)
            return chr(code)

    def _piece(self, unit: str, main: TTFont) -> tuple[Run, GaijiMark | None]:
        codes = main.face.charToGlyph
        if len(unit) == 1 and (ord(unit) in codes or unit == "\n"):
            return Run(unit, main.fontName), None
        if len(unit) == 1 and unit.isspace():  # a tab or an odd space: a space on paper
            return Run(" ", main.fontName), None
        if len(unit) == 1 and self.gaiji is not None and ord(unit) in self.gaiji.face.charToGlyph:
            # reportlab's ToUnicode keeps only 16 bits of a code: the span keeps the real one.
            actual = unit if ord(unit) > 0xFFFF else None
            return Run(unit, GAIJI, actual), GaijiMark(unit, GaijiKind.OUTSIDE_MAIN, "IPAmj明朝")
        if len(unit) > 1 and (found := self._gaiji_glyph(unit)) is not None:
            mark = GaijiMark(unit, GaijiKind.VARIATION, "IPAmj明朝")
            return Run(self._stand_in(unit, *found), GAIJI, unit), mark
        if len(unit) > 1 and (outline := self._outline(unit)) is not None:
            mark = GaijiMark(unit, GaijiKind.VARIATION, self._outline_name)
            return Run(unit[0], main.fontName, unit, outline), mark
        shown = "[" + " ".join(f"U+{ord(char):04X}" for char in unit) + "]"
        why = NO_GAIJI_FONT if self.gaiji is None else "どのフォントにもない文字です"
        log.warning("form: %s cannot be printed: %s", shown, why)
        return Run(shown, main.fontName, unit), GaijiMark(unit, GaijiKind.UNPRINTABLE, why)

    def runs(self, text: str, font: str = MINCHO) -> tuple[list[Run], list[GaijiMark]]:
        """text as runs of one font each, and the marks staff should see beside it."""
        main = self.gothic if font == GOTHIC else self.main
        pieces: list[Run] = []
        marks: dict[str, GaijiMark] = {}
        for unit in units(text):
            piece, mark = self._piece(unit, main)
            if mark is not None:
                marks.setdefault(unit, mark)
            last = pieces[-1] if pieces else None
            if last and last.font == piece.font and not (last.actual or piece.actual):
                pieces[-1] = Run(last.text + piece.text, piece.font)
            else:
                pieces.append(piece)
        return pieces, list(marks.values())

    @staticmethod
    def run_width(run: Run, size: float) -> float:
        if run.outline is not None:
            return run.outline.width(size)
        return pdfmetrics.stringWidth(run.text, run.font, size)

    def width(self, runs: list[Run], size: float) -> float:
        return sum(self.run_width(run, size) for run in runs)


def _register(name: str, path: Path | None) -> TTFont | None:
    if path is None:
        return None
    try:
        # asciiReadable=False: a subset holds only the glyphs used, not all of ASCII besides.
        font = TTFont(name, str(path), asciiReadable=False)
    except (TTFError, OSError) as error:  # a CFF font found by fc-match, an unreadable file
        log.warning("form: %s at %s cannot be embedded: %s", name, path, error)
        return None
    font.face.makeSubset = _without_hinting(font.face.makeSubset)
    pdfmetrics.registerFont(font)
    return font


HINTING_TABLES = ("fpgm", "prep", "cvt ")


def _without_hinting(make_subset):
    """reportlab's subsetter, then the glyphs' hinting programs taken out: almost half of an
    IPAex glyph's bytes, and worth nothing on paper (hinting fits outlines to screen pixels).
    Set on the face of each form font, whose addSubsetObjects calls self.makeSubset."""

    def make(subset) -> bytes:
        from fontTools.ttLib import TTFont as ToolsFont

        tools = ToolsFont(io.BytesIO(make_subset(subset)))
        glyphs = tools["glyf"]
        for glyph_name in tools.getGlyphOrder():
            glyphs[glyph_name].removeHinting()
        for tag in HINTING_TABLES:
            if tag in tools:
                del tools[tag]
        out = io.BytesIO()
        tools.save(out)
        return out.getvalue()

    return make


@cache
def form_fonts() -> FormFonts:
    """The fonts, registered with reportlab once per process."""
    main = _register(MINCHO, font_file(MINCHO))
    gothic = _register(GOTHIC, font_file(GOTHIC))
    if main is None or gothic is None:
        raise FormFontMissing(
            "IPAex fonts (fonts-ipaexfont) are not installed: run scripts/install-system-packages"
        )
    gaiji_path = font_file(GAIJI)
    gaiji = _register(GAIJI, gaiji_path)
    if gaiji is None:
        log.warning(
            "form: IPAmj明朝 (fonts-ipamj-mincho) is not installed: characters IPAex lacks "
            "print as their code points, marked for staff"
        )
    outlines = next(
        ((family, path) for family in (OUTLINE_FAMILY, UI_FAMILY) if (path := font_file(family))),
        None,
    )
    return FormFonts(main, gothic, gaiji, gaiji_path if gaiji else None, outlines)
