"""The `kiosk` command line: one module per group of subcommands. The only part of the kiosk
that knows a backend exists (it can serve one, and provision a kiosk from one on this machine)."""
