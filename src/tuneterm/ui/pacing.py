"""`Pacer`: how a secondary screen follows a live sweep without redrawing on every batch."""

from __future__ import annotations

import time

from textual.message_pump import MessagePump

from tuneterm.ui.messages import RefreshDue


class Pacer:
    """Lets a screen reload at most once per `interval`. A reload asked for sooner waits: a
    timer then posts `RefreshDue`, and the app calls the screen's `flush` again."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.pending = False
        """Something changed since the last reload."""
        self._loaded_at = 0.0
        self._timer_armed = False

    def loaded(self) -> None:
        """The screen reloaded (on its own, or because `due` said so)."""
        self._loaded_at = time.monotonic()

    def due(self, screen: MessagePump) -> bool:
        """Whether `screen` should reload now; if it is too soon, ask again later."""
        if not self.pending:
            return False
        wait = self._loaded_at + self.interval - time.monotonic()
        if wait <= 0:
            self.pending = False
            return True
        if not self._timer_armed:
            self._timer_armed = True
            screen.set_timer(wait, lambda: self._wake(screen))
        return False

    def _wake(self, screen: MessagePump) -> None:
        self._timer_armed = False
        screen.post_message(RefreshDue())
