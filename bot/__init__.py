"""Sáng kiến: the runtime (configuration, dispatcher, services, channels, command line)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
