"""`kiosk names build`: the reading index of Japanese names (kiosk/name_index.py), built once
at install so that no resident's first kanji_name page waits for it."""

from __future__ import annotations

import argparse
import time

from core.errors import CommandFailed
from kiosk.config_base import resolve_paths


def add_parser(commands: argparse._SubParsersAction) -> None:
    names = commands.add_parser(
        "names",
        help="the reading index of Japanese names (kanji for names typed in kana)",
        description="Build the index from which a kanji_name page offers spellings for a "
        "reading typed in kana (SudachiDict's 姓 and 名). Built on first use otherwise.",
    )
    actions = names.add_subparsers(dest="names_command", required=True, metavar="ACTION")
    build = actions.add_parser(
        "build",
        help="build (or rebuild) the index in the kiosk's data folder",
        description="Read every family and given name of SudachiDict (the voice extra) and "
        "write name-readings.sqlite3 in the kiosk's data folder (about 10 MB, seconds).",
    )
    build.set_defaults(handler=_build)


def _build(args: argparse.Namespace) -> int:
    from kiosk.name_index import build, index_path

    paths = resolve_paths()
    target = index_path(paths.data_dir)
    started = time.monotonic()
    try:
        rows = build(target)
    except ImportError as error:
        raise CommandFailed(
            f"SudachiDict is not installed ({error.name}): install the kiosk's voice extra "
            "/ 音声の追加パッケージ（voice）を入れてください"
        ) from error
    print(
        f"名前のよみの索引を作りました / name index built: {target} "
        f"({rows:,} spellings, {time.monotonic() - started:.1f} s)"
    )
    return 0
