"""Data shipped with the kiosk: procedures, municipality profiles, UI text (read via importlib)."""
