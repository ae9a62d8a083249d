"""The reference sync backend (FastAPI). Never imports Qt, screens or devices."""
