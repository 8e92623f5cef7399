"""Toxicity in DetectToxicContent's labels — an approximation, said plainly.

The one learned signal is `alt-profanity-check` (a linear SVM on TF-IDF, trained on crowd-labelled
offensive comments): P(offensive) for a text. The seven labels are that probability routed by word
lists and patterns written here:
- PROFANITY: P(offensive) when a swear word is present, a third of it otherwise;
- INSULT, HARASSMENT_OR_ABUSE: insult words / abusive phrases, stronger when aimed at "you";
- HATE_SPEECH: a group-identity word together with offensive language or a dehumanising phrase;
- VIOLENCE_OR_THREAT, GRAPHIC, SEXUAL: threat patterns, gore and sexual vocabulary.
A cue's strength is blended with P(offensive) so that a neutral use of a word ("the film's violence
was realistic") scores low. Toxicity is the highest of P(offensive) and the label scores. Comprehend's
own model is a trained multi-label classifier; these scores rank obvious cases sensibly but are not
calibrated and miss toxicity expressed without the listed vocabulary.
"""

from __future__ import annotations

import re
import threading

LABELS = ("PROFANITY", "HATE_SPEECH", "INSULT", "GRAPHIC", "HARASSMENT_OR_ABUSE", "SEXUAL", "VIOLENCE_OR_THREAT")

_SWEARS = r"fuck\w*|shit\w*|bitch\w*|bastard\w*|asshole\w*|arse\w*|ass|damn\w*|crap\w*|dick\w*|piss\w*|cunt\w*|" \
          r"bollocks|wank\w*|motherfuck\w*|goddamn\w*|bloody|prick\w*|twat\w*|slut\w*|whore\w*"
_INSULTS = r"idiot\w*|stupid|moron\w*|dumb\w*|loser\w*|fool\w*|imbecile\w*|pathetic|worthless|useless|ugly|" \
           r"jerk\w*|scum\w*|trash|garbage|clown\w*|incompetent|retard\w*|pig|freak\w*|disgusting|ignorant"
_ABUSE = r"shut up|nobody (?:likes|loves|cares about) you|kill yourself|kys|go die|get lost|you(?:'re| are) nothing|" \
         r"i hate you|everyone hates you|you deserve (?:it|this|to suffer)|stupid (?:girl|boy|woman|man)"
_GROUPS = r"muslims?|jews?|jewish|christians?|blacks?|whites?|asians?|mexicans?|immigrants?|refugees?|gays?|" \
          r"lesbians?|trans(?:gender)?|women|girls|arabs?|africans?|chinese|indians?|hindus?|catholics?|latinos?"
_DEHUMANISING = r"vermin|subhuman|animals|cockroach\w*|parasites?|savages?|filth|go back to (?:your|their) country|" \
                r"(?:should|must|need to) be (?:exterminated|eliminated|wiped out|deported|gassed)|inferior race"
_THREATS = r"(?:i(?:'ll| will| am going to|'m going to|'m gonna| gonna)|we(?:'ll| will)) " \
           r"(?:kill|murder|hurt|shoot|stab|beat|destroy|find|burn|bomb|strangle|break)|" \
           r"(?:you(?:'re| are)|you will be) (?:dead|going to die)|watch your back|" \
           r"(?:kill|murder|shoot|stab|bomb|attack|strangle|behead) (?:you|him|her|them|everyone)"
_GRAPHIC = r"blood(?:y|ied)?|gore|gory|guts|dismember\w*|decapitat\w*|mutilat\w*|disembowel\w*|entrails|" \
           r"severed|corpses?|maggots?|brains? (?:splattered|blown out)|torture\w*|rotting flesh"
_SEXUAL = r"sex|sexual\w*|porn\w*|nude\w*|naked|horny|orgasm\w*|genital\w*|penis\w*|vagina\w*|boobs?|tits?|" \
          r"blowjob\w*|erotic\w*|masturbat\w*|dick pics?|nsfw"
_YOU = re.compile(r"\b(?:you|your|you're|youre|u|ur)\b", re.I)


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.I)


_CUES = {"swear": _words(_SWEARS), "insult": _words(_INSULTS), "abuse": _words(_ABUSE), "group": _words(_GROUPS),
         "dehumanising": _words(_DEHUMANISING), "threat": _words(_THREATS), "graphic": _words(_GRAPHIC),
         "sexual": _words(_SEXUAL)}
_LOCK = threading.Lock()


def offensive_probability(texts: list[str]) -> list[float]:
    """alt-profanity-check's P(offensive) for each text."""
    with _LOCK:
        from profanity_check import predict_prob

        return [float(p) for p in predict_prob(texts)]


def _strength(count: int) -> float:
    """How strongly `count` matches of a cue speak: 0, 0.6, 0.8, 0.9, …"""
    return 0.0 if count == 0 else 1.0 - 0.4 * 0.5 ** (count - 1)


def detect_toxicity(texts: list[str]) -> list[dict]:
    """For each text: {"Labels": [{"Name", "Score"}...], "Toxicity": score} with the seven labels."""
    results = []
    for text, offensive in zip(texts, offensive_probability(texts)):
        cues = {name: _strength(len(pattern.findall(text))) for name, pattern in _CUES.items()}
        aimed = 1.0 if _YOU.search(text) else 0.6

        def blend(cue: float, weight: float = 0.5) -> float:
            return cue * ((1 - weight) + weight * offensive)

        scores = {
            "PROFANITY": offensive if cues["swear"] else offensive / 3,
            "INSULT": blend(cues["insult"] * aimed),
            "HARASSMENT_OR_ABUSE": max(blend(cues["abuse"], 0.2), blend(cues["insult"] * aimed * 0.7),
                                       blend(cues["threat"] * aimed * 0.8, 0.3)),
            "HATE_SPEECH": max(cues["group"] * cues["dehumanising"], blend(cues["group"] * 0.9, 1.0)
                               if cues["swear"] or cues["insult"] else 0.0),
            "VIOLENCE_OR_THREAT": blend(cues["threat"], 0.3),
            "GRAPHIC": blend(cues["graphic"]),
            "SEXUAL": blend(cues["sexual"]),
        }
        toxicity = max([offensive, *scores.values()])
        results.append({"Labels": [{"Name": name, "Score": round(scores[name], 4)} for name in LABELS],
                        "Toxicity": round(toxicity, 4)})
    return results
