"""Every surface in Dutch and French: inside Slack's limits (French runs longer), and no English left.

The surfaces are the stored Block Kit payloads bench/payloads.py renders through the real use cases, worker
and builders (the license page, App Home, users list, modals, reminders, the renewal summary, the consent
section); the worker's queued messages are read back from the outbox and picked in the reader's language as
the sender does. English in the nl/fr output is looked for with a small word list, outside what is not
prose: `code` (commands), Slack tokens (<@U…>, <!date…>) and people's names.
"""

from __future__ import annotations

import re

import pytest

from bench.payloads import build_account, surfaces
from bot import i18n
from bot.testing.blocktext import view_to_text
from store.db import Database
from tests.handlers.blocks.test_limits import check

ENGLISH = {
    "the", "and", "to", "are", "by", "with", "you", "your", "will", "must", "only", "license",
    "licenses", "renewal", "request", "requested", "pending", "deactivate", "deactivated", "users", "user",
    "admin", "admins", "cancel", "remove", "removed", "nobody", "active", "added", "page", "next", "see",
    "all", "more", "days", "today", "tomorrow", "consent", "signed", "reminder", "deadline", "saving",
}  # fmt: skip
"""Words that are English only ("is" and "of" are Dutch words too, so not here; "page" is French: allowed in fr)."""
NOT_PROSE = re.compile(
    r"`[^`]*`|<[^>]*>|:[a-z0-9_+-]+:|M\d+[^•\n,(]*|Zoë (?:&amp;|&) Co[ A-Za-z…]*|\(asks to confirm\)"
)
"""Code spans, Slack tokens, emoji codes and the test account's names (people "M12 Zoë Ørsted-…", the account
"Zoë & Co Account name that is long …")."""
WORD = re.compile(r"[A-Za-zÀ-ÿ]+")


def texts(payload: dict[str, object]) -> str:
    if payload.get("type") in ("modal", "home"):
        return view_to_text(payload)
    return str(payload.get("text", "")) + "\n" + view_to_text({"type": "modal", "blocks": payload.get("blocks", [])})


def english_words(text: str, lang: str) -> set[str]:
    words = {w.lower() for w in WORD.findall(NOT_PROSE.sub(" ", text))}
    allowed = {"page"} if lang == "fr" else set()  # French "page" (page 1 sur 3)
    return (words & ENGLISH) - allowed


@pytest.mark.parametrize("lang", ["nl", "fr"])
@pytest.mark.parametrize(("count", "length"), [(1, None), (300, None), (3000, 200)], ids=["1", "300", "3000x200"])
def test_every_surface_in_every_language_is_inside_slacks_limits_and_has_no_english(
    db: Database, lang: str, count: int, length: int | None
) -> None:
    build_account(db, count, length)
    with i18n.use(lang):
        seen = {s.name: s for s in surfaces(db)}
    assert {"license page", "App Home", "users list", "deactivate modal", "renewal summary"} <= set(seen)
    for name, surface in seen.items():
        check(surface)
        left = english_words(texts(surface.payload), lang)
        assert not left, f"{lang} {name}: English words {sorted(left)}\n{texts(surface.payload)[:3000]}"


def test_the_word_check_finds_english() -> None:
    """The check above can fail: an English sentence is found, a Dutch one with a command and a name is not."""
    assert english_words("The renewal of Fri 01 Jan 2027 is processed.", "nl") == {"the", "renewal"}
    assert english_words("De hernieuwing van `/licenses users --at-risk` voor M12 Zoë", "nl") == set()
