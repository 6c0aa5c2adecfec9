"""The admin consent flow through signed requests: ask, review, sign, decline, revoke, deactivate."""

from __future__ import annotations

from typing import Any

import pytest

from bot import usecases
from bot.core.audit import Actor
from bot.core.errors import Invalid
from bot.testing.blocktext import message_to_text, view_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.ids import Action, Block, View
from store.db import Database
from tests.conftest import NOW
from tests.consent_factories import consent_rows
from tests.handlers.conftest import ADMIN, ADMIN2, USER
from tests.handlers.consent_steps import DM_TS, dms, request_dm_value, review, sign, value_in
from tests.handlers.helpers import action_ids, chosen, deactivate_confirmed, home_text, last_reply, member, posts

CHANNEL = "C0ADMINS"  # the admin channel of the factory account


def test_the_full_flow(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> None:
    slack.command(ADMIN, "consent <@U0001|user1>")
    assert "I asked @U0001 in a direct message for written consent" in last_reply(standin)
    [dm] = dms(standin, ADMIN2)
    text = message_to_text(dm.params)
    assert "@U0000 asks for your written consent that your admin rights in Account T0001 may be removed." in text
    assert "From the renewal of Fri 01 Jan 2027, your admin rights would be removed and your user deactivated" in text
    assert action_ids(dm.params["blocks"]) == [Action.REVIEW_CONSENT, Action.DECLINE_CONSENT]
    assert "@U0000 asked @U0001 for written consent" in posts(standin, CHANNEL)[-1]
    consent_id = request_dm_value(standin, ADMIN2)

    review(slack, ADMIN2, consent_id)
    modal = slack.modal()
    assert modal["callback_id"] == View.CONSENT
    shown = view_to_text(modal)
    assert "I, User 1, consent that my admin rights in the account Account T0001 (Slack workspace T0001)" in shown
    assert "This applies from the renewal of Friday 1 January 2027" in shown
    assert "Consent: [checkboxes]" in shown and "Signature: type your full name" in shown
    statement = next(b["text"]["text"] for b in modal["blocks"] if b["text"]["type"] == "plain_text")

    mark = standin.mark()
    answer = sign(slack, ADMIN2, slack.last_modal_id(), signature="  user 1 ")
    assert answer["response_action"] == "update" and "You consented" in view_to_text(answer["view"])
    [row] = consent_rows(db)
    assert (row["status"], row["statement"], row["signature"]) == ("granted", statement, "user 1")
    assert (row["signed_by_user_id"], row["signed_by_team_id"], row["granted_at"]) == (ADMIN2, team, NOW)
    after = standin.since(mark)
    [update] = [c for c in after if c.method == "chat.update"]
    assert (update.params["channel"], update.params["ts"]) == (f"D{ADMIN2}", DM_TS)  # the request DM, answered
    assert action_ids(update.params["blocks"]) == [Action.REVOKE_CONSENT]
    assert "@U0001 gave written consent" in message_to_text(dms(standin, ADMIN)[-1].params)  # the requester
    assert "@U0001 gave written consent" in posts(standin, CHANNEL)[-1]
    assert "User 1: ✅ consented on Thu 26 Nov 2026" in home_text(standin, ADMIN)  # the license page
    assert Action.REVOKE_CONSENT in action_ids(standin.homes[ADMIN2]["blocks"])

    deactivate_confirmed(slack, standin, ADMIN, "deactivate <@U0001>")  # now it can be done by hand
    assert "Deactivated: User 1." in last_reply(standin)
    assert member(db, "user1@example.com").status == "deactivated"


def test_the_signature_must_be_the_members_name(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    slack.command(ADMIN, "consent <@U0001>")
    review(slack, ADMIN2, request_dm_value(standin, ADMIN2))
    view_id = slack.last_modal_id()
    answer = sign(slack, ADMIN2, view_id, signature="User 7")
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [Block.SIGNATURE]
    assert "must be your full name as the account knows it: User 1" in answer["errors"][Block.SIGNATURE]
    answer = sign(slack, ADMIN2, view_id, agree=False)
    assert answer == {
        "response_action": "errors",
        "errors": {Block.CONSENT_CHECKBOX: "Tick “I consent” to give your consent."},
    }
    assert [r["status"] for r in consent_rows(db)] == ["requested"]
    assert sign(slack, ADMIN2, view_id, signature="USER   1")["response_action"] == "update"
    assert [r["status"] for r in consent_rows(db)] == ["granted"]


def test_decline_then_ask_again_from_the_page(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> None:
    slack.command(ADMIN, "consent <@U0001>")
    first = request_dm_value(standin, ADMIN2)
    slack.click(ADMIN2, Action.DECLINE_CONSENT, first, channel=f"D{ADMIN2}")
    replaced = [c for c in standin.calls_to("response_url") if c.params.get("replace_original")][-1]
    assert "You declined" in message_to_text(replaced.params)
    assert "@U0001 declined to consent" in message_to_text(dms(standin, ADMIN)[-1].params)
    assert "@U0001 declined to consent" in posts(standin, CHANNEL)[-1]
    assert [r["status"] for r in consent_rows(db)] == ["declined"]
    assert "User 1: declined on Thu 26 Nov 2026" in home_text(standin, ADMIN)

    value = value_in(standin.homes[ADMIN]["blocks"], Action.REQUEST_CONSENT)
    assert value == str(member(db, "user1@example.com").id)
    slack.click(ADMIN, Action.REQUEST_CONSENT, value, where="home")
    assert "I asked @U0001 in a direct message" in message_to_text(dms(standin, ADMIN)[-1].params)
    second = request_dm_value(standin, ADMIN2)
    assert second != first
    assert [r["status"] for r in consent_rows(db)] == ["declined", "requested"]
    review(slack, ADMIN2, second)
    sign(slack, ADMIN2, slack.last_modal_id())
    assert [r["status"] for r in consent_rows(db)] == ["declined", "granted"]


def test_revoke_from_the_app_home(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> None:
    slack.command(ADMIN, "consent <@U0001>")
    review(slack, ADMIN2, request_dm_value(standin, ADMIN2))
    sign(slack, ADMIN2, slack.last_modal_id())
    signed = consent_rows(db)[0]
    revoke_value = value_in(standin.homes[ADMIN2]["blocks"], Action.REVOKE_CONSENT)
    slack.click(ADMIN2, Action.REVOKE_CONSENT, revoke_value, where="home")
    [row] = consent_rows(db)
    assert row == {**signed, "status": "revoked", "revoked_at": NOW}
    assert "You revoked your consent" in message_to_text(dms(standin, ADMIN2)[-1].params)
    assert "@U0001 revoked their consent" in message_to_text(dms(standin, ADMIN)[-1].params)
    assert "User 1: revoked on" in home_text(standin, ADMIN)
    deactivate_confirmed(
        slack, standin, ADMIN, "deactivate <@U0001>"
    )  # without consent again: asked anew, not deactivated
    assert member(db, "user1@example.com").status == "active"
    assert "I asked @U0001 for it in a direct message" in last_reply(standin)
    assert [r["status"] for r in consent_rows(db)] == ["revoked", "requested"]


def test_no_revoke_after_deactivation(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> None:
    slack.command(ADMIN, "consent <@U0001>")
    consent_id = request_dm_value(standin, ADMIN2)
    review(slack, ADMIN2, consent_id)
    sign(slack, ADMIN2, slack.last_modal_id())
    deactivate_confirmed(slack, standin, ADMIN, "deactivate <@U0001>")
    slack.click(ADMIN2, Action.REVOKE_CONSENT, consent_id, channel=f"D{ADMIN2}")
    assert "Your user has been deactivated already" in last_reply(standin)
    assert [r["status"] for r in consent_rows(db)] == ["granted"]


def test_choosing_an_admin_in_the_deactivate_modal_starts_the_consent_flow(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    slack.command(ADMIN, "deactivate")
    admin2, user5 = member(db, "user1@example.com").id, member(db, "user5@example.com").id
    slack.submit(ADMIN, slack.last_modal_id(), chosen(admin2, user5))
    result, asked = (message_to_text(c.params) for c in dms(standin, ADMIN)[-2:])  # queued with the change; then
    assert "Deactivated: User 5." in result
    told = asked
    assert "User 1 is an admin and was not deactivated" in told and "I asked @U0001 for it in a direct message" in told
    assert member(db, "user1@example.com").status == "active"
    assert "asks for your written consent" in message_to_text(dms(standin, ADMIN2)[-1].params)
    assert [r["status"] for r in consent_rows(db)] == ["requested"]
    # Asking again while the request is open only explains.
    deactivate_confirmed(slack, standin, ADMIN, "deactivate <@U0001>")
    assert "User 1 was already asked by User 0 on Thursday 26 November 2026 and has not answered yet." in last_reply(
        standin
    )
    assert len(consent_rows(db)) == 1


def test_consent_is_needed_before_the_automatic_deactivation(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    with pytest.raises(Invalid, match="2 admins have not consented"):
        usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=9, now=NOW)
    slack.command(ADMIN, "consent <@U0001>")
    review(slack, ADMIN2, request_dm_value(standin, ADMIN2))
    sign(slack, ADMIN2, slack.last_modal_id())
    done = usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=9, now=NOW)
    chosen_names = [m.name for m in done.deactivation.chosen]
    assert chosen_names == ["User 7", "User 6", "User 5", "User 4", "User 3", "User 2", "User 1"]
    assert done.deactivation.complete  # User 0, who has not consented, stays


def test_the_last_admin_without_consent_cannot_be_asked(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    slack.command(ADMIN, "consent <@U0001>")
    slack.command(ADMIN2, "consent <@U0000>")
    assert "at least one admin must always keep their admin rights" in last_reply(standin)
    slack.open_home(ADMIN2)
    assert Action.REQUEST_CONSENT not in action_ids(standin.homes[ADMIN2]["blocks"])
    assert "User 0: not asked" in home_text(standin, ADMIN2)
    slack.command(ADMIN, "consent <@U0000>")
    assert "You cannot ask yourself for consent" in last_reply(standin)
    slack.command(USER, "consent <@U0001>")
    assert last_reply(standin).startswith("Only account admins can change licenses.")
    slack.command(ADMIN, "consent <@U0005>")
    assert "User 5 is not an admin" in last_reply(standin)
    slack.command(ADMIN, "consent")
    assert "Mention the admin to ask: `/licenses consent @name`." in last_reply(standin)
    assert len(consent_rows(db)) == 1


def _mrkdwn(node: Any) -> str:
    """Every mrkdwn text and message `text` in a body (plain_text is shown as typed by Slack)."""
    if isinstance(node, list):
        return "\n".join(_mrkdwn(v) for v in node)
    if not isinstance(node, dict):
        return ""
    own = str(node["text"]) if isinstance(node.get("text"), str) and node.get("type") != "plain_text" else ""
    return "\n".join([own, *(_mrkdwn(v) for k, v in node.items() if k != "text" or not own)])


def test_names_reach_slack_escaped(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> None:
    usecases.update_account(db, team=team, changes=usecases.AccountChanges(name="<!channel> & Co"), now=NOW)
    slack.command(ADMIN, "consent <@U0001>")
    review(slack, ADMIN2, request_dm_value(standin, ADMIN2))
    parsed = "\n".join(_mrkdwn(c.params) for c in standin.calls)  # what Slack parses for mentions and links
    assert "&lt;!channel&gt; &amp; Co" in parsed and "<!channel>" not in parsed
    statement = next(b["text"] for b in slack.modal()["blocks"] if b["text"]["type"] == "plain_text")
    assert "in the account <!channel> & Co" in statement["text"]  # plain_text: shown as typed, never parsed
