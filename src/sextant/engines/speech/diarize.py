"""Speaker diarization: who spoke when, from neural speaker embeddings clustered by similarity.

Embeddings come from the pretrained GE2E voice encoder (3-layer LSTM over 40 mel bands, 256-d unit
vectors) that the `resemblyzer` wheel ships as `pretrained.pt`. Only that weights file is used: it
is checked against a pinned SHA-256 and read with `torch.load(weights_only=True)` (no unpickling of
code); the network and its mel front end are rebuilt here, so resemblyzer's own dependencies
(librosa, webrtcvad) are not needed. Any checkpoint of the same shape may be given (`model_path`).
"""

from __future__ import annotations

import importlib.util
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..files import sha256_of
from .audio import RATE

PINNED_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"  # resemblyzer 0.1.4
WINDOW = 160        # frames of 10 ms per embedding window (1.6 s), as the encoder was trained
STEP = 40           # 0.4 s between windows
THRESHOLD = 0.35    # cosine distance above which two clusters are different speakers
_LOCK = threading.Lock()


def packaged_weights() -> Path:
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the speaker encoder package 'resemblyzer' is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"


@lru_cache(maxsize=2)
def _encoder(model_path: str | None = None):
    import torch

    path = Path(model_path) if model_path else packaged_weights()
    if model_path is None and sha256_of(path) != PINNED_SHA256:
        raise RuntimeError(f"{path} does not match its pinned SHA-256")
    state = torch.load(path, map_location="cpu", weights_only=True)["model_state"]

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(40, 256, 3, batch_first=True)
            self.linear = torch.nn.Linear(256, 256)

        def forward(self, mels):
            _, (hidden, _) = self.lstm(mels)
            raw = torch.relu(self.linear(hidden[-1]))
            return raw / torch.norm(raw, dim=1, keepdim=True).clamp_min(1e-9)

    encoder = Encoder()
    encoder.load_state_dict({k: v for k, v in state.items() if k.split(".")[0] in ("lstm", "linear")})
    return encoder.eval()


