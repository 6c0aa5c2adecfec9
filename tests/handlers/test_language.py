"""Whose language: the person's own choice > their Slack locale (when we speak it) > the account's language.

A French Slack user reads French at once; `/licenses language nl` and the App Home selector choose for good;
a Slack locale we do not speak (Dutch is not one of Slack's) falls back to the account's language. users.info
is asked for the locale once, not on every request, and never before a modal opens.
"""

from __future__ import annotations

from bot import usecases
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.usecases import languages
from handlers.ids import Action
from store.db import Database
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN, ADMIN2, TEAM
from tests.handlers.helpers import home_text, last_reply, seats


def locale_lookups(standin: SlackStandIn) -> int:
    return sum(1 for c in standin.calls_to("users.info") if c.params.get("include_locale"))


def test_a_user_whose_slack_is_french_reads_french(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    standin.add_user(ADMIN, name="User 0", locale="fr-FR")
    slack.command(ADMIN, "")
    text = last_reply(standin)
    assert "Prochain renouvellement: vendredi 1 janvier 2027 (dans 36 jours)" in text  # (a field: "title: value")
    assert "Date limite pour retirer des licences: jeudi 17 décembre 2026 (encore 21 jours)" in text
    slack.command(ADMIN, "help")
    assert "retirer N licences utilisateur au prochain renouvellement" in last_reply(standin)
    assert locale_lookups(standin) == 1  # asked once, then known


def test_the_own_choice_wins_over_the_slack_locale(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    standin.add_user(ADMIN, name="User 0", locale="fr-FR")
    slack.command(ADMIN, "language nl")
    assert "Vanaf nu schrijft licensebot je in het Nederlands." in last_reply(standin)
    slack.command(ADMIN, "")
    assert "Volgende hernieuwing: vrijdag 1 januari 2027 (over 36 dagen)" in last_reply(standin)
    slack.command(ADMIN, "language auto")  # back to the Slack locale
    assert "Désormais, licensebot vous écrit en Français." in last_reply(standin)


def test_an_unknown_language_is_refused_with_the_choices(
    db: Database, slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    slack.command(ADMIN, "language de")
    text = last_reply(standin)
    assert "I do not know the language `de`." in text and "`/licenses language nl`, `fr` or `en`" in text
    assert languages.known(db, team=TEAM, user_id=ADMIN).choice is None


def test_a_slack_locale_we_do_not_speak_gets_the_account_language(
    db: Database, slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    usecases.update_account(db, team=TEAM, changes=usecases.AccountChanges(language="nl"), now=NOW)
    standin.add_user(ADMIN, name="User 0", locale="de-DE")
    slack.command(ADMIN, "")
    assert "Volgende hernieuwing: vrijdag 1 januari 2027" in last_reply(standin)


def test_the_app_home_selector_chooses_the_language(
    db: Database, slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    slack.open_home(ADMIN)
    assert "Language · the language licensebot writes to you in" in home_text(standin, ADMIN)
    slack.click(ADMIN, Action.CHOOSE_LANGUAGE, where="home", selected="fr")
    assert "Prochain renouvellement : vendredi 1 janvier 2027" in home_text(standin, ADMIN)
    assert languages.known(db, team=TEAM, user_id=ADMIN).choice == "fr"
    slack.click(ADMIN, Action.CHOOSE_LANGUAGE, where="home", selected="xx")  # not one of ours: nothing changes
    assert languages.known(db, team=TEAM, user_id=ADMIN).choice == "fr"


def test_after_a_change_each_admin_home_is_in_that_admins_language(
    db: Database, slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    languages.choose_language(db, team=TEAM, user_id=ADMIN2, language="nl", now=NOW)
    slack.command(ADMIN, "language fr")
    slack.command(ADMIN, "reduce 1")
    methods = [c.method for c in standin.calls if c.method != "auth.test"]
    assert methods.index("views.open") < max(i for i, m in enumerate(methods) if m == "views.update")
    slack.submit(ADMIN, slack.last_modal_id(), seats("1"))
    assert "Volgende hernieuwing" in home_text(standin, ADMIN2)
    assert "Prochain renouvellement" in home_text(standin, ADMIN)
    assert "Demande en cours n° 1" in home_text(standin, ADMIN)


def test_the_modal_opens_before_any_locale_lookup(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    standin.add_user(ADMIN, name="User 0", locale="fr-FR")
    slack.command(ADMIN, "reduce 2")
    methods = [c.method for c in standin.calls if c.method != "auth.test"]
    assert methods[0] == "views.open" and "users.info" in methods  # the locale is asked after, for the form
    assert standin.views[slack.last_modal_id()]["title"]["text"] == "Retirer des licences"


def test_errors_under_fields_and_refusals_are_in_the_readers_language(
    slack: SlackSim, standin: SlackStandIn, team: str
) -> None:
    standin.add_user(ADMIN, name="User 0", locale="fr-FR")
    slack.command(ADMIN, "reduce")
    answer = slack.submit(ADMIN, slack.last_modal_id(), seats("zéro"))
    assert "Indiquez un nombre entier de licences à retirer" in str(answer.json()["errors"])
    answer = slack.submit(ADMIN, slack.last_modal_id(), seats("10"))
    assert "Vous avez 10 licences et au moins 1 doit rester" in str(answer.json()["errors"])
    standin.add_user("U0002", name="User 2", locale="fr-FR")
    slack.command("U0002", "cancel")
    assert "Seuls les administrateurs du compte peuvent modifier les licences." in last_reply(standin)
    slack.command(ADMIN, "frobnicate")
    assert "Je ne connais pas `frobnicate`." in last_reply(standin)


def test_an_unlinked_workspace_is_told_how_to_link_in_its_readers_language(
    slack: SlackSim, standin: SlackStandIn
) -> None:
    standin.add_user(ADMIN, name="User 0", locale="fr-FR")
    slack.command(ADMIN, "")
    assert f"Aucun compte licensebot n’est relié à l’espace de travail Slack {TEAM}." in last_reply(standin)
