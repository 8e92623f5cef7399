"""The BERT encoder of all-MiniLM-L6-v2 as functions over a weight dict, so that layers can be run in parts.

`sextant.engines.text.embeddings.SentenceEncoder` runs the whole encoder in one go; sentiment needs the
hidden states after a given layer (to fine-tune only the top layers) and weights that may be replaced
by fine-tuned ones or be trainable torch parameters. Same arithmetic as SentenceEncoder.
"""

from __future__ import annotations

import math


def attention_bias(torch, mask):
    """Additive attention bias from a (batch, length) 0/1 float mask."""
    return (1.0 - mask)[:, None, None, :] * torch.finfo(torch.float32).min


def embed(torch, weights: dict, ids, eps: float):
    """Token + position + segment-0 embeddings, layer-normalised."""
    length = ids.shape[1]
    x = weights["embeddings.word_embeddings.weight"][ids] + weights["embeddings.position_embeddings.weight"][:length] \
        + weights["embeddings.token_type_embeddings.weight"][0]
    return _layer_norm(torch, weights, x, "embeddings.LayerNorm", eps)


def layer(torch, weights: dict, x, bias, index: int, heads: int, eps: float, dropout: float = 0.0):
    """One transformer layer (`encoder.layer.<index>`)."""
    F = torch.nn.functional
    prefix = f"encoder.layer.{index}"
    batch, length, width = x.shape
    size = width // heads

    def split(t):
        return t.view(batch, length, heads, size).transpose(1, 2)

    query = split(_linear(torch, weights, x, f"{prefix}.attention.self.query"))
    key = split(_linear(torch, weights, x, f"{prefix}.attention.self.key"))
    value = split(_linear(torch, weights, x, f"{prefix}.attention.self.value"))
    scores = query @ key.transpose(-1, -2) / math.sqrt(size) + bias
    context = (F.dropout(scores.softmax(-1), dropout) @ value).transpose(1, 2).reshape(batch, length, width)
    attended = F.dropout(_linear(torch, weights, context, f"{prefix}.attention.output.dense"), dropout)
    x = _layer_norm(torch, weights, x + attended, f"{prefix}.attention.output.LayerNorm", eps)
    hidden = F.gelu(_linear(torch, weights, x, f"{prefix}.intermediate.dense"))
    out = F.dropout(_linear(torch, weights, hidden, f"{prefix}.output.dense"), dropout)
    return _layer_norm(torch, weights, x + out, f"{prefix}.output.LayerNorm", eps)


def mean_pool(x, mask):
    """Mean of the token states under the mask."""
    return (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)


def layer_names(index: int) -> list[str]:
    """The weight names of transformer layer `index`."""
    prefix = f"encoder.layer.{index}"
    parts = ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
             "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"]
    return [f"{prefix}.{part}.{kind}" for part in parts for kind in ("weight", "bias")]


def _linear(torch, weights: dict, x, prefix: str):
    return torch.nn.functional.linear(x, weights[f"{prefix}.weight"], weights[f"{prefix}.bias"])


def _layer_norm(torch, weights: dict, x, prefix: str, eps: float):
    return torch.nn.functional.layer_norm(x, x.shape[-1:], weights[f"{prefix}.weight"], weights[f"{prefix}.bias"],
                                          eps)
