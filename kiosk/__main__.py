"""Allow `python -m kiosk` as well as the `kiosk` console script."""

from kiosk.cli.main import main

raise SystemExit(main())
