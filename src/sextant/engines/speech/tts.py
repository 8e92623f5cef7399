"""Speech synthesis: a parsed document (text or SSML) to audio and speech marks.

The neural engine is a Piper voice (phoneme durations from the model give word and viseme times);
the standard engine is espeak-ng (its word and phoneme events give the times). Prosody: rate by
the synthesizer's own duration control; pitch by espeak's pitch, or for Piper by synthesizing
k times longer and resampling by 1/k (pitch × k, duration unchanged, formants move too);
volume by gain; whispering by espeak's whisper variant or, for Piper, noise excitation with the
speech's spectral envelope; breaths are band-limited noise bursts.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterator

import numpy as np
from scipy import signal

from . import marks as marks_module
from . import normalize
from .espeak import espeak
from .lexicon import Lexicon
from .neural import NeuralVoice, load_voice
from .ssml import Document, Mark, Pause, Style, Word, parse_ssml, parse_text
from .voices import VOICES, Voice

RATE = 22050                    # internal sample rate (Piper medium voices and espeak-ng both use it)
_MAX_PHRASE = 60                # words synthesized in one piece (long sentences are cut)
_FIRST_PHRASE = 6               # words before the first cut at punctuation may end the first piece
_PEAK = 0.8                     # the loudest sample of a phrase at normal volume
_STRESS = set("ˈˌ ") | set(".,!?;:-…")
_ESPEAK_IPA = [  # IPA → espeak-ng phoneme mnemonics (for <phoneme> and lexicons on standard voices)
    ("tʃ", "tS"), ("dʒ", "dZ"), ("eɪ", "eI"), ("aɪ", "aI"), ("ɔɪ", "OI"), ("aʊ", "aU"), ("oʊ", "oU"),
    ("əʊ", "@U"), ("ɪə", "i@"), ("eə", "e@"), ("ʊə", "U@"), ("ɑː", "A:"), ("ɔː", "O:"), ("iː", "i:"),
    ("uː", "u:"), ("ɜː", "3:"), ("θ", "T"), ("ð", "D"), ("ʃ", "S"), ("ʒ", "Z"), ("ŋ", "N"), ("ɹ", "r"),
    ("æ", "a"), ("ɑ", "A:"), ("ɒ", "0"), ("ɔ", "O:"), ("ɛ", "E"), ("ɪ", "I"), ("ʊ", "U"), ("ʌ", "V"),
    ("ə", "@"), ("ɜ", "3:"), ("ɚ", "3"), ("ɝ", "3:"), ("ɐ", "a#"), ("ɡ", "g"), ("ˈ", "'"), ("ˌ", ","),
    ("ː", ":"), ("ɾ", "t#"), ("ʔ", "?"), ("ç", "C"), ("x", "x"), ("ø", "Y"), ("œ", "W"), ("y", "y"),
]


@dataclass
class Speech:
    """Synthesized audio (int16 mono) and Polly-style speech marks (time in ms, byte offsets)."""

    audio: np.ndarray
    sample_rate: int
    marks: list[dict] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate


def read_units(document: Document) -> None:
    """Units of measure after a number are read as words, as Polly's English voices read them."""
    previous = ""
    for item in document.items:
        if isinstance(item, Word):
            if not item.fixed:
                item.say = normalize.unit(item.say, previous) or item.say
            previous = item.value


