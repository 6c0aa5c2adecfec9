"""One rule for who may act in an account, for every listener: the acting user's own workspace.

A request is for the account of the workspace it came from (`team.id`, Bolt's `context.team_id`). An
interactive payload also names the workspace of the user who acts (`user.team_id`): in a Slack Connect
channel, or on Enterprise Grid, that can be another one. Such a user is not a member of this account
whatever their user id: the request is answered with a refusal and nothing runs. An Enterprise Grid org
install (the org's id as the team) lets the org's users act. Slash commands and events carry no user
workspace: the use cases look the user up in the account, as for everybody.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from handlers.context import Ctx
from handlers.deps import Deps
from handlers.errors import modal_answer, tell

log = logging.getLogger(__name__)
OTHER_WORKSPACE = (
    "You are signed in to another Slack workspace than the one this account belongs to: only the account's own "
    "members can change its licenses here. Nothing was changed."
)


def acting_team(body: dict[str, Any]) -> str | None:
    """The workspace of the user who acts, when the payload names it."""
    user = body.get("user")
    team = user.get("team_id") if isinstance(user, dict) else None
    return team if isinstance(team, str) and team else None


def foreign(body: dict[str, Any], context: BoltContext) -> bool:
    """The acting user belongs to another workspace than the one the request is for."""
    team = acting_team(body)
    return team is not None and team not in (context.team_id, context.enterprise_id)


class SameWorkspace(Middleware):
    """The rule of this module for every request, as a middleware of its own class (Bolt gives a function
    middleware every argument a listener could ask for, built for each request: a tenth of a status's ack)."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body, context = req.body, req.context
        if not foreign(body, context):
            return next()
        log.warning(
            "refused a %s from user %s of workspace %s in workspace %s",
            body.get("type"),
            context.user_id,
            acting_team(body),
            context.team_id,
        )
        if body.get("type") == "view_submission":
            return modal_answer(body, OTHER_WORKSPACE)
        if body.get("type") == "block_suggestion":  # a type-ahead: no options (no message at every keystroke)
            return BoltResponse(status=200, body='{"options": []}', headers={"content-type": "application/json"})
        ctx = Ctx.of(self.deps, context, context.client, context.respond)
        tell(ctx, OTHER_WORKSPACE)
        return BoltResponse(status=200, body="")


def register(app: App, deps: Deps) -> None:
    app.use(SameWorkspace(deps))
