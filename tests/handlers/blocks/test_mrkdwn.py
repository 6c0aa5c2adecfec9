"""People's text reaches Slack escaped: a member named `<!channel>` pings nobody."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import usecases
from bot.core.audit import Actor
from bot.core.members_csv import MemberRow
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.blocks.mrkdwn import escape
from store.db import Database
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN


def test_escape_covers_the_three_characters_and_nothing_else() -> None:
    assert escape("<!channel> & <@U1|x> *bold* ' \"") == "&lt;!channel&gt; &amp; &lt;@U1|x&gt; *bold* ' \""


def test_a_member_named_like_a_channel_ping_reaches_slack_escaped(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    added = datetime(2025, 6, 1, tzinfo=UTC)
    rows = [MemberRow(2, "evil@example.com", "<!channel> & <http://x.example|click>", "U0EVIL", False, added)]
    usecases.import_members(db, team=team, rows=rows, now=NOW)
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=3, now=NOW)
    slack.command(ADMIN, "users")
    slack.command(ADMIN, "status")
    slack.open_home(ADMIN)
    slack.command(ADMIN, "deactivate <@U0EVIL>")
    sent = "\n".join(str(c.params) for c in standin.calls)
    assert "&lt;!channel&gt; &amp; &lt;http://x.example|click&gt;" in sent
    assert "<!channel>" not in sent and "<http://x.example" not in sent
