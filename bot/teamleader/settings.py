"""Teamleader settings from the environment. Missing ones: one line naming them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.errors import UserError

DEFAULT_API_URL = "https://api.focus.teamleader.eu"
DEFAULT_AUTH_URL = "https://focus.teamleader.eu"


class NotConfigured(UserError):
    pass


@dataclass(frozen=True)
class Settings:
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    api_url: str = DEFAULT_API_URL
    auth_url: str = DEFAULT_AUTH_URL


def load_settings(env: Mapping[str, str] | None = None, *, need_redirect: bool = True) -> Settings:
    """Read TEAMLEADER_CLIENT_ID, TEAMLEADER_CLIENT_SECRET, TEAMLEADER_REDIRECT_URI (and the URL overrides).

    A refresh and a sync do not need the redirect URI; connecting does (`need_redirect`).
    """
    source: Mapping[str, str] = os.environ if env is None else env
    values = {
        "TEAMLEADER_CLIENT_ID": source.get("TEAMLEADER_CLIENT_ID", "").strip(),
        "TEAMLEADER_CLIENT_SECRET": source.get("TEAMLEADER_CLIENT_SECRET", "").strip(),
        "TEAMLEADER_REDIRECT_URI": source.get("TEAMLEADER_REDIRECT_URI", "").strip(),
    }
    needed = [k for k, v in values.items() if not v and (need_redirect or k != "TEAMLEADER_REDIRECT_URI")]
    if needed:
        raise NotConfigured(
            f"Teamleader is not configured: set {', '.join(needed)} "
            "(from the integration in the Teamleader Marketplace; see docs/teamleader.md)"
        )
    redirect = values["TEAMLEADER_REDIRECT_URI"]
    if redirect and not redirect.startswith(("https://", "http://")):
        raise NotConfigured(f"TEAMLEADER_REDIRECT_URI {redirect!r} is not an http(s) URL")
    return Settings(
        client_id=values["TEAMLEADER_CLIENT_ID"],
        client_secret=values["TEAMLEADER_CLIENT_SECRET"],
        redirect_uri=redirect,
        api_url=_base(source, "TEAMLEADER_API_URL", DEFAULT_API_URL),
        auth_url=_base(source, "TEAMLEADER_AUTH_URL", DEFAULT_AUTH_URL),
    )


def _base(source: Mapping[str, str], name: str, default: str) -> str:
    url = (source.get(name) or default).strip().rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise NotConfigured(f"{name} {url!r} is not an http(s) URL")
    return url
