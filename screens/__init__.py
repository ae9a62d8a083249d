"""PySide6 views: one screen per module; they render a page and hand back an answer."""
