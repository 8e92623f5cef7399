"""Training channels read in the content types the built-in algorithms accept."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .. import formats
from ..environment import TrainingEnvironment, UserError


def channel_bytes(env: TrainingEnvironment, name: str) -> bytes:
    """All the data of a channel: its files (File mode) or one epoch of its FIFO (Pipe mode)."""
    config = env.channels[name]
    if config.get("TrainingInputMode") == "Pipe":
        with open(env.pipe(name, 0), "rb") as pipe:
            return pipe.read()
    return b"".join(path.read_bytes() for path in env.channel_files(name))


def read_channel(env: TrainingEnvironment, name: str, default_type: str
                 ) -> tuple[np.ndarray | sp.csr_matrix, np.ndarray]:
    """Features and labels of a training channel; UserError naming the channel when they cannot be read."""
    content_type = env.channels[name].get("ContentType") or default_type
    media, parameters = formats.parse_content_type(content_type)
    data = channel_bytes(env, name)
    try:
        if media == formats.CSV:
            features, labels = formats.read_csv_training(data, int(parameters.get("label_size", 1)))
        elif media in ("text/libsvm", "text/x-libsvm", "libsvm"):
            features, labels = formats.read_libsvm(data)
        elif media == formats.RECORDIO_PROTOBUF:
            features, labels = formats.read_recordio_protobuf(data)
        else:
            raise UserError(f"Channel {name}: content type {content_type!r} is not supported (text/csv, "
                            "text/libsvm, application/x-recordio-protobuf)")
    except ValueError as exc:
        raise UserError(f"Channel {name}: {exc}") from None
    if labels is None or not features.shape[0]:
        raise UserError(f"Channel {name} holds no labelled records")
    return features, np.asarray(labels, dtype=np.float64).ravel()


def read_unlabelled(env: TrainingEnvironment, name: str) -> np.ndarray | sp.csr_matrix:
    """Features of a channel whose records need no label (k-means, PCA): CSV rows are all features."""
    content_type = env.channels[name].get("ContentType") or formats.RECORDIO_PROTOBUF
    media, _ = formats.parse_content_type(content_type)
    data = channel_bytes(env, name)
    try:
        if media == formats.CSV:
            features = formats.read_csv_features(data)
        elif media == formats.RECORDIO_PROTOBUF:
            features = formats.read_recordio_protobuf(data)[0]
        else:
            raise UserError(f"Channel {name}: content type {content_type!r} is not supported (text/csv, "
                            "application/x-recordio-protobuf)")
    except ValueError as exc:
        raise UserError(f"Channel {name}: {exc}") from None
    if not features.shape[0]:
        raise UserError(f"Channel {name} holds no records")
    return features
