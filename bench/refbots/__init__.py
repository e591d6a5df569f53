"""The reference bots the product is measured against: python-telegram-bot's echo handler and the
same flow as the library's examples write it (ptbflow: ConversationHandler, PicklePersistence),
built in process (bots) or run as their own process (refbot)."""
