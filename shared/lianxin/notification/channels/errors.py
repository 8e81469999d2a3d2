"""What a channel's `send` raises: retry later, or never."""

from __future__ import annotations


class TransientError(Exception):
    """The receiver may accept it later (timeout, 5xx, 408, 429, connection refused)."""


class PermanentError(Exception):
    """Sending again cannot help (a 4xx other than 408/429, a refused recipient)."""
