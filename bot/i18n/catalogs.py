"""The gettext catalogs: `.po` files in the repository, compiled to `.mo` at install and build time.

- `make install` runs `python -m bot.i18n` (compiles every catalog next to its .po);
- the wheel (and so the Docker image) gets them from setup.py's build step (`compile_into`);
- a catalog whose .mo is missing or older than its .po (a translation edited since) is compiled in memory
  when it is first needed, so a stale .mo is never used. The .mo files are never committed (.gitignore).
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "licensebot"
LOCALE_DIR = Path(__file__).with_name("locales")
SOURCE_LANGUAGE = "en"
"""The message ids are the English texts: English needs no catalog."""


def po_path(lang: str, root: Path = LOCALE_DIR) -> Path:
    return root / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalog_languages(root: Path = LOCALE_DIR) -> list[str]:
    """The languages that have a catalog."""
    return sorted(p.parent.parent.name for p in root.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def _compiled(po: Path) -> bytes:
    with po.open("rb") as f:
        catalog = read_po(f)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The translations of `lang` (English and a language without a catalog: the message ids as they are)."""
    po = po_path(lang)
    if lang == SOURCE_LANGUAGE or not po.exists():
        return gettext.NullTranslations()
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as f:
            return gettext.GNUTranslations(f)
    return gettext.GNUTranslations(io.BytesIO(_compiled(po)))


def compile_into(root: Path) -> list[Path]:
    """Compile every catalog under `root` (a locales folder) to its .mo; returns the files written."""
    written = []
    for lang in catalog_languages(root):
        po = po_path(lang, root)
        mo = po.with_suffix(".mo")
        mo.write_bytes(_compiled(po))
        written.append(mo)
    return written


def main() -> int:
    for mo in compile_into(LOCALE_DIR):
        print(f"compiled {mo.relative_to(LOCALE_DIR.parent.parent.parent)}")
    return 0