def apply_lexicons(document: Document, lexicons: list[Lexicon]) -> None:
    """Replace words (and runs of words) that a lexicon's graphemes match, case-sensitively; the
    first lexicon that has a grapheme wins, as Polly applies them in the order given."""
    tables = [lexicon.entries() for lexicon in lexicons]
    if not tables:
        return
    longest = max((len(g.split()) for table in tables for g in table), default=1)
    items = document.items
    index = 0
    while index < len(items):
        word = items[index]
        if not isinstance(word, Word) or word.fixed:
            index += 1
            continue
        for size in range(min(longest, len(items) - index), 0, -1):
            run = items[index:index + size]
            if not all(isinstance(w, Word) and not w.fixed and w.sentence == word.sentence for w in run):
                continue
            if any(w.punct for w in run[:-1]):
                continue
            key = " ".join(w.say for w in run)
            lexeme = next((table[key] for table in tables if key in table), None)
            if lexeme is None:
                continue
            last = run[-1]
            merged = Word(document.text[word.start:last.end].decode("utf-8", "replace"), word.start, last.end,
                          lexeme.alias or key, word.style, word.sentence, phonemes=lexeme.phoneme,
                          punct=last.punct, marks=[m for w in run for m in w.marks], fixed=True)
            items[index:index + size] = [merged]
            break
        index += 1


def _neural_phrase(model: NeuralVoice, words: list[Word], style: Style) -> tuple[np.ndarray, list[int], list]:
    """Audio at the model's rate, the start sample of each word, and (sample, IPA) of each phoneme."""
    runs: list[str | list[str]] = []   # text to phonemize, or given phonemes
    owners: list[list[str]] = []
    for word in words:
        if word.phonemes:
            own = [p for p in unicodedata.normalize("NFD", word.phonemes) if p in model.id_map]
            runs.append(own + [p for p in word.punct if p in model.id_map])
        else:
            own = model.phonemize(word.say)
            if runs and isinstance(runs[-1], str):
                runs[-1] += " " + word.say + word.punct
            else:
                runs.append(word.say + word.punct)
        owners.append([p for p in own if p not in _STRESS])
    phonemes: list[str] = []
    for run in runs:
        if phonemes:
            phonemes.append(" ")
        phonemes.extend(model.phonemize(run) if isinstance(run, str) else run)
    if not phonemes:
        return np.zeros(0, np.float32), [0] * len(words), []
    result, length = _pitched(model, phonemes, 1.0 / style.rate, style.pitch)
    owner = _align(owners, phonemes)
    times, position = [], result.lead
    for count in result.samples:
        times.append(position)
        position += count
    first: dict[int, int] = {}
    for position, index in enumerate(owner):
        if phonemes[position] not in _STRESS:
            first.setdefault(index, times[position])
    starts, previous = [], result.lead
    for index in range(len(words)):
        previous = first.get(index, previous)
        starts.append(previous)
    phones = [(t, p) for t, p in zip(times, phonemes)]
    audio = result.audio
    if length != len(audio):   # squeeze the longer rendering back to normal length: pitch × k
        ratio = length / len(audio)
        audio = signal.resample(audio, length).astype(np.float32)
        starts = [int(s * ratio) for s in starts]
        phones = [(int(t * ratio), p) for t, p in phones]
    if result.sample_rate != RATE:
        audio, starts, phones = _to_rate(audio, result.sample_rate, starts, phones)
    return audio, starts, phones


def _pitched(model: NeuralVoice, phonemes: list[str], length_scale: float, pitch: float):
    """Piper's rendering for a pitch factor, and the length (samples) the audio must be brought to.

    Pitch × k is a rendering k times longer played back in the normal length. Piper's durations
    do not scale linearly with length_scale, so the normal length is measured and the scale is
    corrected until the rendering is k times longer (within 2 %).
    """
    result = model.speak(phonemes, length_scale)
    if pitch == 1.0:
        return result, len(result.audio)
    length, scale = len(result.audio), pitch
    for _ in range(3):
        result = model.speak(phonemes, length_scale * scale)
        realized = len(result.audio) / max(length, 1)
        if abs(realized - pitch) < 0.02 * pitch:
            break
        scale *= pitch / realized
    return result, length


def _to_rate(audio, rate, starts, phones):
    ratio = Fraction(RATE, rate)
    audio = signal.resample_poly(audio, ratio.numerator, ratio.denominator).astype(np.float32)
    return audio, [int(s * ratio) for s in starts], [(int(t * ratio), p) for t, p in phones]


