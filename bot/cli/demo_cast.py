"""Who and where in `licensebot demo` (bot/cli/demo.py): the workspace, the people, the channels."""

from __future__ import annotations

TEAM = "T0DEMO"
TIMEZONE = "Europe/Brussels"
SECRET = "demo-signing-secret"
WIDTH = 96
ADMIN_CHANNEL, GENERAL = "C0LICADMIN", "C0GENERAL"
ANN, BRAM, CHLOE, JONAS = "U0DEMO001", "U0DEMO002", "U0DEMO003", "U0DEMO010"
NEW_YORK = "America/New_York"
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
LOCALES = {"nl": "", "fr": "fr-FR", "en": "en-US"}
"""The demo people's Slack locale for `--lang`: Slack has no Dutch, so in Dutch the account's language speaks."""
