"""`licensebot demo`: a scripted scenario through the real Slack app and the real store, printed as
each person sees it in Slack.

Everything runs in this process: a fresh SQLite file, the Bolt app behind the WSGI app of
`licensebot serve`, and a local stand-in of the Slack Web API on 127.0.0.1 (bot/testing/slack_standin.py).
Requests are signed as Slack signs them (bot/testing/slack_sim.py). No token, no network. The background
worker (bot/worker/) runs its passes against the same stand-in, the demo clock moved to each
reminder (09:00 in each admin's own timezone: Bram works from New York), a snooze, the escalation
three days before the renewal, then to the morning after the renewal day.

The scenario is the list STEPS: (title, function(scene)). Add a step by appending to it.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pendulum

from bot import usecases
from bot.cli import demo_lines
from bot.cli.demo_cast import (
    ADMIN_CHANNEL,
    ANN,
    BRAM,
    CHANNELS,
    CHLOE,
    GENERAL,
    JONAS,
    LOCALES,
    NEW_YORK,
    SECRET,
    SLACK_USERS,
    TEAM,
    TIMEZONE,
    WIDTH,
)
from bot.cli.wiring import slack_notices
from bot.cli.worker import render_pass
from bot.core import policy
from bot.core.members_csv import parse_members_csv
from bot.core.wording import fmt_date, fmt_local_time
from bot.testing.blocktext import message_to_text, mrkdwn, view_to_text
from bot.testing.slack_sim import Response, SlackSim
from bot.testing.slack_standin import Call, SlackStandIn
from bot.usecases import AccountChanges
from bot.worker.loop import PassReport, run_once
from bot.worker.pacing import Pacer
from bot.worker.sender import Sender
from handlers.app import Settings, build_app
from handlers.blocks.notices import snooze_value
from handlers.deps import Deps
from handlers.ids import Action, Block
from handlers.webapi import SlackPoster, make_client
from store.db import Database


class Clock:
    """The demo's `now`, which steps may move forward (e.g. to the renewal day)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Scene:
    db: Database
    deps: Deps
    clock: Clock
    standin: SlackStandIn
    slack: SlackSim
    settings: Settings
    out: Callable[[str], None] = print
    names: dict[str, str] = field(default_factory=dict)
    sender: Sender | None = None
    """The worker's sender, posting to the stand-in (what `licensebot worker` does with a real token)."""
    lang: str = "en"
    """The account's language (`licensebot demo --lang nl`): what the people read in Slack."""
    modals: set[str] = field(default_factory=set)
    """Modals shown in full once (callback ids): shown again, they are one line."""
    last_body: list[Any] = field(default_factory=list)
    last_lines: list[str] = field(default_factory=list)
    """The worker's message shown last: a message much like it shows only what differs."""

    def name(self, user: str) -> str:
        return self.names.get(user, user)

    def renewal(self) -> date:
        """The renewal the demo's request is for."""
        return usecases.license_page(self.db, team=TEAM, now=self.clock()).next_renewal

    # --- printing -------------------------------------------------------------------------------

    def title(self, n: int, text: str) -> None:
        self.out(f"\n━━ {n}. {text} " + "━" * max(3, WIDTH - len(text) - 6))

    def note(self, text: str) -> None:
        self.out(textwrap.fill(text, WIDTH, initial_indent="   ", subsequent_indent="   "))

    def _box(self, heading: str, body: str) -> None:
        self.out(f"   {heading}")
        for line in body.splitlines():
            self.out(f"   │ {line}" if line else "   │")

    def _view(self, view: dict[str, Any]) -> str:
        return view_to_text(view, self.names, WIDTH - 6)

    def _msg(self, params: dict[str, Any]) -> str:
        return message_to_text(params, self.names, WIDTH - 6)

    def show(self, calls: list[Call], who: str, *, homes: bool = False) -> None:
        """What the people saw from these Web API calls (answers to `who`, posts, modals, homes)."""
        refreshed: list[str] = []
        for c in calls:
            p = c.params
            if c.method == "response_url":
                self._box(f"{self.name(who)} sees (only visible to you):", self._msg(p))
            elif c.method == "views.open":
                self.out(f"   ↳ a modal opens at once ({mrkdwn(str(p['view']['blocks'][0]['text']['text']))})")
            elif c.method == "views.update" and p["view"].get("callback_id") in self.modals:
                self.out(f"   ↳ the modal shows the form as above: {mrkdwn(str(p['view']['title']['text']))}")
            elif c.method == "views.update":
                self.modals.add(str(p["view"].get("callback_id")))
                self._box(f"{self.name(who)} sees the modal:", self._view(p["view"]))
            elif c.method == "chat.postMessage":
                self._post(p)
            elif c.method == "views.publish" and homes:
                self._box(f"App Home of {self.name(p['user_id'])}:", self._view(p["view"]))
            elif c.method == "views.publish":
                refreshed.append(self.name(p["user_id"]))
            elif c.method == "users.info" and str(p.get("include_locale", "")).lower() not in ("1", "true"):
                self.out(
                    f"   ↳ licensebot asks Slack for {self.name(p['user'])}'s email (users.info) to find the member"
                )
        if refreshed:
            self.out(f"   ↳ App Home refreshed for {', '.join(refreshed)}")

    def _post(self, params: dict[str, Any], *, same: bool = False, buttons: str = "", compact: bool = False) -> None:
        channel = str(params["channel"])
        if channel in self.names and channel[:1] in "UD":  # a user id (Bolt) or a DM channel (the worker)
            heading = f"DM from licensebot to {self.name(channel)}:"
        else:
            heading = f"Post in #{CHANNELS.get(channel, channel)}:"
        if same:
            self.out(f"   {heading} the same message" + (f", with {buttons}" if buttons else ""))
            return
        lines = self._msg(params).splitlines()
        seen = set(self.last_lines)
        if seen and sum(line in seen for line in lines) * 2 > len(lines):
            shown: list[str] = []
            for i, line in enumerate(lines):
                if line.lstrip().startswith("›") or (line in seen and not line.startswith(("[", "•"))):
                    continue
                cut = i + 1 < len(lines) and lines[i + 1].startswith("  ") and lines[i + 1] in seen
                cut = cut and not line.startswith("[") and not lines[i + 1].lstrip().startswith("›")
                shown.append(line + (" …" if cut else ""))
            self._box(heading, "\n".join([*shown, "… the rest as in the message above"]))
        else:
            self._box(heading, "\n".join(lines))
        self.last_lines = [*self.last_lines, *lines]

    def show_posts(self, calls: list[Call]) -> None:
        """The worker's posts (sent concurrently): the channel first, then the DMs by name; a message whose
        text is the one shown just before is one line (with its own buttons, e.g. Remind me later)."""
        posts = [c.params for c in calls if c.method == "chat.postMessage" and c.ok]
        posts.sort(key=lambda p: (str(p["channel"]).startswith("D"), self.name(str(p["channel"]))))
        for p in posts:
            content = _body(p)
            if content == self.last_body:
                buttons = [e for b in p.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]
                labels = "  ".join(f"[{e['text']['text']}]" for e in buttons)
                self._post(p, same=True, buttons=labels)
            else:
                self._post(p, compact=True)
            self.last_body = content

    # --- acting ---------------------------------------------------------------------------------

    def run_worker(self, at: datetime) -> PassReport:
        """Move the clock to `at` and run one pass of the background worker, as `licensebot worker` does."""
        assert self.sender is not None
        self.clock.now = at
        self.out(f"\n » {fmt_local_time(at, TIMEZONE)}: the worker runs its pass. Its log (abridged):")
        mark = self.standin.mark()
        report = run_once(self.db, self.sender, at, notices=slack_notices())
        for line in render_pass(report).splitlines():
            if not line.startswith("tick at") and not line.endswith(("messages sent", "message sent")):
                self.out(f"   ┊ {line}")  # the log without its timestamp and per-account totals
        self.show_posts(self.standin.since(mark))
        return report

    def command(self, user: str, text: str, *, channel: str = GENERAL, homes: bool = False) -> Response:
        typed = mrkdwn(text, self.names)  # mentions as Slack shows them while typing
        self.out(f"\n » {self.name(user)} types in #{CHANNELS[channel]}:  /licenses {typed}".rstrip())
        mark = self.standin.mark()
        response = self.slack.command(user, text, channel=channel)
        self.show(self.standin.since(mark), user, homes=homes)
        return response

    def submit(self, user: str, typed: str) -> Response:
        self.out(f"\n » {self.name(user)} types {typed} and clicks [Request]")
        mark = self.standin.mark()
        view_id = self.slack.last_modal_id()
        values: dict[str, Any] = {Block.SEATS: {Action.SEATS_INPUT: {"type": "number_input", "value": typed}}}
        response = self.slack.submit(user, view_id, values)
        body = response.json() or {}
        if body.get("response_action") == "errors":
            for problem in body["errors"].values():
                self._box("Slack shows under the field, in red:", textwrap.fill(problem, WIDTH - 6))
        else:
            self.out("   ↳ the modal closes")
        self.show(self.standin.since(mark), user)
        return response

    def click(self, user: str, label: str, action_id: str, value: str, *, where: str) -> Response:
        self.out(f"\n » {self.name(user)} clicks [{label}] {where}")
        mark = self.standin.mark()
        response = self.slack.click(user, action_id, value)
        self.show(self.standin.since(mark), user)
        return response

    def click_last_button(self, user: str) -> Response:
        """Click the first button of the last answer `user` saw (e.g. "Yes, deactivate 1 user")."""
        answer = [c for c in self.standin.calls if c.method == "response_url"][-1].params
        button = next(
            el for b in answer.get("blocks") or [] for el in b.get("elements") or [] if el.get("type") == "button"
        )
        self.out(f"\n » {self.name(user)} clicks [{button['text']['text']}]")
        mark = self.standin.mark()
        response = self.slack.click(user, str(button["action_id"]), str(button.get("value") or ""))
        self.show(self.standin.since(mark), user)
        return response

    def open_home(self, user: str) -> None:
        self.out(f"\n » {self.name(user)} opens licensebot's Home tab")
        mark = self.standin.mark()
        self.slack.open_home(user)
        self.show(self.standin.since(mark), user, homes=True)


