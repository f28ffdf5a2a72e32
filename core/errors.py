"""The project's own errors: problems a user caused and can fix.

Anything raised as :class:`TradeoffError` carries a message written for the person using the
product (what is wrong, what to do). The app shows it with ``st.error``; the CLI prints it on one
line starting with ``error:`` and exits with code 2. Any other exception is a bug.
"""

from __future__ import annotations


class TradeoffError(ValueError):
    """A problem with the user's input or settings, with a message they can act on."""


class DataError(TradeoffError):
    """The table cannot be read, or cannot be used to train and test a model."""


class ConfigError(TradeoffError):
    """A study setting is impossible (unknown model, too many folds, bad budget...)."""
