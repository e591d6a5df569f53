"""Reference (b) as a process of its own, the way python-telegram-bot's examples run it:
`python -m bench.refbots.refbot BASE_URL PICKLE_FILE`.

The ConversationHandler flow of bench.refbots.ptbflow on an Application with PicklePersistence (its
defaults: one file, written every 60 s and at shutdown) and `run_polling()`, against a Bot API
at BASE_URL (testing/loopback_api.py in the crashref part). SIGTERM stops it cleanly (the pickle is
written); SIGKILL does not."""

from __future__ import annotations

import sys

from telegram.ext import ApplicationBuilder, PicklePersistence

from bench.refbots.ptbflow import conversation_handler

TOKEN = "123:TEST"


def main(argv: list[str]) -> int:
    base_url, pickle_file = argv
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(base_url)
        .persistence(PicklePersistence(filepath=pickle_file))
        .build()
    )
    app.add_handler(conversation_handler())
    app.run_polling()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
