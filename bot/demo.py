"""`licensebot demo`: a scripted scenario through the real Slack app and the real store, printed as
each person sees it in Slack.

Everything runs in this process: a fresh SQLite file, the Bolt app behind the WSGI app of
`licensebot serve`, and a local stand-in of the Slack Web API on 127.0.0.1 (bot/slack_standin.py).
Requests are signed as Slack signs them (bot/slack_sim.py). No token, no network.

The scenario is the list STEPS: (title, function(scene)). Add a step by appending to it.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pendulum

from bot import usecases
from bot.blocktext import message_to_text, mrkdwn, view_to_text
from bot.csvimport import parse_members_csv
from bot.slack_sim import Response, SlackSim
from bot.slack_standin import Call, SlackStandIn
from bot.usecases import AccountChanges
from handlers.app import Settings, build_app
from handlers.deps import Deps
from handlers.ids import Action, Block
from store.db import Database

TEAM = "T0DEMO"
TIMEZONE = "Europe/Brussels"
SECRET = "demo-signing-secret"
WIDTH = 96
ADMIN_CHANNEL, GENERAL = "C0LICADMIN", "C0GENERAL"
ANN, BRAM, CHLOE, JONAS = "U0DEMO001", "U0DEMO002", "U0DEMO003", "U0DEMO010"
# Everybody in the sample CSV has a Slack account; Elise, Griet and Jonas are not linked yet.
SLACK_USERS = {
    "U0DEMO001": ("Ann Peeters", "ann.peeters@example.com"),
    "U0DEMO002": ("Bram Janssens", "bram.janssens@example.com"),
    "U0DEMO003": ("Chloé Maes", "chloe.maes@example.com"),
    "U0DEMO004": ("Dries Wouters", "dries.wouters@example.com"),
    "U0DEMO005": ("Elise Claes", "elise.claes@example.com"),
    "U0DEMO006": ("Frederik Goossens", "frederik.goossens@example.com"),
    "U0DEMO007": ("Griet Willems", "griet.willems@example.com"),
    "U0DEMO008": ("Hasan Yilmaz", "hasan.yilmaz@example.com"),
    "U0DEMO009": ("Inès Dubois", "ines.dubois@example.com"),
    "U0DEMO010": ("Jonas Mertens", "jonas.mertens@example.com"),
}
CHANNELS = {ADMIN_CHANNEL: "license-admins", GENERAL: "general"}


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

    def name(self, user: str) -> str:
        return self.names.get(user, user)

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
            elif c.method == "views.update":
                self._box(f"{self.name(who)} sees the modal:", self._view(p["view"]))
            elif c.method == "chat.postMessage" and p["channel"] in self.names and p["channel"].startswith("U"):
                self._box(f"DM from licensebot to {self.name(p['channel'])}:", self._msg(p))
            elif c.method == "chat.postMessage":
                self._box(f"Post in #{CHANNELS.get(p['channel'], p['channel'])}:", self._msg(p))
            elif c.method == "views.publish" and homes:
                self._box(f"App Home of {self.name(p['user_id'])}:", self._view(p["view"]))
            elif c.method == "views.publish":
                refreshed.append(self.name(p["user_id"]))
            elif c.method == "users.info":
                self.out(
                    f"   ↳ licensebot asks Slack for {self.name(p['user'])}'s email (users.info) to find the member"
                )
        if refreshed:
            self.out(f"   ↳ App Home refreshed for {', '.join(refreshed)}")

    # --- acting ---------------------------------------------------------------------------------

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

    def open_home(self, user: str) -> None:
        self.out(f"\n » {self.name(user)} opens licensebot's Home tab")
        mark = self.standin.mark()
        self.slack.open_home(user)
        self.show(self.standin.since(mark), user, homes=True)


Step = Callable[[Scene], None]


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
    )
    usecases.add_account(scene.db, team=TEAM, now=now, changes=changes)
    csv_text = resources.files("bot.sample").joinpath("members.csv").read_text(encoding="utf-8")
    rows = parse_members_csv(csv_text, TIMEZONE)
    usecases.import_members(scene.db, team=TEAM, rows=rows, now=now)
    scene.out(f" » operator: licensebot account add --team {TEAM} --name 'Acme Demo BV' --plan quarterly \\")
    scene.out(f"       --seats 12 --renews {renews} --timezone {TIMEZONE} --price-per-seat 39.00")
    scene.out(f" » operator: licensebot users import --team {TEAM} members.csv   ({len(rows)} users, 2 admins)")


def ann_opens_the_home_tab(scene: Scene) -> None:
    scene.open_home(ANN)


def jonas_looks_at_the_page(scene: Scene) -> None:
    scene.note(
        "Jonas has no Slack id in the member list yet: licensebot finds him by his email, stores his id, "
        "and shows him the read-only page."
    )
    scene.command(JONAS, "")


def ann_sets_the_admin_channel(scene: Scene) -> None:
    scene.command(ANN, "channel", channel=ADMIN_CHANNEL)


def ann_requests_fewer_licenses(scene: Scene) -> None:
    scene.command(ANN, "reduce 5")
    scene.submit(ANN, "11")
    scene.submit(ANN, "5")


def bram_asks_again(scene: Scene) -> None:
    scene.command(BRAM, "reduce 2")
    scene.submit(BRAM, "2")


def ann_checks_who_would_go(scene: Scene) -> None:
    scene.command(ANN, "users")


def ann_deactivates_users(scene: Scene) -> None:
    scene.command(ANN, f"deactivate <@{CHLOE}|chloe.maes> <@{BRAM}|bram.janssens>")


def ann_sees_the_banner(scene: Scene) -> None:
    scene.open_home(ANN)


def ann_reads_the_history(scene: Scene) -> None:
    scene.command(ANN, "history")


STEPS: list[tuple[str, Step]] = [
    ("An operator links the Slack workspace to the account", operator_links_the_workspace),
    ("Ann (admin) opens the app's Home tab", ann_opens_the_home_tab),
    ("Jonas (not an admin) looks at the license page", jonas_looks_at_the_page),
    ("Ann makes #license-admins the admin channel", ann_sets_the_admin_channel),
    ("Ann asks to remove licenses before the renewal", ann_requests_fewer_licenses),
    ("Bram (admin) asks for another reduction", bram_asks_again),
    ("Ann checks who would be deactivated automatically", ann_checks_who_would_go),
    ("Ann deactivates Chloé and Bram by hand", ann_deactivates_users),
    ("Ann's Home tab now shows the banner", ann_sees_the_banner),
    ("Ann reads the history", ann_reads_the_history),
]


def make_scene(db: Database, standin: SlackStandIn, now: datetime, out: Callable[[str], None] = print) -> Scene:
    for user, (name, email) in SLACK_USERS.items():
        standin.add_user(user, name=name, email=email, team_id=TEAM)
    clock = Clock(now)
    deps = Deps(db=db, clock=clock)
    settings = Settings(bot_token="xoxb-demo", signing_secret=SECRET, api_url=standin.api_url)
    # process_before_response: every step has finished when its request returns (readable output).
    app = build_app(settings, deps, process_before_response=True)
    from bot.serve import build_wsgi

    slack = SlackSim(build_wsgi(app, deps), SECRET, standin, team=TEAM)
    names = {u: n for u, (n, _) in SLACK_USERS.items()} | CHANNELS
    return Scene(db, deps, clock, standin, slack, settings, out, names)


def run_demo(args: argparse.Namespace) -> int:
    path = Path(args.keep)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = Database.connect(f"sqlite:///{path}")
    print(f"licensebot demo: the real app and store (SQLite {path}), a local stand-in of Slack; no token, no network.")
    with SlackStandIn(team_id=TEAM) as standin:
        scene = make_scene(db, standin, pendulum.now(TIMEZONE))
        for n, (title, step) in enumerate(STEPS, start=1):
            scene.title(n, title)
            step(scene)
    db.dispose()
    print(f"\nThe demo database is kept in {path}: try `licensebot --database sqlite:///{path} status --team {TEAM}`.")
    return 0