Step = Callable[[Scene], None]


def _body(params: dict[str, Any]) -> list[Any]:
    """A message without its buttons, footnotes and mentions: what is the same for every recipient."""
    return [b for b in params.get("blocks") or [] if b["type"] not in ("actions", "context") and "<@" not in str(b)]


def operator_links_the_workspace(scene: Scene) -> None:
    now = scene.clock()
    renews = (pendulum.instance(now).in_timezone(TIMEZONE) + timedelta(days=30)).date()
    changes = AccountChanges(
        name="Acme Demo BV",
        plan="quarterly",
        seats=12,
        renews=renews,
        timezone=TIMEZONE,
        price_per_seat="39.00",
        currency="EUR",
        language=scene.lang,
    )
    usecases.add_account(scene.db, team=TEAM, now=now, changes=changes)
    csv_text = resources.files("bot.sample").joinpath("members.csv").read_text(encoding="utf-8")
    rows = parse_members_csv(csv_text, TIMEZONE)
    usecases.import_members(scene.db, team=TEAM, rows=rows, now=now)
    scene.out(f" » operator: licensebot account add --team {TEAM} --name 'Acme Demo BV' --plan quarterly \\")
    language = f" --language {scene.lang}" if scene.lang != "en" else ""
    scene.out(f"       --seats 12 --renews {renews} --timezone {TIMEZONE} --price-per-seat 39.00{language}")
    scene.out(f" » operator: licensebot users import --team {TEAM} members.csv   ({len(rows)} users, 2 admins)")


