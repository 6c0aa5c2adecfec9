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
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pendulum

from bot import i18n, usecases
from bot.cli import demo_lines
from bot.cli.demo_cast import (
    CHANNELS,
    GENERAL,
    LOCALES,
    SECRET,
    SLACK_USERS,
    TEAM,
    TIMEZONE,
    WIDTH,
)
from bot.cli.demo_steps import (
    ann_deactivates_a_user,
    ann_opens_the_home_tab,
    ann_requests_fewer_licenses,
    ann_sets_the_admin_channel,
    ann_snoozes_her_reminder,
    bram_cancels_and_ann_asks_again,
    jonas_looks_at_the_page,
    operator_links_the_workspace,
    the_worker_escalates,
    the_worker_processes_the_renewal,
    the_worker_reminds_the_admins,
)
from bot.cli.wiring import slack_notices
from bot.cli.worker import render_pass
from bot.i18n import N_, _, formats
from bot.testing.blocktext import message_to_text, mrkdwn, view_to_text
from bot.testing.slack_sim import Response, SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.testing.standin_calls import Call
from bot.worker.loop import PassReport, run_once
from bot.worker.pacing import Pacer
from bot.worker.sender import Sender
from handlers.app import Settings, build_app
from handlers.blocks.rendered import render_notice
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
                self._box(_("{name} sees (only visible to you):", name=self.name(who)), self._msg(p))
            elif c.method == "views.open":
                first = mrkdwn(str(p["view"]["blocks"][0]["text"]["text"]))
                self.out("   " + _("↳ a modal opens at once ({text})", text=first))
            elif c.method == "views.update" and p["view"].get("callback_id") in self.modals:
                title = mrkdwn(str(p["view"]["title"]["text"]))
                self.out("   " + _("↳ the modal shows the form as above: {title}", title=title))
            elif c.method == "views.update":
                self.modals.add(str(p["view"].get("callback_id")))
                self._box(_("{name} sees the modal:", name=self.name(who)), self._view(p["view"]))
            elif c.method == "chat.postMessage":
                self._post(p)
            elif c.method == "views.publish" and homes:
                self._box(_("App Home of {name}:", name=self.name(p["user_id"])), self._view(p["view"]))
            elif c.method == "views.publish":
                refreshed.append(self.name(p["user_id"]))
            elif c.method == "users.info" and str(p.get("include_locale", "")).lower() not in ("1", "true"):
                asked = _(
                    "↳ licensebot asks Slack for {name}'s email (users.info) to find the member",
                    name=self.name(p["user"]),
                )
                self.out("   " + asked)
        if refreshed:
            self.out("   " + _("↳ App Home refreshed for {names}", names=", ".join(refreshed)))

    def _post(self, params: dict[str, Any], *, same: bool = False, buttons: str = "", compact: bool = False) -> None:
        channel = str(params["channel"])
        if channel in self.names and channel[:1] in "UD":  # a user id (Bolt) or a DM channel (the worker)
            heading = _("DM from licensebot to {name}:", name=self.name(channel))
        else:
            heading = _("Post in #{channel}:", channel=CHANNELS.get(channel, channel))
        if same:
            same_text = _("the same message, with {buttons}", buttons=buttons) if buttons else _("the same message")
            self.out(f"   {heading} {same_text}")
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
            self._box(heading, "\n".join([*shown, _("… the rest as in the message above")]))
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
        when = formats.local_time(at, TIMEZONE)
        self.out("\n » " + _("{when}: the worker runs its pass. Its log (abridged):", when=when))
        mark = self.standin.mark()
        report = run_once(self.db, self.sender, at, notices=slack_notices())
        for line in render_pass(report).splitlines():
            if not line.startswith("tick at") and not line.endswith(("messages sent", "message sent")):
                self.out(f"   ┊ {line}")  # the log without its timestamp and per-account totals
        self.show_posts(self.standin.since(mark))
        return report

    def command(self, user: str, text: str, *, channel: str = GENERAL, homes: bool = False) -> Response:
        typed = mrkdwn(text, self.names)  # mentions as Slack shows them while typing
        said = _("{name} types in #{channel}:", name=self.name(user), channel=CHANNELS[channel])
        self.out(f"\n » {said}  /licenses {typed}".rstrip())
        mark = self.standin.mark()
        response = self.slack.command(user, text, channel=channel)
        self.show(self.standin.since(mark), user, homes=homes)
        return response

    def submit(self, user: str, typed: str) -> Response:
        self.out("\n » " + _("{name} types {typed} and clicks [Request]", name=self.name(user), typed=typed))
        mark = self.standin.mark()
        view_id = self.slack.last_modal_id()
        values: dict[str, Any] = {Block.SEATS: {Action.SEATS_INPUT: {"type": "number_input", "value": typed}}}
        response = self.slack.submit(user, view_id, values)
        body = response.json() or {}
        if body.get("response_action") == "errors":
            for problem in body["errors"].values():
                self._box(_("Slack shows under the field, in red:"), textwrap.fill(problem, WIDTH - 6))
        else:
            self.out("   " + _("↳ the modal closes"))
        self.show(self.standin.since(mark), user)
        return response

    def click(self, user: str, label: str, action_id: str, value: str, *, where: str) -> Response:
        self.out("\n » " + _("{name} clicks [{label}] {where}", name=self.name(user), label=label, where=where))
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
        self.out("\n » " + _("{name} clicks [{label}]", name=self.name(user), label=button["text"]["text"]))
        mark = self.standin.mark()
        response = self.slack.click(user, str(button["action_id"]), str(button.get("value") or ""))
        self.show(self.standin.since(mark), user)
        return response

    def open_home(self, user: str) -> None:
        self.out("\n » " + _("{name} opens licensebot's Home tab", name=self.name(user)))
        mark = self.standin.mark()
        self.slack.open_home(user)
        self.show(self.standin.since(mark), user, homes=True)


