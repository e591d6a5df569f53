"""Diagnostic tools: where a step's or a broadcast message's time goes (`python -m
bench.tools.profile_step`, `python -m bench.tools.profile_broadcast`, with decompose and
ledger_variants), and the pauses measured apart by the step part (gcpause, pickle_pause)."""
