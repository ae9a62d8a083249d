"""Voice guidance: each page's question and the idle warning read aloud, offline, in Japanese.

Open JTalk (pyopenjtalk-plus, the optional `voice` extra) reads kanji correctly where
espeak-ng says "Chinese letter"; its dictionary and the "Mei" voice come inside the wheel, so
nothing is downloaded at run time (its optional tsqyomi model, which would download, stays
off). Synthesis takes ~0.1 s per sentence, so it runs on its own thread, never the GUI's, and
a newer sentence replaces one not yet spoken. Without the engine the option is not offered.

Words Open JTalk misreads (お持ちの方 as ほう, 番号札 as さつ) are corrected by the user dictionary
in assets/voice (kiosk.voice_dictionary), compiled and loaded on that thread with the first
sentence; without it the voice still speaks, with the plain readings.
"""

from __future__ import annotations

import importlib.util
import logging
import tempfile
import threading
import wave
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from kiosk import sound, voice_dictionary

log = logging.getLogger(__name__)

# Open JTalk reads Japanese only; やさしい日本語 is Japanese too.
SPOKEN_LANGUAGES = {"ja", "ja-easy"}
KEEP_FILES = 5  # questions only, never answers; still, no pile of files
# The voice bundled with pyopenjtalk-plus; CC BY 3.0 asks for this line wherever it speaks.
ATTRIBUTION = '音声合成: Open JTalk, 音声 "Mei" (MMDAgent, 名古屋工業大学, CC BY 3.0)'


def available() -> bool:
    try:
        return importlib.util.find_spec("pyopenjtalk") is not None
    except (ImportError, ValueError):  # present in sys.modules as None: blocked, not there
        return False


class Voice:
    def __init__(
        self,
        folder: Path | None = None,
        player: str | None = "aplay",
        dictionary: Path = voice_dictionary.SOURCE,
    ) -> None:
        self.folder = folder or Path(tempfile.mkdtemp(prefix="kiosk-voice-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.player = player
        self.dictionary = dictionary
        self.engine: object | None = None  # the front end with the user dictionary, once loaded
        self._engine_tried = False  # asked once: a failure is logged once, not per sentence
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voice")
        self._lock = threading.Lock()
        self._latest = 0  # number of the newest sentence asked for
        self.spoken: list[Path] = []  # the WAV files played, newest last (for tests)

    def say(self, text: str, language: str) -> Future | None:
        """Speak text (in the background); None when this language is not spoken."""
        if language not in SPOKEN_LANGUAGES or not text.strip():
            return None
        with self._lock:
            self._latest += 1
            number = self._latest
        return self._worker.submit(self._speak, number, text)

    def _speak(self, number: int, text: str) -> Path | None:
        with self._lock:
            if number != self._latest:
                return None  # the resident has moved on: say the newer page instead
        pyopenjtalk = voice_dictionary.engine_module()  # only when speaking, never at import
        samples, rate = pyopenjtalk.tts(text, jtalk=self._front_end())
        path = self.folder / f"say-{number:05d}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(int(rate))
            out.writeframes(samples.clip(-32768, 32767).astype("<i2").tobytes())
        self.spoken.append(path)
        for old in self.spoken[:-KEEP_FILES]:
            old.unlink(missing_ok=True)
        del self.spoken[:-KEEP_FILES]
        sound.play_file(path, self.player)
        return path

    def _front_end(self) -> object | None:
        """The front end with the user dictionary; None (the plain one) when it cannot load."""
        if not self._engine_tried:
            self._engine_tried = True
            try:
                self.engine = voice_dictionary.front_end(self.folder, self.dictionary)
            except voice_dictionary.DictionaryError as error:
                log.warning("voice: speaking without the user dictionary: %s", error)
        return self.engine

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)
