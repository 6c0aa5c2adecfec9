"""Web API calls and response-URL posts reuse their connections (issue 17): counted at the stand-in, which
speaks HTTP/1.1 keep-alive as Slack does."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.testing.blocktext import message_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.keepalive import CONNECTIONS, KeepAliveRespond, KeepAliveWebClient
from tests.handlers.conftest import ADMIN


@pytest.fixture(autouse=True)
def fresh_pool() -> Iterator[None]:
    CONNECTIONS.close()
    yield
    CONNECTIONS.close()


def test_many_calls_go_over_one_connection(standin: SlackStandIn) -> None:
    client = KeepAliveWebClient(token="xoxb-t", base_url=standin.api_url)
    for n in range(10):
        assert client.chat_postMessage(channel="C1", text=f"hello {n}")["ok"]
    assert [c.params["text"] for c in standin.calls_to("chat.postMessage")] == [f"hello {n}" for n in range(10)]
    assert standin.connections == 1


def test_a_plain_webclient_opens_a_connection_per_call(standin: SlackStandIn) -> None:
    """What the kept-alive client saves (and proof that the stand-in counts connections)."""
    client = WebClient(token="xoxb-t", base_url=standin.api_url)
    for _ in range(3):
        client.auth_test()
    assert standin.connections == 3


def test_clients_share_the_process_pool_across_threads(standin: SlackStandIn) -> None:
    def calls() -> None:
        client = KeepAliveWebClient(token="xoxb-t", base_url=standin.api_url)  # a new client per request, as Bolt
        for _ in range(10):
            client.auth_test()

    threads = [threading.Thread(target=calls) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(standin.calls_to("auth.test")) == 40
    assert standin.connections <= 4


def test_slack_errors_and_rate_limits_are_slack_sdks_as_before(standin: SlackStandIn) -> None:
    client = KeepAliveWebClient(token="xoxb-t", base_url=standin.api_url)
    standin.fail("chat.postMessage", "channel_not_found", times=1)
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C404", text="x")
    assert refused.value.response["error"] == "channel_not_found"
    standin.fail("chat.postMessage", "ratelimited", status=429, retry_after=7, times=1)
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C1", text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers.get("Retry-After") == "7"
    assert client.chat_postMessage(channel="C1", text="after")["ok"]  # the connection survived the errors
    assert standin.connections == 1


def test_a_rate_limit_is_waited_out_on_the_same_connection(standin: SlackStandIn) -> None:
    client = KeepAliveWebClient(
        token="xoxb-t", base_url=standin.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    standin.fail("chat.postMessage", "ratelimited", status=429, retry_after=0, times=1)
    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    assert [c.ok for c in standin.calls_to("chat.postMessage")] == [False, True]
    assert standin.connections == 1


def test_a_connection_the_server_closed_is_replaced(standin: SlackStandIn) -> None:
    client = KeepAliveWebClient(token="xoxb-t", base_url=standin.api_url)
    client.auth_test()
    standin.close_connections()  # as a server closing idle keep-alive connections
    assert client.auth_test()["ok"]
    assert len(standin.calls_to("auth.test")) == 2  # sent once each: nothing lost, nothing twice
    assert standin.connections == 2


def test_response_url_posts_reuse_their_connection(standin: SlackStandIn) -> None:
    for n in range(5):
        respond = KeepAliveRespond(response_url=standin.response_url(f"r{n}"))
        assert respond(text=f"answer {n}", response_type="ephemeral").status_code == 200
    assert [c.params["text"] for c in standin.calls_to("response_url")] == [f"answer {n}" for n in range(5)]
    assert standin.connections == 1


def test_the_apps_answers_reuse_connections(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    before = standin.connections
    for _ in range(5):
        assert slack.command(ADMIN, "history").status == 200  # answered after the ack (a status: in the ack)
    answers = standin.calls_to("response_url")
    assert len(answers) == 5 and all("history" in message_to_text(a.params).lower() for a in answers)
    assert standin.connections - before <= 1