def _align(owners: list[list[str]], phonemes: list[str]) -> list[int]:
    """For each phoneme of the phrase, the index of the word it belongs to.

    Each word's own phonemes (phonemized alone) are aligned to the phrase's (phonemized together,
    where espeak may merge or reduce words) by edit distance; the backtrace carries word indexes.
    """
    source = [(p, index) for index, own in enumerate(owners) for p in own]
    target = [i for i, p in enumerate(phonemes) if p not in _STRESS]
    symbols = [phonemes[j] for j in target]
    n, m = len(source), len(target)
    cost = [list(range(m + 1))] + [[i] + [0] * m for i in range(1, n + 1)]
    for i in range(1, n + 1):
        symbol, row, above = source[i - 1][0], cost[i], cost[i - 1]
        for j in range(1, m + 1):
            row[j] = min(above[j - 1] + (symbol != symbols[j - 1]), above[j] + 1, row[j - 1] + 1)
    owner_of_target = [0] * m
    i, j = n, m
    while j > 0:
        if i > 0 and cost[i][j] == cost[i - 1][j - 1] + (source[i - 1][0] != symbols[j - 1]):
            owner_of_target[j - 1] = source[i - 1][1]
            i, j = i - 1, j - 1
        elif i > 0 and cost[i][j] == cost[i - 1][j] + 1:
            i -= 1
        else:
            owner_of_target[j - 1] = source[i - 1][1] if i > 0 else 0
            j -= 1
    owner = [0] * len(phonemes)
    for position, index in zip(target, owner_of_target):
        owner[position] = index
    following = owner_of_target[-1] if owner_of_target else 0
    for position in range(len(phonemes) - 1, -1, -1):   # stress marks and spaces: the next phoneme's word
        if phonemes[position] in _STRESS:
            owner[position] = following
        else:
            following = owner[position]
    return owner


def _ipa_to_espeak(ipa: str) -> str:
    out, index = [], 0
    while index < len(ipa):
        for symbol, mnemonic in _ESPEAK_IPA:
            if ipa.startswith(symbol, index):
                out.append(mnemonic)
                index += len(symbol)
                break
        else:
            if ipa[index].isascii() and ipa[index].isalpha():
                out.append(ipa[index])
            index += 1
    return "".join(out)


def _espeak_phrase(voice_name: str, words: list[Word], style: Style) -> tuple[np.ndarray, list[int], list]:
    parts, spans, position = [], [], 0
    for word in words:
        part = f"[[{_ipa_to_espeak(word.phonemes)}]]" if word.phonemes else word.say
        spans.append((position, position + len(part)))
        parts.append(part + word.punct)
        position += len(part) + len(word.punct) + 1
    name = voice_name.split("+")[0] + "+whisper" if style.whispered else voice_name
    result = espeak().synthesize(" ".join(parts), name, rate=int(np.clip(175 * style.rate, 80, 450)),
                                 pitch=int(np.clip(50 + (style.pitch - 1) * 150, 0, 100)),
                                 phonemes=any(w.phonemes for w in words))
    starts, previous = [], 0
    for start, end in spans:
        found = [sample for char, _, sample in result.words if start <= char - 1 < end]
        previous = min(found) if found else previous
        starts.append(previous)
    audio = result.audio.astype(np.float32) / 32768.0
    phones = [(sample, name) for name, sample in result.phonemes]
    if result.sample_rate != RATE:
        audio, starts, phones = _to_rate(audio, result.sample_rate, starts, phones)
    return audio, starts, phones


def _whisper(audio: np.ndarray) -> np.ndarray:
    """Keep the spectral envelope, replace the voiced excitation by noise (seeded)."""
    if len(audio) < 512:
        return audio
    _, _, spectrum = signal.stft(audio, nperseg=512)
    envelope = signal.fftconvolve(np.abs(spectrum), np.ones((9, 1)) / 9, mode="same", axes=0)
    phase = np.random.default_rng(0).uniform(0, 2 * np.pi, spectrum.shape)
    _, out = signal.istft(envelope * np.exp(1j * phase), nperseg=512)
    return (out[:len(audio)] * 0.6).astype(np.float32)


