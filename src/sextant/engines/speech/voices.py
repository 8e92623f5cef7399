"""The voices: Amazon Polly voice names mapped onto what really speaks them.

Every voice has a standard engine: Debian's espeak-ng in the voice's language with a variant of
the voice's gender (formant synthesis — intelligible, robotic). Voices with a `neural` entry also
have a neural engine: a Piper VITS model (Matthew: the en_US "joe" voice, male). DescribeVoices
reports exactly these engines, languages and genders.
"""

from __future__ import annotations

from dataclasses import dataclass

# Polly language code → (language name as Polly writes it, espeak-ng voice).
LANGUAGES: dict[str, tuple[str, str]] = {
    "arb": ("Arabic", "ar"), "ar-AE": ("Gulf Arabic", "ar"), "ca-ES": ("Catalan", "ca"),
    "cmn-CN": ("Chinese Mandarin", "cmn"), "cs-CZ": ("Czech", "cs"), "cy-GB": ("Welsh", "cy"),
    "da-DK": ("Danish", "da"), "de-AT": ("German (Austrian)", "de"), "de-CH": ("Swiss Standard German", "de"),
    "de-DE": ("German", "de"), "en-AU": ("Australian English", "en"), "en-GB": ("British English", "en"),
    "en-GB-WLS": ("Welsh English", "en"), "en-IE": ("Irish English", "en"), "en-IN": ("Indian English", "en"),
    "en-NZ": ("New Zealand English", "en"), "en-SG": ("Singaporean English", "en"),
    "en-US": ("US English", "en-us"), "en-ZA": ("South African English", "en"),
    "es-ES": ("Castilian Spanish", "es"), "es-MX": ("Mexican Spanish", "es-419"), "es-US": ("US Spanish", "es-419"),
    "fi-FI": ("Finnish", "fi"), "fr-BE": ("Belgian French", "fr-be"), "fr-CA": ("Canadian French", "fr"),
    "fr-FR": ("French", "fr"), "hi-IN": ("Hindi", "hi"), "is-IS": ("Icelandic", "is"), "it-IT": ("Italian", "it"),
    "ja-JP": ("Japanese", "ja"), "ko-KR": ("Korean", "ko"), "nb-NO": ("Norwegian", "nb"), "nl-BE": ("Belgian Dutch", "nl"),
    "nl-NL": ("Dutch", "nl"), "pl-PL": ("Polish", "pl"), "pt-BR": ("Brazilian Portuguese", "pt-br"),
    "pt-PT": ("Portuguese", "pt"), "ro-RO": ("Romanian", "ro"), "ru-RU": ("Russian", "ru"), "sv-SE": ("Swedish", "sv"),
    "tr-TR": ("Turkish", "tr"), "yue-CN": ("Chinese Cantonese", "yue"),
}