@lru_cache(maxsize=1)
def _mel_filters(n_fft: int = 400, n_mels: int = 40) -> np.ndarray:
    """Slaney-style mel filter bank (area-normalised triangles), as the encoder's training used."""
    def to_mel(hz):
        hz = np.asarray(hz, dtype=np.float64)
        log = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(hz >= 1000.0, log, hz / (200.0 / 3))

    def to_hz(mel):
        mel = np.asarray(mel, dtype=np.float64)
        return np.where(mel >= 15.0, 1000.0 * np.exp((mel - 15.0) * np.log(6.4) / 27.0), mel * 200.0 / 3)

    freqs = np.linspace(0, RATE / 2, 1 + n_fft // 2)
    edges = to_hz(np.linspace(to_mel(0.0), to_mel(RATE / 2), n_mels + 2))
    ramps = edges[:, None] - freqs[None, :]
    width = np.diff(edges)
    lower = -ramps[:-2] / width[:-1, None]
    upper = ramps[2:] / width[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    return weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """(frames, 40) power mel spectrogram: 25 ms Hann windows every 10 ms, centred."""
    n_fft, hop = 400, 160
    padded = np.pad(samples.astype(np.float64), n_fft // 2)
    count = 1 + (len(padded) - n_fft) // hop
    index = np.arange(n_fft)[None, :] + hop * np.arange(count)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    power = np.abs(np.fft.rfft(padded[index] * window, axis=1)) ** 2
    return (power @ _mel_filters().T).astype(np.float32)


def embed(samples: np.ndarray, model_path: str | None = None) -> np.ndarray:
    """One unit-length voice embedding for a stretch of speech (mean of 1.6 s windows, renormalised)."""
    windows = _windows(mel_frames(_normalise(samples)))
    vectors = _embed_windows([w for _, w in windows], model_path).mean(axis=0)
    return vectors / max(np.linalg.norm(vectors), 1e-9)


def _normalise(samples: np.ndarray, target_dbfs: float = -30.0) -> np.ndarray:
    """Raise quiet audio to -30 dBFS (never lower it), as the encoder's training data was."""
    rms = np.sqrt(np.mean(np.square(samples, dtype=np.float64))) if len(samples) else 0.0
    if rms <= 0:
        return samples
    change = target_dbfs - 20 * np.log10(rms)
    return samples * (10 ** (change / 20)) if change > 0 else samples


def _windows(mels: np.ndarray, step: int = STEP) -> list[tuple[int, np.ndarray]]:
    """(first frame, frames) of WINDOW-frame windows every `step` frames; a short input gives one padded window."""
    if len(mels) <= WINDOW:
        return [(0, np.pad(mels, ((0, WINDOW - len(mels)), (0, 0))))]
    starts = list(range(0, len(mels) - WINDOW + 1, step))
    if starts[-1] + WINDOW < len(mels):
        starts.append(len(mels) - WINDOW)
    return [(s, mels[s:s + WINDOW]) for s in starts]


def _embed_windows(windows: list[np.ndarray], model_path: str | None) -> np.ndarray:
    import torch

    encoder = _encoder(model_path)
    with _LOCK, torch.no_grad():
        return encoder(torch.from_numpy(np.stack(windows))).numpy()


def _cluster(vectors: np.ndarray, max_speakers: int) -> np.ndarray:
    """Average-linkage clustering on cosine distance: merge while closer than THRESHOLD, at most `max_speakers`."""
    from sklearn.cluster import AgglomerativeClustering

    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                     distance_threshold=THRESHOLD).fit_predict(vectors)
    if labels.max() + 1 > max_speakers:
        labels = AgglomerativeClustering(n_clusters=max_speakers, metric="cosine",
                                         linkage="average").fit_predict(vectors)
    return labels


def diarize(samples: np.ndarray, speech: list[tuple[float, float]], max_speakers: int = 30,
            model_path: str | None = None) -> list[tuple[float, float, int]]:
    """(start, end, speaker) turns over the given speech regions; speakers numbered by first appearance."""
    samples = _normalise(np.asarray(samples, dtype=np.float32))
    mels = mel_frames(samples)
    spans, windows = [], []
    for start, end in speech:
        first, last = int(start * 100), min(len(mels), int(end * 100) + 1)
        if last - first < 20:
            continue
        for offset, frames in _windows(mels[first:last]):
            spans.append((first + offset, min(last, first + offset + WINDOW)))
            windows.append(frames)
    if not windows:
        return []
    labels = _cluster(_embed_windows(windows, model_path), max(1, max_speakers))
    # each 10 ms frame takes the label most windows covering it vote for
    votes = np.zeros((len(mels), labels.max() + 1))
    for (first, last), label in zip(spans, labels):
        votes[first:last, label] += 1
    covered = votes.sum(axis=1) > 0
    frame_labels = np.where(covered, votes.argmax(axis=1), -1)
    order: dict[int, int] = {}
    turns: list[tuple[float, float, int]] = []
    for frame, label in enumerate(frame_labels):
        if label < 0:
            continue
        speaker = order.setdefault(int(label), len(order))
        if turns and turns[-1][2] == speaker and frame / 100 - turns[-1][1] < 0.02:
            turns[-1] = (turns[-1][0], (frame + 1) / 100, speaker)
        else:
            turns.append((frame / 100, (frame + 1) / 100, speaker))
    return turns


def speaker_at(turns: list[tuple[float, float, int]], start: float, end: float) -> int:
    """The speaker of the turn overlapping [start, end] most (the nearest turn when none overlaps)."""
    best, best_overlap, nearest, nearest_gap = 0, 0.0, 0, float("inf")
    for first, last, speaker in turns:
        overlap = min(end, last) - max(start, first)
        if overlap > best_overlap:
            best, best_overlap = speaker, overlap
        gap = max(first - end, start - last, 0.0)
        if gap < nearest_gap:
            nearest, nearest_gap = speaker, gap
    return best if best_overlap > 0 else nearest
