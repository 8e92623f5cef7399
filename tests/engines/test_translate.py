"""The translation engine on its own: Apertium batches, terminology, formality, masks, backends, parsing."""

from __future__ import annotations

import pytest

from sextant.engines import translate as engine
from sextant.engines.translate import ctranslate, terminology
from tests.datasets import DATA
from tests.translate import tiny_ct2

FLORES = DATA / "translation" / "flores200"


def test_pairs_are_the_working_apertium_directions():
    pairs = engine.registry().pairs()
    assert {("en", "es"), ("es", "en"), ("en", "ca"), ("ca", "en")} <= pairs
    assert ("en", "de") not in pairs and ("es", "ca") not in pairs
    with pytest.raises(engine.UnsupportedPair):
        engine.registry().translator_for("en", "de")


def test_batch_keeps_segments_apart_and_lines():
    lines = ["naive cafe", "price of the house", "Hello", "It’s a “test” — naïve café 😀", "[a] ^b$ \\c @d <f> &amp;"]
    out = engine.translate(lines + ["two\n\n  lines here  "], "en", "es")
    assert [t.text for t in out[1:3]] == ["precio de la casa", "Hola"] and "precio" not in out[0].text
    assert "😀" in out[3].text and "“" in out[3].text
    assert all(part in out[4].text for part in ("[", "]", "^b$", "\\c", "@d", "<f>", "&amp;"))
    assert out[5].text.count("\n") == 2 and out[5].text.startswith("dos\n\n  ") and out[5].text.endswith("  ")
    # a segment translates the same alone as in a batch
    assert engine.translate(["price of the house"], "en", "es")[0].text == out[1].text


def test_flores_slice_is_deterministic_and_spanish():
    english = (FLORES / "eng_Latn.dev").read_text().splitlines()[:40]
    first = [t.text for t in engine.translate(english, "en", "es")]
    assert first == [t.text for t in engine.translate(english, "en", "es")]
    assert len(first) == 40 and all(first)
    assert sum(engine.detect(t, k=1)[0][0] == "es" for t in first) >= 36


def test_terminology_terms_always_come_out_with_aws_casing():
    glossary = engine.Glossary([("house", "hogar"), ("Stanford University", "Universidad de Stanford"),
                                ("red", "colorado")])
    text = "The red house.\nTHE HOUSE OF Stanford  University is red; houses are not."
    out = engine.translate([text], "en", "es", glossary=glossary)[0]
    assert "colorado hogar" in out.text and "HOGAR" in out.text
    assert "Universidad De Stanford" in out.text  # title-case source: each target word capitalised
    assert "houses" not in out.text  # whole words only: "houses" is left to the translator
    assert out.terms == [("red", "colorado"), ("house", "hogar"), ("Stanford University", "Universidad de Stanford")]


def test_lost_placeholder_falls_back_to_pieces():
    class Eater(engine.Translator):
        def pairs(self):
            return {("en", "es")}

        def translate(self, texts, source, target, formality=None):
            return [t.replace("QZX0XQZ", "") + "!" for t in texts]

    out = engine.translate(["my house is big"], "en", "es", glossary=engine.Glossary([("house", "hogar")]),
                           backends=engine.Registry([Eater()]))[0]
    assert out.text == "my! hogar is big!"


def test_formal_spanish_uses_usted_forms():
    formal = engine.translate(["Do you know your friend? This is for you."], "en", "es", formality="FORMAL")[0]
    informal = engine.translate(["Do you know your friend? This is for you."], "en", "es", formality="INFORMAL")[0]
    assert formal.text == "Sabe su amigo? Esto es para usted." and formal.formality == "FORMAL"
    assert "Sabes" in informal.text and "ti" in informal.text
    assert engine.translate(["you"], "en", "ca", formality="FORMAL")[0].formality is None


def test_profanity_is_masked_on_the_english_side():
    out = engine.translate(["This fucking film is shit. Hello friend."], "en", "es", mask_profanity=True)[0]
    assert out.text.count(engine.MASK) == 2 and "Hola" in out.text and out.profanity_masked
    back = engine.translate(["Esta película es una mierda."], "es", "en", mask_profanity=True)[0]
    assert engine.MASK in back.text


def test_html_keeps_markup_and_applies_terms():
    glossary = engine.Glossary([("house", "hogar")])
    html = "<p class='x'>The <b>red</b> house &amp; the car.</p><script>var house = 1;</script>"
    out = engine.translate_html(html, "en", "es", glossary=glossary)
    assert out.text.startswith("<p class=") and "<b>roja</b>" in out.text or "<b>rojo</b>" in out.text
    assert "hogar" in out.text and "&amp;" in out.text and "<script>var house = 1;</script>" in out.text


