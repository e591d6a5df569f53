"""Fakes shared by the tests (tests/) and the benchmarks (bench/): Telegram's Bot API in process
(`testing.fakebotapi`) and over HTTP on 127.0.0.1 for a bot in a subprocess
(`testing.loopback_api`), and the tracking-code pattern that scripted residents read back
(`testing.codes`). Nothing in the product imports this package."""
