"""Bad input: generated command text and modal state → a clear answer, never a 500, never a stored row.

The properties run through the real Bolt app (signed requests) on one database per test; every example
must leave every table as it was. Input that is valid by the rules written here (independently of the
product's parser) is skipped: it may legitimately store something.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.testing.blocktext import message_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.testing.standin_calls import ACK_MESSAGE
from handlers.blocks.consent import AGREE_VALUE
from handlers.errors import INTERNAL
from handlers.ids import Action, Block
from store.db import Database
from tests.dbsnapshot import changes, snapshot
from tests.handlers.conftest import ADMIN, ADMIN2
from tests.handlers.consent_steps import request_dm_value, review

FEW = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

AWKWARD = [
    "",
    " ",
    "\x00",
    "\x00reduce",
    "reduce \x00",
    "\u202ereduce",
    "reduce ٣",
    "reduce １０",
    "reduce ²",
    "reduce 1e309",
    "reduce NaN",
    "reduce -0",
    "reduce +5",
    "reduce " + "9" * 400,
    "reduce 99999999999999999999999999999",
    "deactivate <@U9999|>",
    "deactivate <@>",
    "deactivate <!channel>",
    "deactivate " + "<@U" + "9" * 500 + ">",
    "consent <@U0001> <@U0000>",
    "consent <@U",
    "consent " + "x" * 3000,
    "cancel 1",
    "users\tall",
    "ｒｅｄｕｃｅ 3",
    "REDUCE 3",
    "history " + "\U0001f600" * 200,
]
PREFIXES = ["", "status ", "reduce ", "cancel ", "users ", "deactivate ", "consent ", "history ", "help ", "Reduce "]
junk = st.one_of(
    st.text(max_size=80),
    st.text(st.characters(codec="utf-8"), min_size=1000, max_size=4000),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.from_regex(r"<[@#!]X?[A-Z0-9|]{0,12}>?", fullmatch=True).filter(lambda m: not re.match(r"<@[UW]", m)),
    st.from_regex(r"<@U9[0-9]{3,8}(\|[a-z]{0,5})?>", fullmatch=True),  # nobody in the account
)


def _clear_answer_and_nothing_stored(slack: SlackSim, standin: SlackStandIn, db: Database, text: str) -> None:
    before, mark = snapshot(db), standin.mark()
    answer = slack.command(ADMIN, text)
    assert answer.status == 200
    calls = standin.since(mark)
    said = [message_to_text(c.params) for c in calls if c.method in ("response_url", ACK_MESSAGE)]
    opened = [c for c in calls if c.method == "views.open"]
    assert said or opened, [c.method for c in calls]  # an answer, or the modal the command asked for
    assert not any(INTERNAL in s for s in said), said
    assert changes(before, snapshot(db)) == {}


def test_awkward_command_text_gets_a_clear_answer_and_stores_nothing(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    for text in AWKWARD:  # one app and database for all (the setup costs more than a request)
        _clear_answer_and_nothing_stored(slack, standin, db, text)


@FEW
@given(text=st.builds(str.__add__, st.sampled_from(PREFIXES), junk))
def test_any_command_text_gets_a_clear_answer_and_stores_nothing(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database, text: str
) -> None:
    _clear_answer_and_nothing_stored(slack, standin, db, text)


# --- modal state -------------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.from_regex(r"[+-]?[0-9]{1,40}", fullmatch=True),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=12,
)


def _input(block: str, action: str, element: Any) -> dict[str, Any]:
    return {block: {action: element}}


def state_values(block: str, action: str, field: str) -> st.SearchStrategy[Any]:
    """view.state.values: right shape with junk, wrong shapes, wrong ids, missing, null."""
    return st.one_of(
        st.builds(lambda v: _input(block, action, {"type": "x", field: v}), json_values),
        st.builds(lambda v: _input(block, action, v), json_values),
        st.builds(lambda v: {block: v}, json_values),
        st.builds(lambda a, v: _input(block, a, {field: v}), st.text(max_size=20), json_values),
        st.builds(lambda b, v: _input(b, action, {field: v}), st.text(max_size=20), json_values),
        json_values,
        st.just({}),
    )


VALID_SEATS = re.compile(r"\s*\+?0*[1-8]\s*")


def _found(values: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(values, dict):
            return None
        values = values.get(key)
    return values


def _ack(answer: Any) -> dict[str, Any]:
    assert answer.status == 200, answer
    body = answer.json()
    assert isinstance(body, dict) and body.get("response_action") in ("errors", "update"), body
    assert INTERNAL not in str(body)
    return body


@FEW
@given(values=state_values(Block.SEATS, Action.SEATS_INPUT, "value"))
def test_any_reduce_form_state_is_answered_under_the_field_and_stores_nothing(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database, values: Any
) -> None:
    typed = _found(values, Block.SEATS, Action.SEATS_INPUT, "value")
    assume(not (isinstance(typed, str) and VALID_SEATS.fullmatch(typed)))
    if not standin.views:  # one modal for every example
        slack.command(ADMIN, "reduce")
    before, mark = snapshot(db), standin.mark()
    body = _ack(slack.submit(ADMIN, slack.last_modal_id(), values))
    assert body["response_action"] == "errors" and list(body["errors"]) == [Block.SEATS]
    assert changes(before, snapshot(db)) == {}
    assert standin.since(mark) == []


@FEW
@given(values=state_values(Block.USERS, Action.USERS_INPUT, "selected_options"))
def test_any_deactivate_form_state_is_answered_under_the_field_and_changes_nothing(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database, values: Any
) -> None:
    options = _found(values, Block.USERS, Action.USERS_INPUT, "selected_options")
    chosen = [o.get("value") for o in options if isinstance(o, dict)] if isinstance(options, list) else []
    assume(not any(isinstance(v, str) and v.isascii() and v.isdigit() and 0 < int(v) <= 8 for v in chosen))
    if not standin.views:  # one modal for every example
        slack.command(ADMIN, "deactivate")
    before, mark = snapshot(db), standin.mark()
    body = _ack(slack.submit(ADMIN, slack.last_modal_id(), values))
    assert body["response_action"] == "errors" and list(body["errors"]) == [Block.USERS]
    assert changes(before, snapshot(db)) == {}
    assert standin.since(mark) == []


consent_states = st.one_of(
    state_values(Block.SIGNATURE, Action.SIGNATURE_INPUT, "value"),
    state_values(Block.CONSENT_CHECKBOX, Action.CONSENT_CHECKBOX, "selected_options"),
    st.builds(
        lambda sig: {
            Block.CONSENT_CHECKBOX: {
                Action.CONSENT_CHECKBOX: {"selected_options": [{"value": AGREE_VALUE}]},
            },
            Block.SIGNATURE: {Action.SIGNATURE_INPUT: {"value": sig}},
        },
        json_values,
    ),
)


@FEW
@given(values=consent_states)
def test_any_consent_form_state_is_answered_and_grants_nothing(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database, values: Any
) -> None:
    signature = _found(values, Block.SIGNATURE, Action.SIGNATURE_INPUT, "value")
    assume(not (isinstance(signature, str) and "user 1" in signature.casefold()))
    if not standin.views:
        slack.command(ADMIN, "consent <@U0001>")
        review(slack, ADMIN2, request_dm_value(standin, ADMIN2))
    before, mark = snapshot(db), standin.mark()
    _ack(slack.submit(ADMIN2, slack.last_modal_id(), values))
    assert changes(before, snapshot(db)) == {}
    assert standin.since(mark) == []


BUTTONS = [
    Action.CANCEL_REQUEST,
    Action.CONFIRM_CANCEL,
    Action.REQUEST_CONSENT,
    Action.REVIEW_CONSENT,
    Action.DECLINE_CONSENT,
    Action.REVOKE_CONSENT,
]


def test_a_button_value_that_names_nothing_gets_a_clear_answer(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    before = snapshot(db)
    for action in BUTTONS:
        for value in ["", "0", "-1", "²", "١٢", "9" * 40, "1e3", " 1", None]:
            mark = standin.mark()
            assert slack.click(ADMIN, action, value).status == 200
            said = [message_to_text(c.params) for c in standin.since(mark) if c.method == "response_url"]
            assert said and INTERNAL not in said[-1], (action, value, said)
            answered = [c.method for c in standin.since(mark) if not c.params.get("include_locale")]  # the locale
            assert answered == ["response_url"], (action, value)  # read once (bot/usecases/languages.py): nothing else
    assert changes(before, snapshot(db)) == {}