def test_terminology_files_parse_and_fail_clearly():
    csv = engine.parse(b"\xef\xbb\xbfen,es,ca\nAmazon Photos,Fotos de Amazon,Fotos d'Amazon\nred,,vermell\n", "CSV")
    assert csv.languages == ["en", "es", "ca"] and len(csv.entries) == 2
    assert csv.terms("en", "es") == [("Amazon Photos", "Fotos de Amazon")]
    assert csv.terms("es", "en") == []  # UNI: only from the first column
    multi = engine.parse(b"en\tes\nhouse\tcasa\n", "TSV", "MULTI")
    assert multi.terms("es", "en") == [("casa", "house")]
    tmx = engine.parse(terminology.Terminology(["en", "es"], [{"en": "a b", "es": "c"}]).to_file("TMX"), "TMX")
    assert tmx.entries == [{"en": "a b", "es": "c"}]
    for data, fmt, fragment in [(b"en\nx\n", "CSV", "header row"), (b"en,es\na,b,c\n", "CSV", "row 2"),
                                (b"english,es\na,b\n", "CSV", "not a language code"),
                                (b"<tmx><header srclang='en'/><body><tu>", "TMX", "well-formed"),
                                (b"<tmx><body/></tmx>", "TMX", "<header>"), (b"\xff\xfe", "CSV", "UTF-8"),
                                (b"en,es\n", "CSV", "no terms")]:
        with pytest.raises(engine.TerminologyError, match=fragment):
            engine.parse(data, fmt)


def test_ctranslate2_models_configure_and_take_precedence(tmp_path):
    model = tmp_path / "opus-mt-en-es"
    model.mkdir()
    (model / "model.bin").write_bytes(b"")
    with pytest.raises(ValueError, match="no tokenizer"):
        ctranslate.parse_models(f"en-es={model}")
    (model / "source.spm").write_bytes(b"")
    (model / "target.spm").write_bytes(b"")
    assert ctranslate.parse_models(f" en-es={model} ") == {("en", "es"): model}
    for bad in ("en-es", f"enes={model}", f"en-de={tmp_path}"):
        with pytest.raises(ValueError, match="SEXTANT_TRANSLATE_MODELS"):
            ctranslate.parse_models(bad)
    registry = engine.build_registry({ctranslate.ENV: f"en-es={model}"})
    assert registry.translator_for("en", "es").name == "ctranslate2"
    assert registry.translator_for("es", "en").name == "apertium"
    with pytest.raises(Exception):  # empty files are no model: loading fails loudly, never silently
        registry.translator_for("en", "es").translate(["hello"], "en", "es")


def test_ctranslate2_backend_runs_a_real_model(tmp_path):
    folder = tiny_ct2.build(tmp_path / "tiny")
    backend = engine.CTranslate2Translator(ctranslate.parse_models(f"en-de={folder}"), max_length=3)
    assert backend.translate(["hello world", "", "world"], "en", "de") == ["hola hola hola", "", "hola hola hola"]
    glossary = engine.Glossary([("world", "Welt")])
    out = engine.translate(["hello world"], "en", "de", glossary=glossary, backends=engine.Registry([backend]))[0]
    assert out.text.endswith("Welt") and out.terms == [("world", "Welt")]  # the placeholder is lost: pieces


def test_html_falls_back_to_text_runs_when_markup_mode_loses_a_term():
    class NoPlaceholdersInHtml(engine.Translator):
        def pairs(self):
            return {("en", "es")}

        def translate(self, texts, source, target, formality=None):
            return [t.upper() for t in texts]

        def translate_html(self, html, source, target, formality=None):
            return html.replace("QZX0XQZ", "")

    out = engine.translate_html("<p>my <i>house</i> is big</p>", "en", "es", glossary=engine.Glossary([("house", "hogar")]),
                                backends=engine.Registry([NoPlaceholdersInHtml()]))
    assert out.text == "<p>MY <i>hogar</i> IS BIG</p>" and out.terms == [("house", "hogar")]


def test_a_dead_pipeline_is_restarted():
    translator = engine.ApertiumTranslator()
    try:
        assert translator.translate(["The house is red."], "en", "es") == ["La casa es roja."]
        (pipeline,) = translator._pipelines.values()
        pipeline.close()
        assert translator.translate(["The house is red."], "en", "es") == ["La casa es roja."]
        assert translator._pipelines[("eng-spa", False)] is not pipeline
    finally:
        translator.close()