# VoiceId → (language, gender, espeak-ng variant, neural model or None, additional languages).
# The neural model "joe" is the packaged en_US-joe-medium Piper voice (see neural.py).
_TABLE: dict[str, tuple[str, str, str, str | None, tuple[str, ...]]] = {
    "Joanna": ("en-US", "Female", "f3", None, ()), "Salli": ("en-US", "Female", "f2", None, ()),
    "Kendra": ("en-US", "Female", "f4", None, ()), "Kimberly": ("en-US", "Female", "f1", None, ()),
    "Ivy": ("en-US", "Female", "f5", None, ()), "Ruth": ("en-US", "Female", "Annie", None, ()),
    "Danielle": ("en-US", "Female", "linda", None, ()), "Matthew": ("en-US", "Male", "m3", "joe", ()),
    "Joey": ("en-US", "Male", "m2", None, ()), "Justin": ("en-US", "Male", "m5", None, ()),
    "Kevin": ("en-US", "Male", "m6", None, ()), "Stephen": ("en-US", "Male", "m1", None, ()),
    "Gregory": ("en-US", "Male", "m4", None, ()),
    "Amy": ("en-GB", "Female", "f3", None, ()), "Emma": ("en-GB", "Female", "f2", None, ()),
    "Brian": ("en-GB", "Male", "m3", None, ()), "Arthur": ("en-GB", "Male", "m1", None, ()),
    "Nicole": ("en-AU", "Female", "f4", None, ()), "Olivia": ("en-AU", "Female", "f2", None, ()),
    "Russell": ("en-AU", "Male", "m2", None, ()), "Geraint": ("en-GB-WLS", "Male", "m4", None, ()),
    "Aditi": ("en-IN", "Female", "f1", None, ("hi-IN",)), "Raveena": ("en-IN", "Female", "f3", None, ()),
    "Kajal": ("en-IN", "Female", "f2", None, ("hi-IN",)), "Aria": ("en-NZ", "Female", "f3", None, ()),
    "Ayanda": ("en-ZA", "Female", "f2", None, ()), "Niamh": ("en-IE", "Female", "f4", None, ()),
    "Jasmine": ("en-SG", "Female", "f1", None, ()), "Gwyneth": ("cy-GB", "Female", "f3", None, ()),
    "Marlene": ("de-DE", "Female", "f3", None, ()), "Vicki": ("de-DE", "Female", "f2", None, ()),
    "Hans": ("de-DE", "Male", "m3", None, ()), "Daniel": ("de-DE", "Male", "m1", None, ()),
    "Hannah": ("de-AT", "Female", "f4", None, ()), "Sabrina": ("de-CH", "Female", "f1", None, ()),
    "Conchita": ("es-ES", "Female", "f3", None, ()), "Lucia": ("es-ES", "Female", "f2", None, ()),
    "Enrique": ("es-ES", "Male", "m3", None, ()), "Sergio": ("es-ES", "Male", "m1", None, ()),
    "Mia": ("es-MX", "Female", "f3", None, ()), "Andres": ("es-MX", "Male", "m2", None, ()),
    "Lupe": ("es-US", "Female", "f2", None, ()), "Penelope": ("es-US", "Female", "f4", None, ()),
    "Miguel": ("es-US", "Male", "m3", None, ()), "Pedro": ("es-US", "Male", "m1", None, ()),
    "Celine": ("fr-FR", "Female", "f3", None, ()), "Lea": ("fr-FR", "Female", "f2", None, ()),
    "Mathieu": ("fr-FR", "Male", "m3", None, ()), "Remi": ("fr-FR", "Male", "m1", None, ()),
    "Chantal": ("fr-CA", "Female", "f4", None, ()), "Gabrielle": ("fr-CA", "Female", "f1", None, ()),
    "Liam": ("fr-CA", "Male", "m2", None, ()), "Isabelle": ("fr-BE", "Female", "f3", None, ()),
    "Carla": ("it-IT", "Female", "f3", None, ()), "Bianca": ("it-IT", "Female", "f2", None, ()),
    "Giorgio": ("it-IT", "Male", "m3", None, ()), "Adriano": ("it-IT", "Male", "m1", None, ()),
    "Vitoria": ("pt-BR", "Female", "f3", None, ()), "Camila": ("pt-BR", "Female", "f2", None, ()),
    "Ricardo": ("pt-BR", "Male", "m3", None, ()), "Thiago": ("pt-BR", "Male", "m1", None, ()),
    "Ines": ("pt-PT", "Female", "f3", None, ()), "Cristiano": ("pt-PT", "Male", "m3", None, ()),
    "Lotte": ("nl-NL", "Female", "f3", None, ()), "Laura": ("nl-NL", "Female", "f2", None, ()),
    "Ruben": ("nl-NL", "Male", "m3", None, ()), "Lisa": ("nl-BE", "Female", "f4", None, ()),
    "Naja": ("da-DK", "Female", "f3", None, ()), "Sofie": ("da-DK", "Female", "f2", None, ()),
    "Mads": ("da-DK", "Male", "m3", None, ()), "Astrid": ("sv-SE", "Female", "f3", None, ()),
    "Elin": ("sv-SE", "Female", "f2", None, ()), "Liv": ("nb-NO", "Female", "f3", None, ()),
    "Ida": ("nb-NO", "Female", "f2", None, ()), "Ewa": ("pl-PL", "Female", "f3", None, ()),
    "Maja": ("pl-PL", "Female", "f2", None, ()), "Ola": ("pl-PL", "Female", "f4", None, ()),
    "Jacek": ("pl-PL", "Male", "m3", None, ()), "Jan": ("pl-PL", "Male", "m1", None, ()),
    "Tatyana": ("ru-RU", "Female", "f3", None, ()), "Maxim": ("ru-RU", "Male", "m3", None, ()),
    "Filiz": ("tr-TR", "Female", "f3", None, ()), "Burcu": ("tr-TR", "Female", "f2", None, ()),
    "Carmen": ("ro-RO", "Female", "f3", None, ()), "Dora": ("is-IS", "Female", "f3", None, ()),
    "Karl": ("is-IS", "Male", "m3", None, ()), "Mizuki": ("ja-JP", "Female", "f3", None, ()),
    "Takumi": ("ja-JP", "Male", "m3", None, ()), "Seoyeon": ("ko-KR", "Female", "f3", None, ()),
    "Zhiyu": ("cmn-CN", "Female", "f3", None, ()), "Hiujin": ("yue-CN", "Female", "f3", None, ()),
    "Zeina": ("arb", "Female", "f3", None, ()), "Hala": ("ar-AE", "Female", "f2", None, ()),
    "Zayd": ("ar-AE", "Male", "m3", None, ()), "Arlet": ("ca-ES", "Female", "f3", None, ()),
    "Suvi": ("fi-FI", "Female", "f3", None, ()), "Jitka": ("cs-CZ", "Female", "f3", None, ()),
}


@dataclass(frozen=True)
class Voice:
    id: str
    language: str
    language_name: str
    gender: str
    espeak: str                  # espeak-ng voice with variant, e.g. "en-us+f3"
    neural: str | None           # neural model name, or None
    additional_languages: tuple[str, ...] = ()

    @property
    def engines(self) -> list[str]:
        return ["neural", "standard"] if self.neural else ["standard"]

    def espeak_for(self, language: str | None) -> str:
        """The espeak-ng voice for another language (SSML <lang>), keeping this voice's variant."""
        base = LANGUAGES.get(language or "", (None, None))[1] if language else None
        if base is None and language:
            base = language.split("-")[0].lower()
        return f"{base}+{self.espeak.split('+')[1]}" if base else self.espeak


VOICES: dict[str, Voice] = {
    name: Voice(name, language, LANGUAGES[language][0], gender, f"{LANGUAGES[language][1]}+{variant}", neural,
                extra)
    for name, (language, gender, variant, neural, extra) in sorted(_TABLE.items())
}
