"""The transcript builder on its own: items, punctuation, filters, vocabulary formatting, subtitles."""

from __future__ import annotations

from dataclasses import dataclass

from sextant.services.transcribe import output


@dataclass
class W:
    start: float
    end: float
    text: str
    probability: float = 0.9


WORDS = [W(0.0, 0.4, "Hello,"), W(0.5, 0.9, "darn"), W(1.0, 1.3, "U.S."), W(1.4, 1.8, "cabbage"),
         W(1.8, 2.2, "juice."), W(3.0, 3.5, "Bye!")]


def test_items_split_punctuation_and_keep_abbreviations():
    tokens = output.tokens_from_words(WORDS, 0)
    assert [(t.type, t.content) for t in tokens][:4] == [("pronunciation", "Hello"), ("punctuation", ","),
                                                        ("pronunciation", "darn"), ("pronunciation", "U.S.")]
    assert output.text_of(tokens) == "Hello, darn U.S. cabbage juice. Bye!"
    results = output.results(tokens)
    assert results["items"][1] == {"id": 1, "type": "punctuation", "alternatives": [{"confidence": "0.0",
                                                                                       "content": ","}]}
    assert results["items"][0]["start_time"] == "0.0" and results["items"][0]["end_time"] == "0.4"


def test_vocabulary_filter_methods():
    tokens = output.tokens_from_words(WORDS, 0)
    assert output.text_of(output.apply_filter(tokens, ["DARN"], "mask")) == "Hello, *** U.S. cabbage juice. Bye!"
    assert output.text_of(output.apply_filter(tokens, ["darn"], "remove")) == "Hello, U.S. cabbage juice. Bye!"
    tagged = output.results(output.apply_filter(tokens, ["darn"], "tag"))["items"]
    assert [i["alternatives"][0]["content"] for i in tagged if i.get("vocabularyFilterMatch")] == ["darn"]


def test_vocabulary_display_as_merges_words():
    tokens = output.apply_vocabulary(output.tokens_from_words(WORDS, 0),
                                     [{"Phrase": "Cabbage-Juice", "DisplayAs": "CabbageJuice"}])
    merged = [t for t in tokens if t.content == "CabbageJuice"]
    assert len(merged) == 1 and (merged[0].start, merged[0].end) == (1.4, 2.2)
    assert output.text_of(tokens) == "Hello, darn U.S. CabbageJuice. Bye!"


def test_redaction_marks_items():
    def detect(text):
        begin = text.index("cabbage")
        return [{"Type": "NAME", "BeginOffset": begin, "EndOffset": begin + len("cabbage juice"), "Score": 0.97}]

    tokens = output.redact(output.tokens_from_words(WORDS, 0), detect, None)
    assert output.text_of(tokens) == "Hello, darn U.S. [PII] [PII]. Bye!"
    item = output.results(tokens)["items"][4]
    assert item["alternatives"][0]["redactions"] == [{"confidence": "0.97", "type": "NAME", "category": "PII"}]
    assert output.text_of(output.redact(output.tokens_from_words(WORDS, 0), detect, {"PHONE"})).count("[PII]") == 0


def test_subtitles():
    tokens = output.tokens_from_words(WORDS, 0)
    srt = output.subtitles(tokens, "srt", 1)
    assert srt.splitlines()[:3] == ["1", "00:00:00,000 --> 00:00:02,200", "Hello, darn U.S. cabbage juice."]
    vtt = output.subtitles(tokens, "vtt", 0)
    assert vtt.startswith("WEBVTT\n\n0\n00:00:00.000 --> 00:00:02.200\n") and "00:00:03.000 --> 00:00:03.500" in vtt


def test_channels_merge_by_time():
    left = output.tokens_from_words([W(0.0, 0.5, "one."), W(2.0, 2.5, "three")], 0, channel=0)
    right = output.tokens_from_words([W(1.0, 1.5, "two,")], 0, channel=1)
    merged = output.merge_by_time([left, right])
    assert [(t.content, t.channel) for t in merged] == [("one", 0), (".", 0), ("two", 1), (",", 1), ("three", 0)]
