"""The pure pieces of lists that never lie: the budget guard, names, option labels, previews, list refs."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.core import policy
from bot.core.results import ListKind
from handlers.blocks.lists import ListRef, preview_lines
from handlers.blocks.modals import option_label
from handlers.blocks.mrkdwn import block_text_length, fit, name_text, section


def test_fit_keeps_the_budget_and_says_what_it_left_out() -> None:
    blocks = [section("x" * 2000) for _ in range(10)]  # 20,000 characters
    kept = fit(blocks)
    assert block_text_length(kept) <= 12_000
    assert kept[-1]["elements"][0]["text"].startswith(f"… {10 - (len(kept) - 1)} more blocks left out")
    assert fit(blocks[:3]) == blocks[:3]
    assert len(fit([section("a")] * 60)) == 50


def test_names_are_escaped_and_cut_only_when_escaping_makes_them_long() -> None:
    assert name_text("Zoë & <Co>") == "Zoë &amp; &lt;Co&gt;"
    assert name_text("A" * 200) == "A" * 200
    cut = name_text("&" * 200)
    assert len(cut) <= 250 and cut.endswith("…") and "&amp" in cut and not cut[:-1].endswith("&am")


def test_option_labels_keep_the_admin_mark_on_long_names() -> None:
    assert option_label("Ann", True) == "Ann (admin)"
    long = option_label("N" * 200, True)
    assert len(long) == 75 and long.endswith("… (admin)")
    assert len(option_label("N" * 200, False)) == 75


def test_previews_name_ten_and_count_the_rest() -> None:
    people = [policy.Member(id=i, name=f"P{i}", added_at=datetime(2024, 1, 1, tzinfo=UTC)) for i in range(12)]
    lines = preview_lines(people, 5)
    assert lines[:10] == [f"• P{i}" for i in range(10)]
    assert lines[10].startswith("…and 7 more users:") and len(lines) == 11
    assert preview_lines(people[:3], 0) == ["• P0", "• P1", "• P2"]


def test_list_refs_round_trip_and_refuse_anything_else() -> None:
    ref = ListRef(ListKind.RENEWAL, date(2027, 1, 1), 3)
    assert ListRef.load(ref.dump()) == ref
    for bad in (None, 3, "", "[]", '{"k":"renewal","p":1}', '{"k":"at_risk","p":true}', '{"k":"at_risk","p":10001}'):
        assert ListRef.load(bad) is None, bad
