"""Sync with the backend: the outbox sender, the heartbeat, the catalog pull, backoff and the
one HTTP session they share, driven by one worker thread."""
