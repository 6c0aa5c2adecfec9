"""OAuth mode: installing the app in a workspace, and its uninstall.

Bolt's own OAuth flow serves `/slack/install` (an "Add to Slack" page; the state is issued, stored and
set in a cookie) and `/slack/oauth_redirect` (state checked and consumed once, code exchanged with
oauth.v2.access, the installation saved). This module gives it the pages a person reads after it,
records the installation on the linked account (its waiting messages resume), and listens to
`app_uninstalled` and `tokens_revoked`: the tokens are deleted, the account is marked "Slack not
installed" (its messages wait, its license data stays).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth import AuthorizeUrlGenerator
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.usecases import workspaces
from handlers.deps import Deps

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

REASONS = {
    "access_denied": "The installation was cancelled in Slack. Nothing was installed.",
    "invalid_browser": "This link was opened in another browser than the one that started the installation.",
    "invalid_state": "This installation link has expired or was already used.",
    "missing_code": "Slack did not send an authorization code.",
    "invalid_code": "Slack did not accept the authorization code (it may have been used already).",
    "storage_error": "The installation could not be saved. Please try again in a minute.",
}


def page(title: str, body: str, *, status: int, link: tuple[str, str] | None = None) -> BoltResponse:
    """A small HTML page a person can read (escaped; no scripts, nothing loaded from elsewhere)."""
    action = f'<p><a href="{html.escape(link[0])}">{html.escape(link[1])}</a></p>' if link else ""
    doc = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>licensebot: {html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;"
        "line-height:1.5;color:#1d1c1d}h1{font-size:1.5rem}code{background:#f4f4f4;padding:0 .2rem}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>{body}{action}</body></html>"
    )
    return BoltResponse(
        status=status,
        body=doc,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "X-Frame-Options": "DENY",
        },
    )


def install_page(url: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>licensebot: add to Slack</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;"
        "line-height:1.5}a.add{display:inline-block;background:#4a154b;color:#fff;padding:.6rem 1rem;"
        "border-radius:4px;text-decoration:none}</style></head><body><h1>Add licensebot to Slack</h1>"
        "<p>licensebot shows your user licenses and the renewal in Slack, and lets the account admins "
        "remove licenses before the renewal.</p>"
        f'<p><a class=add href="{html.escape(url)}">Add to Slack</a></p>'
        "<p>After the installation, an admin links the workspace to your account with the link code your "
        "provider gave you: <code>/licenses link CODE</code>.</p></body></html>"
    )


class _Flow:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def success(self, args: SuccessArgs) -> BoltResponse:
        inst = args.installation
        team = inst.team_id or inst.enterprise_id or ""
        name = inst.team_name or inst.enterprise_name or team
        linked = False
        if inst.team_id:
            try:
                linked = workspaces.slack_installed(
                    self.deps.db, team=inst.team_id, installer=inst.user_id, now=self.deps.now()
                )
            except Exception:  # the installation is saved; the account's flag is set again on the next event
                log.exception("recording the installation of %s on its account failed", team)
        log.info("installed in %s (enterprise install: %s)", team, inst.is_enterprise_install)
        if linked:
            body = (
                f"<p>licensebot is installed in <b>{html.escape(name)}</b> and linked to your account. "
                "Type <code>/licenses</code> in Slack, or open licensebot's Home tab.</p>"
            )
        elif inst.is_enterprise_install:
            body = (
                f"<p>licensebot is installed for the organization <b>{html.escape(name)}</b>. In each workspace "
                "that has an account, an admin types <code>/licenses link CODE</code> with the code your "
                "provider gave you.</p>"
            )
        else:
            body = (
                f"<p>licensebot is installed in <b>{html.escape(name)}</b>. One step left: an admin links this "
                "workspace to your account by typing <code>/licenses link CODE</code> in Slack, with the link "
                "code your provider gave you (or pastes it on licensebot's Home tab).</p>"
            )
        return page("licensebot is installed", body, status=200)

    def failure(self, args: FailureArgs) -> BoltResponse:
        reason = REASONS.get(args.reason, "The installation did not complete.")
        log.warning("installation failed: %s", args.reason)
        status = args.suggested_status_code if args.suggested_status_code >= 400 else 200
        return page(
            "licensebot was not installed",
            f"<p>{html.escape(reason)}</p>",
            status=status,
            link=(INSTALL_PATH, "Start the installation again"),
        )


def oauth_settings(
    settings: Any,
    deps: Deps,
    installation_store: InstallationStore,
    state_store: OAuthStateStore,
    scopes: Sequence[str],
) -> OAuthSettings:
    flow = _Flow(deps)
    oauth = OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(scopes),
        redirect_uri=settings.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=CallbackOptions(success=flow.success, failure=flow.failure),
        installation_store=installation_store,
        installation_store_bot_only=True,
        state_store=state_store,
        authorization_url=settings.authorize_url,
    )
    if settings.authorize_url:
        oauth.authorize_url_generator = AuthorizeUrlGenerator(
            client_id=settings.client_id,
            scopes=list(scopes),
            redirect_uri=settings.redirect_uri,
            authorization_url=settings.authorize_url,
        )
    return oauth


def register(app: App, deps: Deps, installation_store: InstallationStore) -> None:
    flow = app.oauth_flow
    if flow is not None:
        flow.build_install_page_html = lambda url, request: install_page(url)  # type: ignore[method-assign]

    def forget(context: BoltContext, reason: str) -> None:
        team = context.team_id
        enterprise = context.enterprise_id
        org = bool(context.is_enterprise_install)
        installation_store.delete_bot(enterprise_id=enterprise, team_id=None if org else team)
        installation_store.delete_installation(enterprise_id=enterprise, team_id=None if org else team)
        if team and not org:
            workspaces.slack_uninstalled(deps.db, team=team, reason=reason, now=deps.now())
        log.info("%s: tokens of %s removed", reason, team or enterprise)

    @app.event("app_uninstalled")
    def uninstalled(ack: Ack, context: BoltContext) -> None:
        ack()
        try:
            forget(context, "app_uninstalled")
        except Exception:  # acked: logged; Slack does not resend, the operator sees it in the log
            log.exception("handling app_uninstalled of %s failed", context.team_id)

    @app.event("tokens_revoked")
    def revoked(ack: Ack, event: dict[str, Any], context: BoltContext) -> None:
        ack()
        tokens = event.get("tokens") or {}
        try:
            if tokens.get("bot"):
                forget(context, "tokens_revoked")
            for user in tokens.get("oauth") or []:  # user tokens: none are asked for, none should exist
                installation_store.delete_installation(
                    enterprise_id=context.enterprise_id, team_id=context.team_id, user_id=str(user)
                )
        except Exception:
            log.exception("handling tokens_revoked of %s failed", context.team_id)
