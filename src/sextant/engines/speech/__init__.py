"""Speech engines: synthesis (Piper neural voice, espeak-ng standard voices) and recognition."""

from .asr import Transcription, transcribe  # noqa: F401
from .tts import Speech, render, speak, synthesize  # noqa: F401
from .voices import VOICES, Voice  # noqa: F401
