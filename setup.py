"""The build step pyproject.toml cannot say: the wheel (and so the Docker image) gets compiled gettext catalogs.

Every bot/i18n/locales/<lang>/LC_MESSAGES/licensebot.po is compiled to its .mo next to it in the build tree
(never committed; `make install` compiles them in the work tree: bot/i18n/catalogs.py).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path(self.build_lib, "bot", "i18n", "locales").glob("*/LC_MESSAGES/*.po"):
            with po.open("rb") as f:
                catalog = read_po(f)
            with po.with_suffix(".mo").open("wb") as f:
                write_mo(f, catalog, use_fuzzy=False)


setup(cmdclass={"build_py": BuildWithCatalogs})
