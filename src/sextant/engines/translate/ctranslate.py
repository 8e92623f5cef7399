"""User-supplied neural models: CTranslate2 model folders (e.g. converted OPUS-MT / Marian), one per pair.

Configure with `SEXTANT_TRANSLATE_MODELS="en-de=/models/opus-mt-en-de,de-en=/models/opus-mt-de-en"`.
A folder holds CTranslate2's `model.bin` and its tokenizer: `source.spm` + `target.spm` (Marian,
needs the `sentencepiece` package), a shared `spm.model` / `sentencepiece.bpe.model`, or a
Hugging Face `tokenizer.json`.
"""

from __future__ import annotations

import threading
from pathlib import Path

from .base import Translator

ENV = "SEXTANT_TRANSLATE_MODELS"


def parse_models(spec: str) -> dict[tuple[str, str], Path]:
    """{(source, target): folder} from `src-tgt=folder,…`; ValueError naming a bad entry or folder."""
    models: dict[tuple[str, str], Path] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        pair, sep, folder = item.partition("=")
        codes = pair.strip().split("-", 1) if "_" not in pair else pair.strip().split("_", 1)
        if not sep or len(codes) != 2 or not all(codes) or not folder.strip():
            raise ValueError(f"{ENV}: {item!r} is not SOURCE-TARGET=/model/folder")
        path = Path(folder.strip()).expanduser()
        if not (path / "model.bin").is_file():
            raise ValueError(f"{ENV}: {path} has no CTranslate2 model.bin")
        if _tokenizer_files(path) is None:
            raise ValueError(f"{ENV}: {path} has no tokenizer (source.spm + target.spm, spm.model, "
                             "sentencepiece.bpe.model or tokenizer.json)")
        models[(codes[0], codes[1])] = path
    return models


def _tokenizer_files(folder: Path) -> tuple[str, Path, Path] | None:
    if (folder / "source.spm").is_file() and (folder / "target.spm").is_file():
        return "spm", folder / "source.spm", folder / "target.spm"
    for name in ("spm.model", "sentencepiece.bpe.model"):
        if (folder / name).is_file():
            return "spm", folder / name, folder / name
    if (folder / "tokenizer.json").is_file():
        return "hf", folder / "tokenizer.json", folder / "tokenizer.json"
    return None


class _Model:
    """One loaded model with its tokenizers."""

    def __init__(self, folder: Path, threads: int) -> None:
        import ctranslate2

        self.translator = ctranslate2.Translator(str(folder), device="cpu", inter_threads=1, intra_threads=threads)
        kind, source, target = _tokenizer_files(folder)  # type: ignore[misc]
        if kind == "spm":
            try:
                import sentencepiece
            except ImportError:
                raise RuntimeError(f"{folder} uses SentencePiece: pip install sentencepiece") from None
            self.source = sentencepiece.SentencePieceProcessor(model_file=str(source))
            self.target = sentencepiece.SentencePieceProcessor(model_file=str(target))
            self.encode = lambda text: self.source.encode(text, out_type=str) + ["</s>"]
            self.decode = lambda tokens: self.target.decode_pieces([t for t in tokens if t != "</s>"])
        else:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(source))
            self.encode = lambda text: tokenizer.encode(text).tokens
            self.decode = lambda tokens: tokenizer.decode([i for i in map(tokenizer.token_to_id, tokens)
                                                           if i is not None])
        self.lock = threading.Lock()


class CTranslate2Translator(Translator):
    """Translates each configured pair with its own CTranslate2 model (beam search, deterministic)."""

    name = "ctranslate2"

    def __init__(self, models: dict[tuple[str, str], Path], beam_size: int = 4, threads: int = 0,
                 max_length: int = 512) -> None:
        self.models = dict(models)
        self.beam_size, self.threads, self.max_length = beam_size, threads, max_length
        self._loaded: dict[tuple[str, str], _Model] = {}
        self._lock = threading.Lock()

    def pairs(self) -> set[tuple[str, str]]:
        return set(self.models)

    def _model(self, pair: tuple[str, str]) -> _Model:
        with self._lock:
            if pair not in self._loaded:
                self._loaded[pair] = _Model(self.models[pair], self.threads)
            return self._loaded[pair]

    def translate(self, texts: list[str], source: str, target: str, formality: str | None = None) -> list[str]:
        model = self._model((source, target))
        todo = [i for i, text in enumerate(texts) if text.strip()]
        results = [""] * len(texts)
        if not todo:
            return results
        batch = [model.encode(texts[i]) for i in todo]
        with model.lock:
            out = model.translator.translate_batch(batch, beam_size=self.beam_size, max_batch_size=32,
                                                   max_decoding_length=self.max_length)
        for i, result in zip(todo, out):
            results[i] = model.decode(result.hypotheses[0])
        return results
