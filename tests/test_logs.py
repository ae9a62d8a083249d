import logging

from kiosk.logs import configure_logging


def test_logs_rotate_into_the_log_folder_and_mask_numbers_and_pins(tmp_path):
    path = configure_logging(tmp_path / "logs")
    logger = logging.getLogger("kiosk.test")
    logger.warning("typed number %s and pin=1234 seen", "621498320257")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "621498320257" not in text and "1234" not in text
    assert "************" in text and "pin=****" in text
