"""A background message is rendered in its recipient's language when it is sent: the admin channel reads the
account's language while the DMs of the same reminder go out in each admin's language, and a language chosen
after the message was queued is the one it is sent in. A row queued before the languages (no variants) goes out
as it was stored.
"""

from __future__ import annotations

from bot import usecases
from bot.core.audit import MessageKind
from bot.testing.blocktext import message_to_text
from bot.testing.slack_standin import SlackStandIn
from bot.usecases import languages
from bot.worker import outbox
from bot.worker.sender import Sender
from store.db import Database
from tests.bot.worker.scenario import CHANNEL, D7, TEAM, run
from tests.conftest import NOW


def texts(standin: SlackStandIn) -> dict[str, str]:
    """Channel (a DM opens as D + the user id) -> the text of the message posted there."""
    return {str(c.params["channel"]): message_to_text(c.params) for c in standin.posts()}


def test_the_channel_reads_the_account_language_and_each_dm_its_reader(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    usecases.update_account(db, team=TEAM, changes=usecases.AccountChanges(language="fr"), now=NOW)
    languages.choose_language(db, team=TEAM, user_id="U0000", language="nl", now=NOW)
    languages.store_locale(db, team=TEAM, user_id="U0001", slack_locale="en-GB", now=NOW)
    run(db, None, D7)  # queued, not sent
    languages.choose_language(db, team=TEAM, user_id="U0001", language="fr", now=D7)  # chosen after queueing
    languages.choose_language(db, team=TEAM, user_id="U0000", language="nl", now=D7)
    sender.deliver_due(db, D7)
    seen = texts(standin)
    channel = seen[CHANNEL]
    assert "il reste donc 2 utilisateurs à désactiver" in channel and "vendredi 1 janvier 2027" in channel
    dm_nl = next(text for where, text in seen.items() if where.startswith("DU0000"))
    assert "nog te deactiveren: 2 gebruikers" in dm_nl and "vrijdag 1 januari 2027" in dm_nl
    dm_fr = next(text for where, text in seen.items() if where.startswith("DU0001"))
    assert "il reste donc 2 utilisateurs à désactiver" in dm_fr  # the language chosen after it was queued


def test_a_dm_follows_the_slack_locale_the_worker_stored(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    languages.store_locale(db, team=TEAM, user_id="U0001", slack_locale="fr-BE", now=NOW)
    run(db, sender, D7)
    seen = texts(standin)
    assert "must still be deactivated" in seen[CHANNEL]  # the account's language: en (the default)
    assert "il reste donc 2 utilisateurs à désactiver" in next(t for w, t in seen.items() if w.startswith("DU0001"))


def test_a_message_queued_before_the_languages_is_sent_as_stored(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    languages.choose_language(db, team=TEAM, user_id="U0000", language="nl", now=NOW)
    with db.transaction() as s:
        from store.queries import load_account

        account = load_account(s, TEAM)
        outbox.queue(
            s,
            account_id=account.id,
            key="old:1",
            kind=MessageKind.REMINDER,
            targets=["U0000"],
            message={"text": "An English message queued earlier", "blocks": []},
            now=NOW,
        )
    sender.deliver_due(db, NOW)
    assert [message_to_text(c.params) for c in standin.posts()] == ["An English message queued earlier"]
