"""Capped exponential backoff for reconnect loops."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    """Delays ``initial_s, initial_s*factor, ...`` capped at ``max_s``.

    ``jitter`` spreads reconnects of many stations after a network blip
    (fraction of the delay, added at random); tests use ``jitter=0``.
    """

    initial_s: float = 0.5
    max_s: float = 30.0
    factor: float = 2.0
    jitter: float = 0.1
    attempts: int = field(default=0, init=False)

    def next_delay(self) -> float:
        delay = min(self.max_s, self.initial_s * self.factor**self.attempts)
        self.attempts += 1
        if self.jitter:
            delay += delay * self.jitter * random.random()
        return min(delay, self.max_s * (1 + self.jitter))

    def reset(self) -> None:
        self.attempts = 0

    async def sleep(self, wake: asyncio.Event | None = None) -> None:
        """Sleep the next delay; return early if ``wake`` is set."""
        delay = self.next_delay()
        if wake is None:
            await asyncio.sleep(delay)
            return
        try:
            await asyncio.wait_for(wake.wait(), delay)
        except TimeoutError:
            pass
