"""A tiny CTranslate2 model built from numpy (no download): it always emits "hola", to test the plumbing."""

from __future__ import annotations

from pathlib import Path

import numpy as np

VOCABULARY = ["<unk>", "<s>", "</s>", "hello", "world", "hola", "mundo"]
_SHAPES = {"self_attention/linear_0": (3, 1), "self_attention/linear_1": (1, 1), "attention/linear_0": (1, 1),
           "attention/linear_1": (2, 1), "attention/linear_2": (1, 1), "ffn/linear_0": (2, 1), "ffn/linear_1": (1, 2)}


def build(folder: Path, d: int = 8) -> Path:
    """A 1-layer Transformer whose decoder state is constant and projects onto "hola"; plus a tokenizer.json."""
    import ctranslate2
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    rng = np.random.default_rng(0)
    size = len(VOCABULARY)
    spec = ctranslate2.specs.TransformerSpec.from_config((1, 1), 2)
    for name, value in spec.variables(ordered=True):
        if value is not None:
            continue
        if name.endswith(("embeddings/weight", "embeddings_0/weight", "projection/weight")):
            shape = (size, d)
        elif name.endswith(("/beta", "/gamma")):
            shape = (d,)
        else:
            rows, cols = next(s for key, s in _SHAPES.items() if f"/{key}/weight" in name)
            shape = (rows * d, cols * d)
        owner = spec
        for part in name.split("/")[:-1]:
            head, _, index = part.rpartition("_")
            owner = getattr(owner, head)[int(index)] if index.isdigit() and isinstance(getattr(owner, head, None), list) \
                else getattr(owner, part)
        setattr(owner, name.split("/")[-1], rng.normal(size=shape).astype(np.float32))
    constant = np.ones(d, np.float32)
    spec.decoder.layer_norm.gamma = np.zeros(d, np.float32)  # the final state is beta whatever the input
    spec.decoder.layer_norm.beta = constant
    projection = np.zeros((size, d), np.float32)
    projection[VOCABULARY.index("hola")] = constant
    spec.decoder.projection.weight = projection
    spec.register_source_vocabulary(VOCABULARY)
    spec.register_target_vocabulary(VOCABULARY)
    spec.validate()
    folder.mkdir(parents=True, exist_ok=True)
    spec.save(str(folder))
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(VOCABULARY)}, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.decoder = decoders.WordPiece()
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder
