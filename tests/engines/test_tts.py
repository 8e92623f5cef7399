"""Speech synthesis engine: audio, SSML effects, lexicons and speech marks, measured on the audio."""

from __future__ import annotations

import numpy as np
import pytest

from sextant.engines.speech import speak, synthesize
from sextant.engines.speech import normalize
from sextant.engines.speech.lexicon import LexiconError, parse_pls, xsampa_to_ipa
from sextant.engines.speech.ssml import Pause, SsmlError, parse_ssml, parse_text
from sextant.engines.speech.tts import read_units

SENTENCE = "The quick brown fox jumps over the lazy dog."


def _f0(audio: np.ndarray, rate: int) -> float:
    """Median fundamental frequency of the voiced 40 ms frames (autocorrelation peak in 60–400 Hz)."""
    size, found = int(0.04 * rate), []
    for start in range(0, len(audio) - size, size):
        frame = audio[start:start + size].astype(np.float64)
        frame -= frame.mean()
        if np.sqrt(np.mean(frame ** 2)) < 1000:
            continue
        corr = np.correlate(frame, frame, "full")[size - 1:]
        low, high = rate // 400, rate // 60
        lag = low + int(np.argmax(corr[low:high]))
        if corr[lag] > 0.5 * corr[0]:
            found.append(rate / lag)
    return float(np.median(found))


def _silences(audio: np.ndarray, rate: int, threshold: int = 300) -> list[float]:
    """Lengths (s) of the runs of 10 ms frames whose peak stays under `threshold`."""
    size = rate // 100
    quiet = [np.abs(audio[i:i + size]).max() < threshold for i in range(0, len(audio) - size, size)]
    runs, count = [], 0
    for flag in quiet + [False]:
        if flag:
            count += 1
        elif count:
            runs.append(count / 100)
            count = 0
    return runs


@pytest.mark.parametrize("voice,engine", [("Matthew", "neural"), ("Joanna", "standard")])
def test_plain_text_gives_speech_of_plausible_length(voice, engine):
    audio, rate = synthesize(SENTENCE, voice, engine)
    assert audio.dtype == np.int16 and rate == 22050
    assert 1.5 < len(audio) / rate < 5.0            # 9 words at 2–6 words per second
    assert np.sqrt(np.mean(audio.astype(np.float64) ** 2)) > 1000
    again, _ = synthesize(SENTENCE, voice, engine)
    assert np.array_equal(audio, again)             # deterministic


def test_break_adds_that_silence():
    plain = speak("<speak>Hello there. General Kenobi.</speak>", text_type="ssml")
    paused = speak('<speak>Hello there. <break time="1500ms"/> General Kenobi.</speak>', text_type="ssml")
    assert paused.duration - plain.duration == pytest.approx(1.5, abs=0.05)
    assert max(_silences(paused.audio, paused.sample_rate)) >= 1.5


def test_prosody_rate_volume_and_pitch_change_the_audio():
    base = speak(f"<speak>{SENTENCE}</speak>", text_type="ssml")
    slow = speak(f'<speak><prosody rate="50%">{SENTENCE}</prosody></speak>', text_type="ssml")
    fast = speak(f'<speak><prosody rate="x-fast">{SENTENCE}</prosody></speak>', text_type="ssml")
    assert slow.duration / base.duration == pytest.approx(2.0, rel=0.2)
    assert fast.duration < 0.8 * base.duration
    soft = speak(f'<speak><prosody volume="-12dB">{SENTENCE}</prosody></speak>', text_type="ssml")
    ratio_db = 20 * np.log10(np.abs(soft.audio).max() / np.abs(base.audio).max())
    assert ratio_db == pytest.approx(-12, abs=0.5)
    high = speak(f'<speak><prosody pitch="+25%">{SENTENCE}</prosody></speak>', text_type="ssml")
    assert _f0(high.audio, 22050) / _f0(base.audio, 22050) == pytest.approx(1.25, abs=0.1)
    assert high.duration == pytest.approx(base.duration, rel=0.05)   # pitch, not tempo


def test_whisper_removes_voicing():
    voiced = speak(f"<speak>{SENTENCE}</speak>", text_type="ssml")
    whispered = speak(f'<speak><amazon:effect name="whispered">{SENTENCE}</amazon:effect></speak>',
                      text_type="ssml")

    def periodicity(audio):   # mean normalized autocorrelation peak of loud frames
        size, peaks = 882, []
        for start in range(0, len(audio) - size, size):
            frame = audio[start:start + size].astype(np.float64)
            if np.abs(frame).max() < 2000:
                continue
            corr = np.correlate(frame, frame, "full")[size - 1:]
            peaks.append(corr[55:370].max() / corr[0])
        return np.mean(peaks)

    assert periodicity(whispered.audio) < periodicity(voiced.audio) - 0.2


