"""The setup wizard on the touch screen (first start, and reopened from technician mode).

One module per step; the logic and every write are in kiosk/setup_wizard.py (Qt-free)."""

from screens.setup.wizard import (
    APPLIED,
    NEXT_START,
    FirstStartWindow,
    SetupWizardView,
    open_wizard,
)

__all__ = ["APPLIED", "NEXT_START", "FirstStartWindow", "SetupWizardView", "open_wizard"]
