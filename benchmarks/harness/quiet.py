"""The log of the apps a measurement makes in its own process, held back."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

# Flask names app.logger for the app's import name.
APP_LOGGER = logging.getLogger("sandbox")


@contextmanager
def quiet_apps() -> Iterator[None]:
    """Nothing logged by the apps made or asked meanwhile: their start-up warnings (a
    throwaway Redis keeps nothing across a restart, the embedded store has nothing for
    STORE_CACHE=tracking to cache) hold for every app a measurement makes, and would bury
    what it reports."""
    disabled, APP_LOGGER.disabled = APP_LOGGER.disabled, True
    try:
        yield
    finally:
        APP_LOGGER.disabled = disabled