Step = Callable[[Scene], None]


def _body(params: dict[str, Any]) -> list[Any]:
    """A message without its buttons, footnotes and mentions: what is the same for every recipient."""
    return [b for b in params.get("blocks") or [] if b["type"] not in ("actions", "context") and "<@" not in str(b)]


STEPS: list[tuple[str, Step]] = [
    (N_("An operator links the Slack workspace to the account"), operator_links_the_workspace),
    (N_("Jonas (not an admin) looks at the license page"), jonas_looks_at_the_page),
    (N_("Ann makes #license-admins the admin channel"), ann_sets_the_admin_channel),
    (N_("Ann asks to remove licenses before the renewal"), ann_requests_fewer_licenses),
    (N_("Bram (admin) cancels the request; Ann asks again"), bram_cancels_and_ann_asks_again),
    (
        N_("A week before the renewal the worker reminds the admins, each at 09:00 their time"),
        the_worker_reminds_the_admins,
    ),
    (N_("Ann snoozes her reminder for 3 days"), ann_snoozes_her_reminder),
    (N_("Three days before, nobody has acted: the reminder escalates"), the_worker_escalates),
    (N_("Ann deactivates Chloé by hand"), ann_deactivates_a_user),
    (N_("The day after the renewal the worker processes it"), the_worker_processes_the_renewal),
    (N_("After the renewal Ann opens the app's Home tab"), ann_opens_the_home_tab),
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
    names = {u: n for u, (n, _email) in SLACK_USERS.items()} | CHANNELS
    names |= {f"D{u}": n for u, (n, _email) in SLACK_USERS.items()}  # the DM channels the worker posts to
    sender = Sender(
        SlackPoster(lambda: make_client("xoxb-demo", standin.api_url)), threads=4, pacer=Pacer(0), render=render_notice
    )
    return Scene(db, deps, clock, standin, slack, settings, out, names, sender=sender, lang=lang)


def run_demo(args: argparse.Namespace) -> int:
    path = Path(args.keep)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = Database.connect(f"sqlite:///{path}")
    lang = getattr(args, "lang", "en")
    with i18n.use(lang):  # the narration too speaks the demo's language
        print(
            _(
                "licensebot demo: the real app and store (SQLite {path}), a local stand-in of Slack; "
                "no token, no network.",
                path=path,
            )
        )
        with SlackStandIn(team_id=TEAM) as standin:
            scene = make_scene(db, standin, pendulum.now(TIMEZONE), lang=lang)
            for n, (title, step) in enumerate(STEPS, start=1):
                scene.title(n, _(title))
                step(scene)
        db.dispose()
        status = f"licensebot --database sqlite:///{path} status --team {TEAM}"
        print("\n" + _("The demo database is kept in {path}: try `{command}`.", path=path, command=status))
    return 0
