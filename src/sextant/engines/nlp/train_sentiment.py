"""Train the shipped sentiment model: the top layers of all-MiniLM-L6-v2 fine-tuned on SST-2 train.

    python -m sextant.engines.nlp.train_sentiment [--data DIR] [--out FILE] [--epochs N] [--limit N]

The lower layers stay frozen, so their output is computed once for every training phrase and cached;
only the top `TOP_LAYERS` transformer layers and a linear head on their mean-pooled output are
trained (AdamW, linear warm-up and decay, dropout 0.1, seeded, one thread). By default one epoch over
all 67,349 SST-2 training phrases (`--limit N` trains on a seeded random N of them), about 40 minutes
on one busy core. The result — those layers' weights (int8 with per-row scales, see `sentiment.pack`)
and the head — is written as safetensors (`data/sentiment.safetensors`, about 3.6 MB) with the SHA-256 of the base model it was
trained on. Only SST-2's train split is read; dev is left for evaluation (`bench/comprehend.py`).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np

from . import minilm
from .sentiment import DEFAULT_MODEL, TOP_LAYERS, pack

DATA = Path(__file__).resolve().parents[5] / "shared" / "data" / "sentiment" / "sst2"
SEED = 20240605


def read_tsv(path: Path) -> tuple[list[str], np.ndarray]:
    """SST-2's `label<TAB>sentence` with a header row."""
    rows = [line.rstrip("\n").split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    return [row[1] for row in rows], np.array([int(row[0]) for row in rows])


def cache_lower(encoder, texts: list[str], first_trained: int, batch_size: int = 256):
    """Frozen hidden states entering layer `first_trained`, in length-sorted batches: [(indices, x, mask)]."""
    torch = encoder.torch
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    batches = []
    for start in range(0, len(order), batch_size):
        chosen = order[start:start + batch_size]
        encodings = encoder.tokenizer.encode_batch([texts[i] for i in chosen])
        ids = torch.tensor([e.ids for e in encodings])
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.float32)
        bias = minilm.attention_bias(torch, mask)
        x = minilm.embed(torch, encoder.weights, ids, encoder.eps)
        for index in range(first_trained):
            x = minilm.layer(torch, encoder.weights, x, bias, index, encoder.heads, encoder.eps)
        for offset in range(0, len(chosen), 32):  # training batches of 32
            batches.append((chosen[offset:offset + 32], x[offset:offset + 32].half(), mask[offset:offset + 32]))
        if len(batches) % 100 == 0:
            print(f"cached {start + len(chosen)}/{len(texts)} phrases", flush=True)
    return batches


def train(data: Path, out: Path, epochs: int, limit: int | None, batch_size: int = 32, lr: float = 1.5e-4) -> None:
    import torch
    from safetensors.torch import save_file

    from sextant.engines.text.embeddings import SentenceEncoder

    torch.set_num_threads(1)  # same arithmetic on any machine; and several threads thrash on a busy one
    torch.manual_seed(SEED)
    random.seed(SEED)
    encoder = SentenceEncoder()
    texts, labels = read_tsv(data / "train.tsv")
    if limit is not None and limit < len(texts):  # a seeded random subset of the phrases
        chosen = sorted(random.Random(SEED).sample(range(len(texts)), limit))
        texts, labels = [texts[i] for i in chosen], labels[chosen]
    first = encoder.layers - TOP_LAYERS
    started = time.time()
    with torch.no_grad():
        cached = cache_lower(encoder, texts, first)
    print(f"cached layer-{first} states of {len(texts)} phrases in {time.time() - started:.0f} s", flush=True)

    torch.set_grad_enabled(True)
    names = [name for index in range(first, encoder.layers) for name in minilm.layer_names(index)]
    params = {name: torch.nn.Parameter(encoder.weights[name].clone()) for name in names}
    width = encoder.weights["embeddings.word_embeddings.weight"].shape[1]
    head = torch.nn.Linear(width, 2)
    weights = {**encoder.weights, **params}
    optimizer = torch.optim.AdamW(list(params.values()) + list(head.parameters()), lr=lr, weight_decay=0.01)
    steps = epochs * len(cached)
    warmup = steps // 10
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup))))
    targets = torch.tensor(labels)
    step = 0
    for epoch in range(epochs):
        order = list(range(len(cached)))
        random.shuffle(order)
        total, correct, loss_sum = 0, 0, 0.0
        for b in order:
            chosen, x, mask = cached[b]
            x = x.float()
            bias = minilm.attention_bias(torch, mask)
            for index in range(first, encoder.layers):
                x = minilm.layer(torch, weights, x, bias, index, encoder.heads, encoder.eps, dropout=0.1)
            logits = head(torch.nn.functional.dropout(minilm.mean_pool(x, mask), 0.1))
            y = targets[chosen]
            loss = torch.nn.functional.cross_entropy(logits, y)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(params.values()) + list(head.parameters()), 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            total += len(chosen)
            correct += int((logits.argmax(1) == y).sum())
            loss_sum += float(loss.detach()) * len(chosen)
            if step % 50 == 0:
                print(f"epoch {epoch + 1} step {step}/{steps} loss {loss_sum / total:.4f} "
                      f"train acc {correct / total:.4f} ({time.time() - started:.0f} s)", flush=True)
    tensors = pack({**params, "head.weight": head.weight, "head.bias": head.bias})
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out), metadata={"base_sha256": encoder.fingerprint, "top_layers": str(TOP_LAYERS),
                                           "trained_on": "SST-2 train", "epochs": str(epochs), "seed": str(SEED)})
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) in {time.time() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder holding SST-2's train.tsv")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0, help="train on this many random phrases (all: 0)")
    args = parser.parse_args()
    train(args.data, args.out, args.epochs, args.limit or None)


if __name__ == "__main__":
    main()