def _compress(audio: np.ndarray) -> np.ndarray:
    """Dynamic range compression (amazon:effect name="drc"): quiet stretches raised by up to 12 dB."""
    if not len(audio):
        return audio
    envelope = np.maximum(signal.filtfilt(*signal.butter(2, 20 / (RATE / 2)), np.abs(audio)), 1e-4)
    gain = np.minimum((envelope / envelope.max()) ** -0.5, 4.0)
    out = audio * gain
    return (out * (np.abs(audio).max() / max(float(np.abs(out).max()), 1e-6))).astype(np.float32)


def _breath(ms: int, gain_db: float) -> np.ndarray:
    """An inhalation: band-limited noise (300–3000 Hz) under a smooth envelope."""
    count = int(RATE * ms / 1000)
    noise = np.random.default_rng(count).standard_normal(count)
    noise = signal.sosfilt(signal.butter(4, [300, 3000], btype="band", fs=RATE, output="sos"), noise)
    noise *= np.sin(np.linspace(0, np.pi, count)) ** 2
    return (noise / (np.abs(noise).max() + 1e-9) * 10 ** (gain_db / 20)).astype(np.float32)


def _groups(items):
    """Runs of words spoken together (same sentence and style, at most _MAX_PHRASE words, cut after
    punctuation where possible), and the pauses and marks between. The first run may end at
    punctuation after _FIRST_PHRASE words, so that the first audio leaves sooner."""
    run: list[Word] = []
    cut_at = _FIRST_PHRASE
    for item in items:
        if isinstance(item, Word) and run and (item.sentence != run[-1].sentence or item.style != run[-1].style
                                               or len(run) >= _MAX_PHRASE or (len(run) >= cut_at and run[-1].punct)):
            yield run
            run, cut_at = [], _MAX_PHRASE // 2
        if isinstance(item, Word):
            run.append(item)
            continue
        if run:
            yield run
            run, cut_at = [], _MAX_PHRASE // 2
        yield item
    if run:
        yield run


def stream(document: Document, voice: Voice, engine: str = "standard", model_path: str | None = None
           ) -> Iterator[tuple[np.ndarray, list[dict]]]:
    """(int16 audio at 22050 Hz, its speech marks) phrase by phrase, as soon as each is synthesized.

    Each phrase is normalized to the same peak (as Piper does per sentence) before its volume gain,
    so pieces can leave before the rest is made. Mark times count from the start of the whole audio;
    sentence marks are placeholders ({"sentence": index, "time": …}) that `render` completes.
    """
    position = 0
    family = voice.language.split("-")[0]
    seen: set[int] = set()
    for group in _groups(document.items):
        marks: list[dict] = []

        def add(kind: str, sample: int, value: str, start: int | None = None, end: int | None = None) -> None:
            mark = {"time": int(round((position + sample) * 1000 / RATE)), "type": kind}
            if start is not None:
                mark.update(start=start, end=end)
            marks.append({**mark, "value": value})

        if isinstance(group, Mark):
            add("ssml", 0, group.name, group.start, group.end)
            yield np.zeros(0, np.int16), marks
            continue
        if isinstance(group, Pause):
            audio = _breath(group.ms, group.breath_db) if group.breath_db is not None else \
                np.zeros(int(RATE * group.ms / 1000), np.float32)
            add("viseme", 0, "sil")
        else:
            audio = _phrase(group, voice, engine, family, model_path, add, seen)
        position += len(audio)
        yield (np.clip(audio, -1, 1) * 32767).astype(np.int16), marks


