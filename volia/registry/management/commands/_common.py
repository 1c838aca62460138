"""Helpers shared by the registry's commands."""

from __future__ import annotations

import getpass

from volia.registry.services import Actor


def cli_actor(name: str | None = None) -> Actor:
    """The actor recorded in audit entries for a command run."""
    try:
        user = name or getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(label=f"cli:{user}")
