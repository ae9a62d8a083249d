"""Receipt benchmarks: bytes on the wire, and time at 9600 baud through the pacing emulator,
for our kanji-text receipt against the same receipt sent as one raster image."""

from __future__ import annotations

import functools
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

BAUD = 9600
READY_DEADLINE_S = 15


def typical_receipt():
    """Reception number, procedure, counter, documents, fee and QR: what residents get."""
    from core.catalog import Catalog
    from core.i18n import UiText
    from core.receipt import layout_receipt
    from core.reception import FinalizedApplication, ReceptionNumber

    catalog = Catalog.load("sample-city")
    application = FinalizedApplication(
        "6f1c0a5e-0000-4000-8000-000000000001",
        ReceptionNumber("A", 42),
        "juminhyo",
        datetime(2026, 11, 26, 9, 30).astimezone(),
        practice=False,
    )
    return layout_receipt(
        application,
        catalog.procedure("juminhyo"),
        2,
        ["本人確認書類（マイナンバーカード、運転免許証など）", "手数料"],
        catalog,
        UiText.load(),
    )


def _emulator(link: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devices.emulators.printer_emulator",
            *("--link", str(link)),
            "--baud",
            str(BAUD),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()  # "ready on …" once the pty pair exists
    if not line.startswith("ready"):
        process.kill()
        raise RuntimeError(f"printer emulator did not start: {line!r}")
    return process


def _time_job(stream: bytes, repeat: int) -> float:
    from devices.escpos_printer import EscPosPrinter
    from devices.printer import PrintOutcome
    from devices.transport import parse_endpoint, transport_for

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as scratch:
        link = Path(scratch) / "printer"
        emulator = _emulator(link)
        try:
            printer = EscPosPrinter(transport_for(parse_endpoint(f"serial://{link}?baud={BAUD}")))
            printer.open()
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                result = printer.print_bytes(stream, deadline_s=len(stream) / 500 + 30)
                times.append(time.perf_counter() - started)
                if result.outcome is not PrintOutcome.COMPLETED:
                    raise RuntimeError(f"bench job did not complete: {result.detail}")
            printer.close()
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)
    return statistics.median(times)


@functools.cache
def _measure(repeat: int) -> dict[str, float]:
    from devices.escpos import encode_receipt, encode_receipt_as_image

    receipt = typical_receipt()
    text = encode_receipt(receipt)
    image = encode_receipt_as_image(receipt)
    return {
        "text_bytes": len(text),
        "image_bytes": len(image),
        "text_s": _time_job(text, max(3, repeat // 2)),
        # One run: at 9600 baud the picture takes about a minute by itself.
        "image_s": _time_job(image, 1),
    }


def bench_receipt_bytes(repeat: int):
    from bench.runner import Result

    m = _measure(repeat)
    ratio = m["text_bytes"] / m["image_bytes"]
    return Result(
        "receipt: bytes on the wire",
        "bytes",
        m["text_bytes"],
        m["image_bytes"],
        "the same receipt as one raster image",
        "≤ 1,200 bytes; ratio ≤ 0.1",
        m["text_bytes"] <= 1200 and ratio <= 0.1,
        "typical receipt: number, procedure, counter, 2 documents, fee, QR; kanji as cp932 text",
    )


def bench_receipt_time(repeat: int):
    from bench.runner import Result

    m = _measure(repeat)
    return Result(
        "receipt: time at 9600 baud",
        "s",
        m["text_s"],
        m["image_s"],
        "the same receipt as one raster image",
        "≤ 1.5 s",
        m["text_s"] <= 1.5,
        "through the printer emulator pacing 8N1 on a socat pty, status before and after "
        "included; median of runs (the image: one run)",
    )
