"""What services tests share (no Qt here: services tests need none)."""

from __future__ import annotations


def finalize_juminhyo(services, copies=1):
    """One 住民票 application through services alone, its receipt printed."""
    session = services.start_session("juminhyo")
    session.submit("self")
    session.submit(copies)
    session.submit("procedure")
    application = services.finalize(session)
    services.wait_for_devices()
    return application
