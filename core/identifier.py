"""The identifiers a catalog names things by (procedures, pages, counters, fees): lower-case
ASCII, digits and underscores, short enough for a file name and a log line."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=40)]
