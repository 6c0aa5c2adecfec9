"""App Home: the license page for whoever opens it; read-only for non-admins; the deactivation banner."""

from __future__ import annotations

from bot import usecases
from bot.core.audit import Actor
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.ids import Action, Block
from store.db import Database
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN, ADMIN2, USER
from tests.handlers.helpers import action_ids, home_text, seats


def test_an_admin_home_has_dates_first_seats_buttons_and_recent_activity(
    slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    assert slack.open_home(ADMIN).status == 200
    [call] = standin.calls_to("views.publish")
    assert call.params["user_id"] == ADMIN
    text = home_text(standin, ADMIN)
    lines = text.splitlines()
    assert lines[2].startswith("Next renewal: Fri 01 Jan 2027")
    assert lines[3] == "Deadline to remove licenses: Thu 17 Dec 2026 (21 days left)"
    assert "Licenses: 10 licensed · 8 active · 2 unused" in text
    assert "Recent activity" in text and "an operator imported users" in text
    assert action_ids(standin.homes[ADMIN]["blocks"]) == [
        Action.OPEN_REDUCE,
        Action.OPEN_DEACTIVATE,
        Action.REQUEST_CONSENT,  # ask User 1, the other admin
        Action.CHOOSE_LANGUAGE,  # the reader's own language, last
    ]


def test_the_banner_says_how_many_by_when_and_exactly_who(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=5, now=NOW)
    slack.open_home(ADMIN)
    blocks = standin.homes[ADMIN]["blocks"]
    banner = next(b for b in blocks if b.get("block_id") == Block.BANNER)
    assert blocks.index(banner) < 3  # near the top, right after the dates
    text = home_text(standin, ADMIN)
    assert "3 users must still be deactivated by Fri 01 Jan 2027 (in 36 days). 8 users are active for 5" in text
    for name in ("User 7", "User 6", "User 5"):
        assert f"• {name}, added" in text
    assert "• User 4" not in text
    assert Action.CANCEL_REQUEST in action_ids(blocks)


def test_a_non_admin_home_is_read_only(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> None:
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=1, now=NOW)
    slack.open_home(USER)
    assert action_ids(standin.homes[USER]["blocks"]) == [Action.CHOOSE_LANGUAGE]  # only their own language
    text = home_text(standin, USER)
    assert "Pending request #1" in text
    assert "only account admins can change licenses. The admins of Account T0001 are: User 0, User 1." in text


def test_an_unlinked_workspace_home_says_how_to_link_it(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    slack.open_home(ADMIN, team="T0ELSE")
    assert "An operator links it with `licensebot account add --team T0ELSE ...`." in home_text(standin, ADMIN)


def test_after_a_change_every_admin_home_is_the_one_they_would_open_themselves(
    slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    # The refresh builds what the admins see alike once (per language): each still gets their own consent
    # section (Ask for consent of the other admin), the same as when they open the tab.
    slack.command(ADMIN, "reduce")
    assert slack.submit(ADMIN, slack.last_modal_id(), seats("1")).body == b""
    refreshed = {user: standin.homes[user] for user in (ADMIN, ADMIN2)}
    assert "Pending request #1" in home_text(standin, ADMIN2)
    for user in (ADMIN, ADMIN2):
        slack.open_home(user)
        assert standin.homes[user]["blocks"] == refreshed[user]["blocks"]
    asks = [c["accessory"]["value"] for b in (ADMIN, ADMIN2) for c in refreshed[b]["blocks"] if _asks(c)]
    assert len(asks) == 2 and asks[0] != asks[1]


def _asks(block: dict[str, object]) -> bool:
    accessory = block.get("accessory")
    return isinstance(accessory, dict) and accessory.get("action_id") == Action.REQUEST_CONSENT
