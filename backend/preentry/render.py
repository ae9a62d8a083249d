"""The phone form's pages: Jinja2 templates from templates/, autoescaped without exception
(nothing a resident typed is ever marked safe; the QR's SVG is made here, from our own
numbers). Every page says its language, and in practice mode every page says 練習."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from starlette.responses import HTMLResponse

from backend.preentry import urls
from backend.preentry.catalog import PhoneCatalog
from core.i18n import TITLE_LANGUAGES

TEMPLATES = Path(__file__).parent / "templates"
# The html lang attribute: screen readers pick their voice by it.
HTML_LANG = {"ja": "ja", "ja-easy": "ja", "en": "en", "zh": "zh-CN", "ko": "ko", "pt": "pt-BR"}

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def language_of(value: object) -> str:
    return value if isinstance(value, str) and value in TITLE_LANGUAGES else "ja"


def translator(phone: PhoneCatalog, language: str) -> Callable[..., str]:
    def t(key: str, **values: object) -> str:
        return phone.ui.get(key, language, **values)

    return t


def page(
    template: str,
    phone: PhoneCatalog,
    language: str,
    *,
    practice: bool,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    t = translator(phone, language)
    body = environment.get_template(template).render(
        t=t,
        lang=language,
        html_lang=HTML_LANG.get(language, language),
        languages=TITLE_LANGUAGES,
        practice=practice,
        site=phone.catalog.municipality.name.text(language),
        urls=urls,
        **context,
    )
    return HTMLResponse(body, status_code=status_code)


def trusted_svg(svg: str) -> Markup:
    """The QR's SVG: built in qr_svg from module coordinates and our own label (escaped)."""
    return Markup(svg)
