"""`/licenses` sub-commands through the real Bolt app, signed as Slack signs them."""

from __future__ import annotations

from bot import usecases
from bot.core.audit import Actor
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.ids import Action
from store.db import Database
from tests.conftest import NOW
from tests.factories import add_members
from tests.handlers.conftest import ADMIN, TEAM, USER
from tests.handlers.helpers import action_ids, audit_actions, last_reply, posts, replies


def test_status_for_an_admin_is_an_ephemeral_page_with_the_buttons(
    slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    response = slack.command(ADMIN, "")
    assert response.status == 200
    answer = replies(standin)[-1].params
    assert answer["response_type"] == "ephemeral"
    text = last_reply(standin)
    assert "Next renewal: Fri 01 Jan 2027" in text
    assert "Deadline to remove licenses: Thu 17 Dec 2026 (21 days left)" in text
    assert "10 licensed · 8 active · 2 unused" in text
    assert "Pending request: none" in text
    assert "does not lower the number of licenses" in text
    assert action_ids(answer["blocks"]) == [Action.OPEN_REDUCE, Action.OPEN_DEACTIVATE, Action.REQUEST_CONSENT]


def test_status_is_the_default_and_names_the_pending_request(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=3, now=NOW)
    slack.command(ADMIN, "status")
    text = last_reply(standin)
    assert "Pending request #1: remove 3 licenses at the renewal of Fri 01 Jan 2027 (10 → 7)" in text
    assert "Saving: €270.00 per quarterly period" in text
    assert "1 user must still be deactivated by Fri 01 Jan 2027" in text
    assert "• User 7, added" in text  # the most recently added goes automatically
    assert Action.CANCEL_REQUEST in action_ids(replies(standin)[-1].params["blocks"])


def test_a_non_admin_sees_a_read_only_page_and_is_told_who_the_admins_are(
    slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    slack.command(USER, "status")
    answer = replies(standin)[-1].params
    assert action_ids(answer["blocks"]) == []
    assert "only account admins can change licenses. The admins of Account T0001 are: User 0, User 1." in (
        last_reply(standin)
    )


def test_a_workspace_without_an_account_is_told_how_an_operator_links_it(
    slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    slack.command(ADMIN, "", team="T0OTHER")
    text = last_reply(standin)
    assert "No licensebot account is linked to the Slack workspace T0OTHER" in text
    assert "licensebot account add --team T0OTHER" in text


def test_help_names_every_sub_command_and_the_second_request_rule(
    slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    slack.command(USER, "help")
    text = last_reply(standin)
    for sub in ("status", "reduce [N]", "cancel", "users", "deactivate @user", "channel", "history", "help"):
        assert f"/licenses {sub}" in text
    assert "A second request is refused and names the pending one: cancel it first" in text


def test_unknown_text_shows_the_help(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    slack.command(ADMIN, "frobnicate <!channel>")
    text = last_reply(standin)
    assert "I do not know `frobnicate`" in text and "Did you mean" not in text
    assert "/licenses reduce [N]" in text


def test_a_typo_gets_did_you_mean(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    slack.command(ADMIN, "redcue 3")
    assert "I do not know `redcue`. Did you mean `reduce`?" in last_reply(standin)


def test_users_lists_active_users_and_who_would_go_automatically(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    slack.command(ADMIN, "users")
    text = last_reply(standin)
    assert "8 active users fit the 10 licenses" in text
    assert "User 0 · admin · added Mon 01 Jan 2024" in text
    assert "User 7 · added Mon 08 Jan 2024" in text
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=4, now=NOW)
    slack.command(ADMIN, "users")
    text = last_reply(standin)
    assert "8 active users for 6 licenses" in text and "2 users would be deactivated automatically" in text
    assert "• User 7\n• User 6\n" in text  # who goes, newest first, each named once
    assert "User 5 · added Sat 06 Jan 2024\n" in text + "\n"
    assert "more user" not in text  # all named: no "and N more"


def test_users_pages_a_large_account_and_counts_the_rest(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    add_members(db, team, 88, admins=(0, 1))  # the 8 of the fixture and 80 more
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=8, now=NOW)  # 88 active for 2
    slack.command(ADMIN, "users")
    text = last_reply(standin)
    assert "86 users would be deactivated automatically" in text
    assert "…and 76 more users: see them all with `/licenses users --at-risk`." in text
    assert "Users 1–30 of 88, oldest first · page 1 of 3. Next: `/licenses users --page 2`." in text
    slack.command(ADMIN, "users --page 3")
    assert "Users 61–88 of 88, oldest first · page 3 of 3." in last_reply(standin)
    slack.command(ADMIN, "users --at-risk --page 3")
    text = last_reply(standin)
    assert "61–86 of 86 · page 3 of 3." in text and text.count("• ") == 26
    slack.command(ADMIN, "users --page x")
    assert "`x` is not a page number." in last_reply(standin)


def test_users_and_history_are_for_admins_only(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    for sub in ("users", "history"):
        slack.command(USER, sub)
        assert last_reply(standin).startswith("Only account admins can change licenses.")


def test_history_shows_the_latest_changes(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> None:
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=2, now=NOW)
    usecases.cancel_request(db, team=team, actor=Actor.slack(ADMIN), now=NOW)
    slack.command(ADMIN, "history")
    text = last_reply(standin)
    assert "@U0000 cancelled request #1 (2 licenses, renewal of Fri 01 Jan 2027)" in text
    assert "@U0000 requested to remove 2 licenses at the renewal of Fri 01 Jan 2027 (#1)" in text
    assert "an operator imported users (8 added, 0 updated)" in text
    assert text.index("cancelled") < text.index("requested")  # newest first


def test_channel_makes_this_channel_the_admin_channel(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    slack.command(ADMIN, "channel", channel="C0LICENSES")
    assert usecases.license_page(db, team=team, now=NOW).terms.admin_channel == "C0LICENSES"
    assert posts(standin, "C0LICENSES") == ["This channel now gets the license posts of Account T0001."]
    assert "#C0LICENSES is now the admin channel" in last_reply(standin)
    assert audit_actions(db)[-1] == "account.changed"


def test_channel_says_to_invite_the_app_when_it_cannot_post_there(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    standin.fail("chat.postMessage", "not_in_channel", channel="C0PRIVATE")
    slack.command(ADMIN, "channel", channel="C0PRIVATE")
    assert usecases.license_page(db, team=team, now=NOW).terms.admin_channel == "C0PRIVATE"
    assert "invite me with `/invite @licensebot`" in last_reply(standin)


def test_channel_is_refused_in_a_dm_and_for_non_admins(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    slack.command(ADMIN, "channel", channel="D0DIRECT")
    assert "not in a DM" in last_reply(standin)
    slack.command(USER, "channel", channel="C0LICENSES")
    assert last_reply(standin).startswith("Only account admins")
    assert usecases.license_page(db, team=team, now=NOW).terms.admin_channel == "C0ADMINS"
    assert standin.calls_to("chat.postMessage") == []


def test_every_web_api_call_carries_the_bot_token(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    slack.command(ADMIN, "reduce")
    api_calls = [c for c in standin.calls if c.method != "response_url"]
    assert api_calls and {c.token for c in api_calls} == {"xoxb-test-token"}
    assert team == TEAM
