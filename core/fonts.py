"""Find the Japanese font files the kiosk relies on; never leave it to font fallback."""

from __future__ import annotations

from pathlib import Path

# Debian's fonts-noto-cjk and fonts-ipaexfont (scripts/install-system-packages).
UI_FAMILY = "Noto Sans CJK JP"
KNOWN_FILES: dict[str, tuple[Path, ...]] = {
    "Noto Sans CJK JP": (
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ),
    "IPAexGothic": (Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),),
    # The printed 申請書 (core/application_form.py): IPAex Mincho for answers, and IPAmj明朝
    # (fonts-ipamj-mincho, made for 住民基本台帳 names) for what IPAex lacks: 𠮷, IVS.
    "IPAexMincho": (Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),),
    "IPAmjMincho": (Path("/usr/share/fonts/truetype/ipamj/ipamjm.ttf"),),
    # Face 0 is JP. Its CFF outlines cannot be embedded as a font: the form draws from it only
    # the variation sequences IPAmj does not register (Adobe-Japan1 ones such as 葛󠄀).
    "Noto Serif CJK JP": (Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),),
}
FC_MATCH_TIMEOUT_S = 5


def font_file(family: str) -> Path | None:
    """The regular font file of a family, or None when it is not installed."""
    for path in KNOWN_FILES.get(family, ()):
        if path.is_file():
            return path
    # Asked only when the known files are missing: the first screen must not wait on a process.
    import shutil
    import subprocess

    if shutil.which("fc-match") is None:
        return None
    try:
        result = subprocess.run(
            ["fc-match", "--format=%{family}\t%{file}", f"{family}:lang=ja"],
            capture_output=True,
            text=True,
            timeout=FC_MATCH_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    families, _, file = result.stdout.partition("\t")
    if family.lower() in families.lower() and file:
        return Path(file)
    return None


def receipt_font() -> Path | None:
    """IPAex Gothic draws receipts (a single TTF, fast to load); Noto is the fallback."""
    return font_file("IPAexGothic") or font_file(UI_FAMILY)


def rare_character_font() -> Path | None:
    """Noto Sans CJK JP (face 0 of its collection) has 𠮷 and other characters beyond JIS X 0208
    that IPAex lacks; receipt lines holding them are drawn with it."""
    return font_file(UI_FAMILY) or receipt_font()