def test_phonemes_in_ipa_and_x_sampa_are_spoken_as_given():
    ipa = speak('<speak>I like <phoneme alphabet="ipa" ph="pɪˈkɑːn">pecan</phoneme>.</speak>', text_type="ssml")
    sampa = speak('<speak>I like <phoneme alphabet="x-sampa" ph="pI&quot;kA:n">pecan</phoneme>.</speak>',
                  text_type="ssml")
    plain = speak("<speak>I like pecan.</speak>", text_type="ssml")
    assert np.array_equal(ipa.audio, sampa.audio)
    assert not np.array_equal(ipa.audio, plain.audio)
    assert xsampa_to_ipa('"h{l@U') == "ˈhæləʊ"


def test_say_as_and_sub_expand_text():
    assert normalize.cardinal(1234) == "one thousand two hundred thirty-four"
    assert normalize.ordinal(22) == "twenty-second"
    assert normalize.date("2012-12-17", "ymd") == "December seventeenth twenty twelve"
    assert normalize.duration("1'21\"") == "one minute twenty-one seconds"
    assert normalize.telephone("555-0199") == "five five five, zero one nine nine"
    document = parse_ssml('<speak><say-as interpret-as="characters">abc</say-as> '
                          '<sub alias="World Wide Web Consortium">W3C</sub></speak>')
    assert [(w.value, w.say) for w in document.items] == [("abc", "A B C"), ("W3C", "World Wide Web Consortium")]
    spelled = speak('<speak><say-as interpret-as="spell-out">hello</say-as></speak>', text_type="ssml")
    word = speak("<speak>hello</speak>", text_type="ssml")
    assert spelled.duration > 1.5 * word.duration


def test_units_after_numbers_are_read_as_words_in_english():
    assert normalize.unit("160km/h", "") == "160 kilometers per hour"
    assert normalize.unit("mph", "30") == "miles per hour"
    assert normalize.unit("km", "1") == "kilometer"
    assert normalize.unit("km", "the") is None and normalize.unit("kg", "") is None
    document = parse_text("It ran at 30 mph, then 160km/h.")
    read_units(document)
    assert [w.say for w in document.items if w.say != w.value] == ["miles per hour", "160 kilometers per hour"]
    assert speak("at 160km/h").duration > 1.5 * speak("at 160").duration


def test_lexicon_alias_and_phoneme_are_applied():
    lexicon = parse_pls("""<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="en-US">
  <lexeme><grapheme>W3C</grapheme><alias>World Wide Web Consortium</alias></lexeme>
  <lexeme><grapheme>tomato</grapheme><phoneme>təˈmɑːtoʊ</phoneme></lexeme>
</lexicon>""")
    mapped = speak("I work at W3C.", lexicons=[lexicon])
    spoken = speak("I work at World Wide Web Consortium.")
    assert np.array_equal(mapped.audio, spoken.audio)
    words = [m for m in mapped.marks if m["type"] == "word"]
    assert words[-1]["value"] == "W3C"
    assert speak("w3c", lexicons=[lexicon]).duration < spoken.duration     # graphemes match case-sensitively
    british = speak("tomato", lexicons=[lexicon])
    assert not np.array_equal(british.audio, speak("tomato").audio)


def test_invalid_lexicons_and_ssml_are_refused():
    with pytest.raises(LexiconError):
        parse_pls("<lexicon>")
    with pytest.raises(LexiconError) as caught:
        parse_pls('<lexicon xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="arpabet" '
                  'xml:lang="en-US"/>')
    assert caught.value.kind == "alphabet"
    for bad, words in [("<speak>hi<foo/></speak>", "<foo>"), ("<speak>a", "no element found"),
                       ('<!DOCTYPE speak [<!ENTITY x "y">]><speak>&x;</speak>', "DOCTYPE"),
                       ('<speak><break time="11s"/></speak>', "maximum"),
                       ('<speak><prosody rate="500%">a</prosody></speak>', "between"),
                       ('<text>a</text>', "root element")]:
        with pytest.raises(SsmlError, match=words):
            parse_ssml(bad)


