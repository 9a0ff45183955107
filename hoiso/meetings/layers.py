"""The channel layer of a single process (no REDIS_URL): Channels' in-memory layer, swept for
expired messages at most once a second.

The stock layer sweeps every channel queue and every group membership on each ``receive`` and
``group_send``. One notice to a room of 500 sockets is 500 receives, each walking 500 queues
and 500 memberships: a quarter of a million steps per broadcast, in the event loop that also
serves the sockets. Expired messages (a minute old by default) are dropped a second later at
most; nothing else changes.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer as StockInMemoryChannelLayer


class InMemoryChannelLayer(StockInMemoryChannelLayer):
    sweep_every = 1.0  # seconds
    _swept_at = float("-inf")

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept_at < self.sweep_every:
            return
        self._swept_at = now
        super()._clean_expired()
