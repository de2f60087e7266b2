"""The reports' page machinery: one Jinja2 environment (autoescape on, gettext installed).

API (the quality report, the round report and the gap heatmap use it):

- ``render(template, lang, **context) -> str``: a template of ``mtm/reports/templates`` in
  ``lang`` (``en``, ``ru``, ``ky``). Every value is escaped unless a template marks it safe; text
  goes through the language's message catalogue (``mtm.reports.i18n``); ``fmt`` (numbers, dates
  per locale) and ``lang`` are globals of every template.
- ``CSP``: the page's Content-Security-Policy (inline styles and ``data:`` images only, so a mail
  client or browser fetches nothing even if a caller slips in an external URL).
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from mtm.reports.i18n import TEMPLATES_DIR, Formats, check_lang, translations

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@lru_cache(maxsize=8)
def environment(lang: str) -> Environment:
    """The Jinja2 environment of one language."""
    check_lang(lang)
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                      undefined=StrictUndefined, lstrip_blocks=True,
                      extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(lang=lang, fmt=Formats(lang), csp=CSP)
    return env


def render(template: str, lang: str, **context: object) -> str:
    """``template`` rendered in ``lang`` with ``context``."""
    return environment(lang).get_template(template).render(**context)


def gettext(lang: str, message: str) -> str:
    """One message of Python code (marked with ``i18n.N_``) in ``lang``."""
    return translations(lang).gettext(message)