def ann_opens_the_home_tab(scene: Scene) -> None:
    scene.open_home(ANN)


def jonas_looks_at_the_page(scene: Scene) -> None:
    scene.note("Jonas has no Slack id in the member list yet: licensebot finds him by his email.")
    scene.command(JONAS, "")


def ann_sets_the_admin_channel(scene: Scene) -> None:
    scene.command(ANN, "channel", channel=ADMIN_CHANNEL)


def ann_requests_fewer_licenses(scene: Scene) -> None:
    scene.command(ANN, "reduce 5")
    scene.submit(ANN, "11")
    scene.submit(ANN, "5")


def bram_cancels_and_ann_asks_again(scene: Scene) -> None:
    scene.note("Bram thinks 5 is too many: he cancels the request, and Ann asks for 4.")
    scene.click(BRAM, "Cancel request", Action.CANCEL_REQUEST, "1", where="on his Home tab and confirms")
    scene.command(ANN, "reduce 4")
    scene.submit(ANN, "4")


def reminder_at(scene: Scene, days_before: int, timezone: str = TIMEZONE) -> datetime:
    return policy.local_instant(scene.renewal() - timedelta(days=days_before), 9, timezone)


def the_worker_reminds_the_admins(scene: Scene) -> None:
    scene.note(f"Bram works from New York (Slack's user_change event told licensebot: {NEW_YORK}).")
    scene.slack.event({"type": "user_change", "user": {"id": BRAM, "team_id": TEAM, "tz": NEW_YORK}})
    scene.run_worker(reminder_at(scene, 7))
    scene.note("Bram's DM waits for 09:00 his time:")
    scene.run_worker(reminder_at(scene, 7, NEW_YORK))


