"""The sizes a display profile gives every resident screen: one set for the counter terminal,
one for the phone-sized window; the screens are the same, only these numbers differ.

Kiosk (1920×1080 at 141 ppi, shared/UX.md): body text 32/40/48 px, nothing under 24 px,
targets ≥ 110 px (20 mm) for actions and ≥ 84 px (15 mm) for every key.

Phone (390×844 logical px, portrait, for smartphone classes projected on a wall). UX.md gives
no phone sizes, so the phone's own guidance is used, aimed above its minimum as the kiosk aims
above its own: targets ≥ 48 px (Android 48 dp; Apple asks 44 pt; WCAG 2.5.8 only 24 px),
actions 56 px, ≥ 8 px apart as on the kiosk; body text 20/24/28 px and nothing under 16 px (the
Digital Agency's web body size), headings 1.3× body
(at most 32 px, still above the 28 px largest body). 15 mm on a phone would be ≈ 96 logical px:
ten 50-on columns would need a 1000 px wide screen, so the phone keyboards page their keys in
groups (あ〜な / は〜ん, the two halves of QWERTY) instead of shrinking them below 48 px.
"""

from __future__ import annotations

from typing import NamedTuple

from kiosk.config_base import Profile, TextSize


class Metrics(NamedTuple):  # (a NamedTuple: see kiosk.config_base.KioskPaths)
    narrow: bool  # portrait phone: rows stack, keyboards page their keys in groups
    body_px: tuple[int, int, int]  # standard, large, largest
    heading_scale: float
    # A heading larger than this wraps to lines a phone cannot spare at the largest size
    # (a four-line question pushes the keyboard under the fold); bold keeps it a heading.
    heading_max_px: int
    smallest_px: int  # no resident-visible text under this
    number_scale: float  # the reception number, times the body size
    primary_target_px: int
    min_target_px: int
    gap_px: int
    page_margins: tuple[int, int, int, int]  # left, top, right, bottom
    button_padding: str  # the stylesheet's padding inside a button
    overlay_margin_px: int
    icon_px: int
    menu_columns: int
    # Touch keyboards (kana, number pad, 和暦, postal code): their own font sizes, which do
    # not follow the body size (a body-sized glyph at "largest" would not fit the key).
    key_spacing_px: int
    glyph_px: int
    key_label_px: int
    entry_px: int
    candidate_px: int
    pad_key_min: tuple[int, int]
    pad_key_max: tuple[int, int]
    edit_key_min_width: int
    days_per_row: int
    qr_module_px: int
    review_change_px: int

    def body(self, size: TextSize) -> int:
        return self.body_px[list(TextSize).index(TextSize(size))]

    def choice_columns(self, options: int) -> int:
        """One column reads best; more when the options would not fit the height."""
        if self.narrow:
            return 1 if options <= 5 else 2
        return 1 if options <= 4 else 2 if options <= 8 else 3


KIOSK = Metrics(
    narrow=False,
    body_px=(32, 40, 48),
    heading_scale=1.5,
    heading_max_px=72,  # no cap: 48 px body × 1.5
    smallest_px=24,
    number_scale=4.0,
    primary_target_px=110,  # 20 mm at 141 ppi
    min_target_px=84,  # 15 mm
    gap_px=16,
    page_margins=(48, 32, 48, 32),
    button_padding="8px 24px",
    overlay_margin_px=64,
    icon_px=64,
    menu_columns=2,
    key_spacing_px=8,
    # 40 px is just under half the smallest key, well above the 24 px floor; the keyboards
    # must stay within 1840×560 below the question heading.
    glyph_px=40,
    key_label_px=30,
    entry_px=48,
    candidate_px=36,
    pad_key_min=(150, 96),
    pad_key_max=(240, 130),
    edit_key_min_width=210,
    days_per_row=16,  # 31 days in two rows: each row fits 1840 px with 15 mm keys
    qr_module_px=8,
    review_change_px=220,
)

PHONE = Metrics(
    narrow=True,
    body_px=(20, 24, 28),
    heading_scale=1.3,
    heading_max_px=32,  # at the largest size 28 px body: 32, not 36
    smallest_px=16,
    number_scale=3.0,
    primary_target_px=56,
    min_target_px=48,
    gap_px=8,
    page_margins=(12, 10, 12, 10),
    button_padding="2px 8px",
    overlay_margin_px=16,
    icon_px=32,
    menu_columns=1,
    key_spacing_px=8,
    # Half the 48 px key, as the kiosk's 40 px is about half of its 84 px key.
    glyph_px=24,
    key_label_px=17,
    entry_px=26,
    candidate_px=18,
    pad_key_min=(88, 52),
    pad_key_max=(140, 72),
    edit_key_min_width=0,  # the editing keys share a row below the kana, not a column
    days_per_row=6,  # 31 days in six rows of six 54 px keys across 366 px
    qr_module_px=4,
    review_change_px=88,
)

_BY_PROFILE = {Profile.KIOSK: KIOSK, Profile.PHONE: PHONE}


def metrics_for(profile: Profile | str) -> Metrics:
    return _BY_PROFILE[Profile(profile)]
