"""The baseline of bench/ack.py: a bare Bolt app whose `/licenses` and reduce-modal listeners only ack,
served exactly as `licensebot serve` serves the real one (handlers.http.build_wsgi and
bot.cli.serve.make_server: waitress, the same number of threads), in a process of its own.

    SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=… SLACK_API_URL=… .venv/bin/python -m bench.bare --port 3001
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.cli.serve import add_commands, make_server
from handlers.app import Settings
from handlers.deps import Deps
from handlers.http import build_wsgi
from handlers.ids import Command, View
from store.db import Database, make_engine


def bare_app(settings: Settings) -> App:
    app = App(
        name="bare",
        logger=logging.getLogger("bare.slack"),
        client=WebClient(token=settings.bot_token, base_url=settings.api_url),
        signing_secret=settings.signing_secret,
    )

    @app.command(Command.LICENSES)
    def licenses(ack: Ack) -> None:
        ack()

    @app.view(View.REDUCE)
    def reduce(ack: Ack, view: dict[str, Any]) -> None:
        ack()

    return app


def serve_threads() -> int:
    """The default of `licensebot serve --threads`, so that both servers run alike."""
    sub = argparse.ArgumentParser().add_subparsers()
    add_commands(sub)
    return int(sub.choices["serve"].get_default("threads"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=serve_threads(), help="waitress threads (serve's default)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    deps = Deps(db=Database(make_engine("sqlite://")))  # /health only; the bare app never reads it
    settings = Settings.from_env()
    wsgi = build_wsgi(bare_app(settings), deps, signing_secret=settings.signing_secret)
    server = make_server(wsgi, "127.0.0.1", args.port, args.threads)
    server.run()


if __name__ == "__main__":
    main()