@pytest.mark.parametrize("voice,engine", [("Matthew", "neural"), ("Joanna", "standard")])
def test_speech_marks_follow_the_audio(voice, engine):
    text = 'Mary had a little lamb. Its fleece was white as snow; and everywhere that Mary went, the lamb was sure to go.'
    speech = speak(text, voice, engine)
    data = text.encode()
    words = [m for m in speech.marks if m["type"] == "word"]
    assert [m["value"] for m in words] == [w.strip(".,;") for w in text.split()]
    assert all(data[m["start"]:m["end"]].decode() == m["value"] for m in words)
    times = [m["time"] for m in words]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert times[-1] < speech.duration * 1000 - 150
    sentences = [m for m in speech.marks if m["type"] == "sentence"]
    assert [m["value"] for m in sentences] == ["Mary had a little lamb.", text[24:]]
    visemes = [m for m in speech.marks if m["type"] == "viseme"]
    assert {m["value"] for m in visemes} <= set("ptSTfkirsu@aeEoO") | {"sil"}
    assert [m["time"] for m in visemes] == sorted(m["time"] for m in visemes)
    # "Mary" starts with a bilabial: the first viseme of the first word is "p", at the word's time.
    first = next(m for m in visemes if m["time"] >= words[0]["time"])
    assert first["value"] == "p" and first["time"] - words[0]["time"] < 60
    # Each word's time falls where speech is: the 30 ms after it carry sound.
    for mark in words:
        start = int(mark["time"] * speech.sample_rate / 1000)
        assert np.abs(speech.audio[start:start + 660]).max() > 1000


def test_marks_after_a_break_and_ssml_marks():
    ssml = '<speak>One <mark name="here"/><break time="2s"/>two.</speak>'
    speech = speak(ssml, text_type="ssml")
    words = {m["value"]: m for m in speech.marks if m["type"] == "word"}
    assert words["two"]["time"] - words["One"]["time"] > 2000
    mark = next(m for m in speech.marks if m["type"] == "ssml")
    assert mark["value"] == "here" and ssml.encode()[mark["start"]:mark["end"]] == b'<mark name="here"/>'
    assert words["One"]["time"] < mark["time"] <= words["two"]["time"]


def test_lang_switches_language_and_breath_adds_sound():
    english = speak("<speak>Bonjour tout le monde.</speak>", "Joanna", text_type="ssml")
    french = speak('<speak><lang xml:lang="fr-FR">Bonjour tout le monde.</lang></speak>', "Joanna",
                   text_type="ssml")
    assert not np.array_equal(english.audio, french.audio)
    breath = speak("<speak>In. <amazon:breath duration=\"long\" volume=\"x-loud\"/> Out.</speak>", text_type="ssml")
    plain = speak("<speak>In. Out.</speak>", text_type="ssml")
    assert breath.duration - plain.duration == pytest.approx(0.45, abs=0.02)
    auto = parse_ssml('<speak><amazon:auto-breaths frequency="x-high" volume="loud">One two three four, five six '
                      'seven eight. Nine ten eleven twelve.</amazon:auto-breaths></speak>')
    assert [(item.ms, item.breath_db) for item in auto.items if isinstance(item, Pause)] == [(300, -20.0)] * 2
    german, rate = synthesize("Guten Tag, wie geht es Ihnen?", "Hans")
    assert len(german) / rate > 1.0


def test_drc_raises_the_quiet_parts():
    def crest(audio):    # peak over RMS: lower after compression
        audio = audio.astype(np.float64)
        return np.abs(audio).max() / np.sqrt(np.mean(audio ** 2))

    plain = speak(f"<speak>{SENTENCE}</speak>", "Joanna", text_type="ssml")
    compressed = speak(f'<speak><amazon:effect name="drc">{SENTENCE}</amazon:effect></speak>', "Joanna",
                       text_type="ssml")
    assert crest(compressed.audio) < 0.9 * crest(plain.audio)


def test_a_user_supplied_piper_model_is_used_and_the_packaged_one_is_verified():
    from sextant.engines.speech.neural import NeuralVoice, joe_model_path

    own = speak(SENTENCE, engine="neural", model_path=str(joe_model_path()))
    assert np.array_equal(own.audio, speak(SENTENCE, engine="neural").audio)
    with pytest.raises(ValueError, match="sha256"):
        NeuralVoice(joe_model_path(), sha256="0" * 64)
