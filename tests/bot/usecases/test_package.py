"""bot/usecases/ is a package: every name the code imports from `bot.usecases` is still there."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import bot
from bot import usecases

ROOT = Path(bot.__file__).parent.parent


def names_used_from_usecases() -> set[str]:
    """`from bot.usecases import X` and `usecases.X` anywhere in bot/, handlers/, tests/ (outside the package)."""
    used: set[str] = set()
    for folder in ("bot", "handlers", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            if "usecases" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "bot.usecases":
                    used.update(alias.name for alias in node.names)
                elif isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "usecases":
                    used.add(node.attr)
    return used


def test_every_name_the_code_uses_is_exported() -> None:
    modules = {p.stem for p in (ROOT / "bot" / "usecases").glob("*.py")}
    used = {name for name in names_used_from_usecases() if not name.startswith("__") and name not in modules}
    assert {"license_page", "submit_reduction", "cancel_request"} <= used  # the scan works
    assert used <= set(usecases.__all__), used - set(usecases.__all__)
    assert all(hasattr(usecases, name) for name in usecases.__all__)


def test_the_package_exports_use_cases_only() -> None:
    # Functions, and the one input type; the shared reads are store/queries.py, the results core types.
    exported = {name: getattr(usecases, name) for name in usecases.__all__}
    assert {n for n, v in exported.items() if not inspect.isfunction(v)} == {"AccountChanges", "Database"}


def test_no_module_file_is_left_beside_the_package() -> None:
    # A bot/usecases.py next to bot/usecases/ would be silently ignored (the package wins the import).
    assert not (ROOT / "bot" / "usecases.py").exists()
