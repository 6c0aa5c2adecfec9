"""Every surface inside Slack's limits, for accounts of 1, 300 and 3,000 users with 1- to 200-character
names (bench/payloads.py builds the account and renders the surfaces through the real use cases, worker
and builders; `.venv/bin/python -m bench.payloads` prints their sizes).

slack_sdk's own validators (`slack_sdk.models`) check each block and view; the limits they do not check
(blocks per message, a message's text budget, the fallback, options per select, private_metadata) are
checked here. The app speaks English only: there is one language to check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.models.blocks import Block as SdkBlock
from slack_sdk.models.views import View as SdkView

from bench.payloads import TEAM, Surface, build_account, options, surfaces, text_length
from bot.testing.blocktext import view_to_text
from bot.usecases import people
from handlers.blocks.modals import STATIC_LIMIT, deactivate_view, suggestions
from handlers.blocks.mrkdwn import FALLBACK_LIMIT, MESSAGE_BLOCKS, MESSAGE_TEXT_BUDGET
from store.db import Database

VIEW_BLOCKS = 100
METADATA = 3000
OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150
SECTION_TEXT = 3000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTION_ELEMENTS = 25
BUTTON_VALUE = 2000


def walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def check_blocks(blocks: list[dict[str, Any]]) -> None:
    for block in blocks:
        parsed = SdkBlock.parse(block)
        assert parsed is not None, block
        parsed.validate_json()  # slack_sdk: text lengths, required fields, element counts it knows
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= SECTION_TEXT
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= HEADER_TEXT
        if block["type"] == "context":
            assert len(block["elements"]) <= CONTEXT_ELEMENTS
        if block["type"] == "actions":
            assert len(block["elements"]) <= ACTION_ELEMENTS
    for node in walk(blocks):
        if node.get("type") == "button" and "value" in node:
            assert len(node["value"]) <= BUTTON_VALUE
        for option in node.get("options") or []:
            assert len(option["text"]["text"]) <= OPTION_TEXT and len(option["value"]) <= OPTION_VALUE
    assert options(blocks) <= OPTIONS


def check(surface: Surface) -> None:
    p = surface.payload
    blocks = p.get("blocks") or []
    check_blocks(blocks)
    if surface.kind == "message":
        assert 1 <= len(blocks) <= MESSAGE_BLOCKS
        assert text_length(blocks) <= MESSAGE_TEXT_BUDGET
        assert 0 < len(p["text"]) <= FALLBACK_LIMIT
        assert not any("more blocks left out" in str(b) for b in blocks)  # the lists fit by themselves
    elif surface.kind in ("modal", "home"):
        SdkView(**p).validate_json()
        assert 1 <= len(blocks) <= VIEW_BLOCKS
        assert len(p.get("private_metadata") or "") <= METADATA
    else:
        assert len(blocks) <= MESSAGE_BLOCKS and text_length(blocks) <= MESSAGE_TEXT_BUDGET


@pytest.mark.parametrize("length", [None, 1, 200], ids=["names 1-200", "names 1", "names 200"])
@pytest.mark.parametrize("count", [1, 300, 3000])
def test_every_surface_stays_inside_slacks_limits(db: Database, count: int, length: int | None) -> None:
    if count == 3000 and length == 1:
        pytest.skip("3,000 one-letter names prove nothing the 1-200 run does not")
    build_account(db, count, length)
    seen = {s.name: s for s in surfaces(db)}
    expected = {"consent section", "license page", "App Home", "users list", "deactivate modal", "renewal summary"}
    expected |= {"at-risk list modal", "at-risk list modal, last page", "users --at-risk", "renewal list modal"}
    if count > 1:
        expected |= {"reminder", "d3 reminder"}
        assert "Escalation" in str(seen["d3 reminder"].payload["blocks"][0])
    assert expected <= set(seen)
    for surface in seen.values():
        check(surface)
    modal = seen["deactivate modal"].payload
    element = modal["blocks"][1]["element"]
    assert element["type"] == ("multi_static_select" if count <= STATIC_LIMIT else "multi_external_select")


@pytest.mark.parametrize("count", [300, 3000])
def test_large_lists_name_the_first_and_count_the_rest(db: Database, count: int) -> None:
    build_account(db, count)
    seen = {s.name: s.payload for s in surfaces(db)}
    admins = (count + 99) // 100
    shortfall = count - admins  # every non-admin goes
    for name in ("license page", "reminder", "d3 reminder", "renewal summary"):
        text = str(seen[name]["blocks"])
        assert "more users" in text and "See all" in text, name
    channel = str(seen["d3 reminder"]["blocks"])
    # the largest d3 message is the admin channel's escalation: 20 admins mentioned, the rest counted
    assert channel.count("<@") == min(20, admins) and (admins <= 20 or f"and {admins - 20} more" in channel)
    renewal = view_to_text(seen["renewal list modal"])
    assert f"1–50 of {shortfall} · page 1 of {-(-shortfall // 50)}." in renewal
    assert f"…and {shortfall - 10} more users" in str(seen["reminder"]["blocks"])


def test_the_type_ahead_answers_at_most_100_options_admins_first_marks_kept(db: Database) -> None:
    build_account(db, 3000, 200)
    found = people.search_active(db, team=TEAM, text="")
    answer = suggestions(found)
    assert len(answer) == OPTIONS
    admins = [o for o in answer if o["text"]["text"].endswith(" (admin)")]
    assert len(admins) == 30 and answer[:30] == admins  # every admin, first, the mark kept on 200-char names
    assert all(len(o["text"]["text"]) <= OPTION_TEXT for o in answer)
    typed = people.search_active(db, team=TEAM, text="m2999 ")
    assert [p.name[:5] for p in typed] == ["M2999"]
    assert people.search_active(db, team=TEAM, text="%_") == []  # LIKE wildcards are text
    static = deactivate_view(people.active_people(db, team=TEAM, limit=5), active=5, has_pending=True)
    SdkView(**static).validate_json()
