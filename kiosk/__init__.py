"""Madoguchi (窓口): the kiosk application (store, sync, services, card reading, composition
root, CLI) built on the Qt-free core package."""

import os

# sqlite-utils imports numpy when it is installed (the voice extra brings it), and numpy's
# OpenBLAS starts worker threads at import. Threads started before the GUI blocks SIGTERM
# would take that signal and kill the kiosk with no clean-up; the kiosk does no linear
# algebra, so one thread it is. Set before anything imports numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
