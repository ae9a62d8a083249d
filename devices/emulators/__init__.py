"""Device emulators for demos and tests: each a real process on a socat pty pair, a TCP port
or the vsmartcard virtual reader."""