def _phrase(group: list[Word], voice: Voice, engine: str, family: str, model_path: str | None, add,
            seen: set[int]) -> np.ndarray:
    """One phrase's audio (normalized, with its effects and gain); its marks go to `add`."""
    style = group[0].style
    language = style.language
    if engine == "neural" and (language is None or language.split("-")[0] == family):
        audio, starts, phones = _neural_phrase(load_voice(model_path), group, style)
    else:
        audio, starts, phones = _espeak_phrase(voice.espeak_for(language) if language else voice.espeak,
                                               group, style)
    if len(audio):
        audio = audio * (_PEAK / max(float(np.abs(audio).max()), 1e-6))
    if style.whispered and engine == "neural":
        audio = _whisper(audio)
    if style.drc:
        audio = _compress(audio)
    for word, start in zip(group, starts):
        if word.sentence not in seen:
            seen.add(word.sentence)
            add("sentence", start, word.sentence)
        for mark in word.marks:
            add("ssml", start, mark.name, mark.start, mark.end)
        add("word", start, word.value, word.start, word.end)
    last = None
    for sample, phone in phones:
        kind = marks_module.viseme(phone) or ("sil" if phone in ".,!?;:" else None)
        if kind and kind != last:
            add("viseme", sample, kind)
        last = kind or last
    if last not in (None, "sil"):   # the mouth closes where the phrase's sound ends
        loud = np.nonzero(np.abs(audio) > 0.02)[0]
        add("viseme", max(int(loud[-1]) if len(loud) else len(audio), phones[-1][0]), "sil")
    return audio * 10 ** (style.volume_db / 20)


def render(document: Document, voice: Voice, engine: str = "standard", model_path: str | None = None,
           keep_audio: bool = True) -> Speech:
    """Audio at 22050 Hz and speech marks (sentence, word, viseme, ssml) for a parsed document
    (without `keep_audio`, only the marks: the audio is made for its timing, then dropped)."""
    pieces, marks = [], []
    for audio, piece_marks in stream(document, voice, engine, model_path):
        if keep_audio:
            pieces.append(audio)
        marks.extend(piece_marks)
    sentences: dict[int, list[Word]] = {}
    for item in document.items:
        if isinstance(item, Word):
            sentences.setdefault(item.sentence, []).append(item)
    marks = [_sentence_mark(m, sentences[m["value"]], document) if m["type"] == "sentence" else m for m in marks]
    audio = np.concatenate(pieces) if pieces else np.zeros(0, np.int16)
    return Speech(audio, RATE, marks)


def _sentence_mark(mark: dict, words: list[Word], document: Document) -> dict:
    start, end = words[0].start, words[-1].end
    punct = words[-1].punct.encode()
    if document.text[end:end + len(punct)] == punct:
        end += len(punct)
    value = document.text[start:end].decode("utf-8", "replace")
    if "<" in value or "&" in value:   # SSML: the sentence's text without its tags
        value = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", value)).split())
    return {"time": mark["time"], "type": "sentence", "start": start, "end": end, "value": value}


def speak(text: str, voice_id: str = "Matthew", engine: str | None = None, text_type: str = "text",
          lexicons: list[Lexicon] = (), model_path: str | None = None) -> Speech:
    """Text or SSML to speech with a Polly voice name; engine defaults to neural where the voice has it.

    Raises KeyError for an unknown voice, ValueError for an engine the voice lacks, SsmlError for bad SSML.
    """
    chosen = VOICES[voice_id]
    engine = engine or chosen.engines[0]
    if engine not in chosen.engines:
        raise ValueError(f"voice {voice_id} does not support the {engine} engine")
    english = chosen.language.startswith("en")
    document = parse_ssml(text, english) if text_type == "ssml" else parse_text(text)
    if english:
        read_units(document)
    apply_lexicons(document, list(lexicons))
    return render(document, chosen, engine, model_path)


def synthesize(text: str, voice_id: str = "Matthew", engine: str | None = None,
               model_path: str | None = None) -> tuple[np.ndarray, int]:
    """Plain text to (int16 mono samples, sample rate)."""
    speech = speak(text, voice_id, engine, model_path=model_path)
    return speech.audio, speech.sample_rate