def ann_snoozes_her_reminder(scene: Scene) -> None:
    scene.clock.now += timedelta(hours=2)
    value = snooze_value(scene.renewal(), 7, 3)
    scene.click(ANN, "Remind me later: in 3 days", Action.SNOOZE, value, where="in her DM")
    scene.run_worker(reminder_at(scene, 4))


def the_worker_escalates(scene: Scene) -> None:
    scene.note("Nobody deactivated anyone or changed the request since the reminder of a week before.")
    scene.run_worker(reminder_at(scene, 3))


def ann_deactivates_a_user(scene: Scene) -> None:
    scene.clock.now += timedelta(hours=1)
    scene.command(ANN, f"deactivate <@{CHLOE}|chloe.maes>")  # licensebot asks first
    scene.click_last_button(ANN)


def the_worker_processes_the_renewal(scene: Scene) -> None:
    renewal = scene.renewal()
    scene.note(f"Nobody else was deactivated by the end of the renewal day, {fmt_date(renewal)}.")
    scene.run_worker(policy.start_of_local_day(renewal + timedelta(days=1), TIMEZONE))


STEPS: list[tuple[str, Step]] = [
    ("An operator links the Slack workspace to the account", operator_links_the_workspace),
    ("Jonas (not an admin) looks at the license page", jonas_looks_at_the_page),
    ("Ann makes #license-admins the admin channel", ann_sets_the_admin_channel),
    ("Ann asks to remove licenses before the renewal", ann_requests_fewer_licenses),
    ("Bram (admin) cancels the request; Ann asks again", bram_cancels_and_ann_asks_again),
    (
        "A week before the renewal the worker reminds the admins, each at 09:00 their time",
        the_worker_reminds_the_admins,
    ),
    ("Ann snoozes her reminder for 3 days", ann_snoozes_her_reminder),
    ("Three days before, nobody has acted: the reminder escalates", the_worker_escalates),
    ("Ann deactivates Chloé by hand", ann_deactivates_a_user),
    ("The day after the renewal the worker processes it", the_worker_processes_the_renewal),
    ("After the renewal Ann opens the app's Home tab", ann_opens_the_home_tab),
    *demo_lines.STEPS,
]


def make_scene(
    db: Database, standin: SlackStandIn, now: datetime, out: Callable[[str], None] = print, lang: str = "en"
) -> Scene:
    for user, (name, email) in SLACK_USERS.items():
        standin.add_user(user, name=name, email=email, team_id=TEAM, locale=LOCALES[lang])
    clock = Clock(now)
    deps = Deps(db=db, clock=clock)
    settings = Settings(bot_token="xoxb-demo", signing_secret=SECRET, api_url=standin.api_url)
    # process_before_response: every step has finished when its request returns (readable output).
    app = build_app(settings, deps, process_before_response=True)
    from handlers.http import build_wsgi

    slack = SlackSim(build_wsgi(app, deps, signing_secret=SECRET), SECRET, standin, team=TEAM)
    names = {u: n for u, (n, _) in SLACK_USERS.items()} | CHANNELS
    names |= {f"D{u}": n for u, (n, _) in SLACK_USERS.items()}  # the DM channels the worker posts to
    sender = Sender(SlackPoster(lambda: make_client("xoxb-demo", standin.api_url)), threads=4, pacer=Pacer(0))
    return Scene(db, deps, clock, standin, slack, settings, out, names, sender=sender, lang=lang)


def run_demo(args: argparse.Namespace) -> int:
    path = Path(args.keep)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = Database.connect(f"sqlite:///{path}")
    print(f"licensebot demo: the real app and store (SQLite {path}), a local stand-in of Slack; no token, no network.")
    with SlackStandIn(team_id=TEAM) as standin:
        scene = make_scene(db, standin, pendulum.now(TIMEZONE), lang=getattr(args, "lang", "en"))
        for n, (title, step) in enumerate(STEPS, start=1):
            scene.title(n, title)
            step(scene)
    db.dispose()
    print(f"\nThe demo database is kept in {path}: try `licensebot --database sqlite:///{path} status --team {TEAM}`.")
    return 0
