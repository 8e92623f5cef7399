"""The data formats SageMaker's built-in algorithm images read and write.

- RecordIO-protobuf (``application/x-recordio-protobuf``): dmlc RecordIO framing around the
  ``aialgs.data.Record`` messages of AWS's ``record.proto``, with a protobuf wire codec for just
  those messages. Byte for byte what the sagemaker SDK's ``write_numpy_to_dense_tensor`` and
  ``write_spmatrix_to_sparse_tensor`` write, except that a record holding the magic number at a
  word boundary is split into parts, as dmlc's writer does (see ``frame_recordio``).
- CSV (``text/csv``): no header; for training the label is the first column.
- LibSVM (``text/libsvm``): ``label index:value …``, indices taken as given, as XGBoost does.
- JSON and JSON Lines inference requests (``{"instances": […]}``, one instance per line) and
  prediction responses in every accept type the algorithms answer with.

Rows, lines, columns, records and instances are numbered from 1 in error messages; a CSV row is
numbered by its line in the file.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeAlias

import numpy as np
import scipy.sparse as sp

RECORDIO_PROTOBUF = "application/x-recordio-protobuf"
CSV = "text/csv"
JSON = "application/json"
JSONLINES = "application/jsonlines"
LIBSVM = "text/libsvm"
_LIBSVM_TYPES = (LIBSVM, "text/x-libsvm")

Matrix: TypeAlias = np.ndarray | sp.csr_matrix


class UnsupportedContentTypeError(ValueError):
    """A Content-Type or Accept type these formats do not speak (HTTP 415 or 406)."""


def parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    """Split a Content-Type or Accept value into its lower-case media type and its parameters."""
    media, *params = value.split(";")
    parsed: dict[str, str] = {}
    for param in params:
        name, _, text = param.partition("=")
        if name.strip():
            parsed[name.strip().lower()] = text.strip().strip('"')
    return media.strip().lower(), parsed


# --------------------------------------------------------------------------- RecordIO framing

_MAGIC = 0xCED7230A
_MAGIC_BYTES = struct.pack("<I", _MAGIC)
_LENGTH_MASK = (1 << 29) - 1
# Continuation flag of a part: a whole record, or the first, a middle or the last part of one.
_WHOLE, _FIRST, _MIDDLE, _LAST = 0, 1, 2, 3


def _part_header(cflag: int, length: int) -> bytes:
    return struct.pack("<II", _MAGIC, cflag << 29 | length)


def frame_recordio(payload: bytes) -> bytes:
    """Frame one payload as a RecordIO record, as dmlc's RecordIOWriter does.

    The payload is cut at every 4-byte-aligned occurrence of the magic number, which is dropped
    (readers put it back), so that a reader resynchronising on the magic never takes data for a
    header; the parts carry continuation flags 1, 2 and 3. A payload without such an occurrence
    (nearly every one) is a single part with flag 0, as the sagemaker SDK writes it.
    """
    size = len(payload)
    if size > _LENGTH_MASK:
        raise ValueError(f"a RecordIO record holds at most {_LENGTH_MASK} bytes; this one has {size}")
    words = np.frombuffer(payload, dtype="<u4", count=size // 4)
    cuts = (np.flatnonzero(words == _MAGIC) * 4).tolist()
    out = bytearray()
    start = 0
    for cut in cuts:
        out += _part_header(_MIDDLE if start else _FIRST, cut - start)
        out += payload[start:cut]
        start = cut + 4
    out += _part_header(_LAST if cuts else _WHOLE, size - start)
    out += payload[start:]
    out += bytes(-size % 4)
    return bytes(out)


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def iter_recordio(data: bytes | bytearray | memoryview | BinaryIO) -> Iterator[bytes]:
    """Yield the payloads of a RecordIO stream in order, joining records split into parts."""
    stream: BinaryIO = io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
    offset = 0
    parts: list[bytes] | None = None
    while True:
        header = _read_exact(stream, 8)
        if not header:
            if parts is not None:
                raise ValueError(f"byte {offset}: the RecordIO data ends inside a record split into parts")
            return
        if len(header) < 8:
            raise ValueError(f"byte {offset}: the RecordIO data ends inside a record header")
        magic, word = struct.unpack("<II", header)
        if magic != _MAGIC:
            raise ValueError(
                f"byte {offset}: expected the RecordIO magic number 0x{_MAGIC:08x}, found 0x{magic:08x}"
            )
        cflag, length = word >> 29, word & _LENGTH_MASK
        padded = length + (-length % 4)
        body = _read_exact(stream, padded)
        if len(body) < padded:
            raise ValueError(f"byte {offset}: the RecordIO data ends inside a record of {length} bytes")
        chunk = body[:length]
        if cflag == _WHOLE and parts is None:
            yield chunk
        elif cflag == _FIRST and parts is None:
            parts = [chunk]
        elif cflag in (_MIDDLE, _LAST) and parts is not None:
            parts.append(chunk)
            if cflag == _LAST:
                yield _MAGIC_BYTES.join(parts)
                parts = None
        else:
            raise ValueError(f"byte {offset}: unexpected RecordIO continuation flag {cflag}")
        offset += 8 + padded


# --------------------------------------------------------------------------- protobuf wire codec

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _len_field(number: int, body: bytes) -> bytes:
    return _varint(number << 3 | _LEN) + _varint(len(body)) + body


_SHIFTS = np.arange(10, dtype=np.uint64) * np.uint64(7)
# Below this many values (or bytes), a Python loop beats numpy's per-call overhead.
_SHORT = 64


def _pack_varints(values: np.ndarray) -> bytes:
    """The varints of uint64 ``values``, back to back (a packed repeated field's body)."""
    if values.size < _SHORT:
        return b"".join(_varint(value) for value in values.tolist())
    values = values.astype(np.uint64, copy=False)
    groups = ((values[:, None] >> _SHIFTS) & np.uint64(0x7F)).astype(np.uint8)
    lengths = 1 + ((values[:, None] >> _SHIFTS[1:]) != 0).sum(axis=1)
    position = np.arange(10)
    groups[position < lengths[:, None] - 1] |= 0x80
    return groups[position < lengths[:, None]].tobytes()


def _unpack_varints(body: memoryview) -> np.ndarray:
    """The uint64 values of varints back to back."""
    if len(body) < _SHORT:
        values, pos = [], 0
        while pos < len(body):
            value, pos = _read_varint(body, pos)
            values.append(value)
        return np.array(values, dtype=np.uint64)
    octets = np.frombuffer(body, dtype=np.uint8)
    if octets[-1] & 0x80:
        raise ValueError("truncated varint")
    ends = np.flatnonzero(octets < 0x80)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts + 1
    if lengths.max() > 10:
        raise ValueError("varint longer than 10 bytes")
    position = np.arange(octets.size) - np.repeat(starts, lengths)
    parts = (octets & 0x7F).astype(np.uint64) << (position.astype(np.uint64) * np.uint64(7))
    return np.bitwise_or.reduceat(parts, starts)


def _read_varint(buf: memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while shift < 70:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        octet = buf[pos]
        pos += 1
        value |= (octet & 0x7F) << shift
        if octet < 0x80:
            return value & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7
    raise ValueError("varint longer than 10 bytes")


def _fields(buf: memoryview) -> Iterator[tuple[int, int, int | memoryview]]:
    """(field number, wire type, value) of each field of a message; a varint's value is an int."""
    pos = 0
    while pos < len(buf):
        key, pos = _read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ValueError("protobuf field number 0")
        value: int | memoryview
        if wire == _VARINT:
            value, pos = _read_varint(buf, pos)
        else:
            if wire == _LEN:
                size, pos = _read_varint(buf, pos)
            elif wire in (_I64, _I32):
                size = 8 if wire == _I64 else 4
            else:
                raise ValueError(f"protobuf field {number} has unsupported wire type {wire}")
            if pos + size > len(buf):
                raise ValueError(f"protobuf field {number} runs past the end of its message")
            value = buf[pos : pos + size]
            pos += size
        yield number, wire, value


# Value's oneof field for each tensor type, keyed by the dtype of the tensor's values.
_TENSOR_FIELD_BY_DTYPE = {np.dtype(np.float32): 2, np.dtype(np.float64): 3, np.dtype(np.int32): 7}
_TENSOR_DTYPE_BY_FIELD = {number: dtype for dtype, number in _TENSOR_FIELD_BY_DTYPE.items()}
_BYTES_FIELD = 9


@dataclass(eq=False)
class Tensor:
    """A Float32Tensor, Float64Tensor or Int32Tensor, picked by the dtype of ``values``.

    Dense when ``keys`` is empty; otherwise ``values[i]`` sits at flat position ``keys[i]`` of a
    tensor of ``shape``. ``shape`` may be empty for a dense tensor.
    """

    values: np.ndarray
    keys: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    shape: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values).ravel()
        if self.values.dtype not in _TENSOR_FIELD_BY_DTYPE:
            raise ValueError(f"a tensor holds float32, float64 or int32 values, not {self.values.dtype}")
        self.keys = np.asarray(self.keys, dtype=np.uint64).ravel()
        self.shape = tuple(int(size) for size in self.shape)


@dataclass(eq=False)
class BytesValue:
    """A ``Bytes`` value: opaque byte strings, with their content type if known."""

    values: list[bytes]
    content_type: str | None = None


Value: TypeAlias = Tensor | BytesValue


@dataclass(eq=False)
class Record:
    """An ``aialgs.data.Record``: named feature and label values, and optional strings."""

    features: dict[str, Value] = field(default_factory=dict)
    label: dict[str, Value] = field(default_factory=dict)
    uid: str | None = None
    metadata: str | None = None
    configuration: str | None = None


def _encode_tensor(tensor: Tensor) -> bytes:
    out = b""
    if tensor.values.size:
        if tensor.values.dtype == np.int32:
            # int32 is a varint of the value sign-extended to 64 bits.
            body = _pack_varints(tensor.values.astype(np.int64).view(np.uint64))
        else:
            body = tensor.values.astype(tensor.values.dtype.newbyteorder("<"), copy=False).tobytes()
        out += _len_field(1, body)
    if tensor.keys.size:
        out += _len_field(2, _pack_varints(tensor.keys))
    if tensor.shape:
        out += _len_field(3, _pack_varints(np.array(tensor.shape, dtype=np.uint64)))
    return out


def _encode_value(value: Value) -> bytes:
    if isinstance(value, BytesValue):
        body = b"".join(_len_field(1, item) for item in value.values)
        if value.content_type is not None:
            body += _len_field(2, value.content_type.encode())
        return _len_field(_BYTES_FIELD, body)
    return _len_field(_TENSOR_FIELD_BY_DTYPE[value.values.dtype], _encode_tensor(value))


def _encode_map(number: int, mapping: Mapping[str, Value]) -> bytes:
    return b"".join(
        _len_field(number, _len_field(1, key.encode()) + _len_field(2, _encode_value(value)))
        for key, value in mapping.items()
    )


def encode_record(record: Record) -> bytes:
    """Serialize a Record to protobuf bytes, fields in number order as protobuf writes them."""
    out = _encode_map(1, record.features) + _encode_map(2, record.label)
    for number, text in ((3, record.uid), (4, record.metadata), (5, record.configuration)):
        if text is not None:
            out += _len_field(number, text.encode())
    return out


def _repeated(wire: int, value: int | memoryview, element: str) -> np.ndarray:
    """The elements of one occurrence of a repeated field, packed or not.

    ``element`` is "f4", "f8" (fixed-width floats) or "varint" (returned as uint64).
    """
    if wire == _LEN:
        assert isinstance(value, memoryview)
        if element == "varint":
            return _unpack_varints(value)
        width = int(element[1])
        if len(value) % width:
            raise ValueError(f"packed {element} field of {len(value)} bytes")
        return np.frombuffer(value, dtype=f"<{element}")
    if element == "varint" and wire == _VARINT:
        return np.array([value], dtype=np.uint64)
    if (element, wire) in (("f4", _I32), ("f8", _I64)):
        assert isinstance(value, memoryview)
        return np.frombuffer(value, dtype=f"<{element}")
    raise ValueError(f"wire type {wire} where a repeated {element} field was expected")


def _decode_tensor(buf: memoryview, dtype: np.dtype) -> Tensor:
    element = "varint" if dtype == np.int32 else f"f{dtype.itemsize}"
    chunks: dict[int, list[np.ndarray]] = {1: [], 2: [], 3: []}
    for number, wire, value in _fields(buf):
        if number in chunks:
            chunks[number].append(_repeated(wire, value, element if number == 1 else "varint"))
    if dtype == np.int32:
        varints = np.concatenate(chunks[1]) if chunks[1] else np.empty(0, np.uint64)
        values = varints.view(np.int64).astype(np.int32)  # the low 32 bits, as protobuf reads int32
    else:
        values = np.concatenate(chunks[1]).astype(dtype) if chunks[1] else np.empty(0, dtype)
    keys = np.concatenate(chunks[2]) if chunks[2] else np.empty(0, np.uint64)
    shape = tuple(int(size) for chunk in chunks[3] for size in chunk)
    return Tensor(values, keys, shape)


def _message(number: int, wire: int, value: int | memoryview) -> memoryview:
    if wire != _LEN:
        raise ValueError(f"protobuf field {number} should be length-delimited, has wire type {wire}")
    assert isinstance(value, memoryview)
    return value


def _decode_value(buf: memoryview) -> Value:
    decoded: Value | None = None
    for number, wire, value in _fields(buf):
        if number in _TENSOR_DTYPE_BY_FIELD:
            decoded = _decode_tensor(_message(number, wire, value), _TENSOR_DTYPE_BY_FIELD[number])
        elif number == _BYTES_FIELD:
            items: list[bytes] = []
            content_type = None
            for inner, inner_wire, inner_value in _fields(_message(number, wire, value)):
                if inner == 1:
                    items.append(bytes(_message(inner, inner_wire, inner_value)))
                elif inner == 2:
                    content_type = bytes(_message(inner, inner_wire, inner_value)).decode()
            decoded = BytesValue(items, content_type)
    if decoded is None:
        raise ValueError("a Value holds no tensor and no bytes")
    return decoded


def decode_record(payload: bytes | memoryview) -> Record:
    """Parse protobuf bytes into a Record; unknown fields are skipped, as protobuf does."""
    record = Record()
    for number, wire, value in _fields(memoryview(payload)):
        if number in (1, 2):
            key, item = "", None
            for inner, inner_wire, inner_value in _fields(_message(number, wire, value)):
                if inner == 1:
                    key = bytes(_message(inner, inner_wire, inner_value)).decode()
                elif inner == 2:
                    item = _decode_value(_message(inner, inner_wire, inner_value))
            if item is None:
                raise ValueError(f"map entry {key!r} has no value")
            (record.features if number == 1 else record.label)[key] = item
        elif number in (3, 4, 5):
            text = bytes(_message(number, wire, value)).decode()
            setattr(record, {3: "uid", 4: "metadata", 5: "configuration"}[number], text)
    return record


# --------------------------------------------------------------------------- RecordIO-protobuf


def iter_records(data: bytes | bytearray | memoryview | BinaryIO) -> Iterator[Record]:
    """Stream the Records of RecordIO-protobuf data (bytes, a file or a pipe) one at a time."""
    for number, payload in enumerate(iter_recordio(data), 1):
        try:
            yield decode_record(payload)
        except (ValueError, UnicodeDecodeError) as error:
            raise ValueError(f"record {number}: {error}") from None


def write_records(records: Iterable[Record]) -> bytes:
    """RecordIO-protobuf bytes of the given Records."""
    return b"".join(frame_recordio(encode_record(record)) for record in records)


@dataclass
class _SparseRow:
    indices: np.ndarray
    values: np.ndarray
    width: int


def _tensor_row(tensor: Tensor) -> np.ndarray | _SparseRow:
    """A tensor as one matrix row: dense, or sparse over the flattened ``shape``."""
    width = math.prod(tensor.shape) if tensor.shape else None
    if tensor.keys.size or (width and not tensor.values.size):
        if width is None:
            raise ValueError("a sparse tensor needs a shape")
        if tensor.keys.size != tensor.values.size:
            raise ValueError(f"a sparse tensor has {tensor.keys.size} keys and {tensor.values.size} values")
        if tensor.keys.size and int(tensor.keys.max()) >= width:
            raise ValueError(f"key {int(tensor.keys.max())} is outside shape {list(tensor.shape)}")
        return _SparseRow(tensor.keys.astype(np.int64), tensor.values, width)
    if width is not None and width != tensor.values.size:
        raise ValueError(f"a dense tensor of shape {list(tensor.shape)} has {tensor.values.size} values")
    return tensor.values


def _stack_rows(rows: list[np.ndarray | _SparseRow], name: Callable[[int], str]) -> Matrix:
    """One matrix of the rows: dense if every row is, otherwise CSR."""
    if not rows:
        return np.empty((0, 0))
    widths = [row.width if isinstance(row, _SparseRow) else row.size for row in rows]
    for i, width in enumerate(widths):
        if width != widths[0]:
            raise ValueError(f"{name(i)} has {width} features; {name(0)} has {widths[0]}")
    if not any(isinstance(row, _SparseRow) for row in rows):
        return np.stack(rows)
    indices, values = [], []
    for row in rows:
        if isinstance(row, _SparseRow):
            indices.append(row.indices)
            values.append(row.values)
        else:
            indices.append(np.arange(row.size))
            values.append(row)
    indptr = np.concatenate(([0], np.cumsum([part.size for part in indices])))
    return sp.csr_matrix(
        (np.concatenate(values), np.concatenate(indices), indptr), shape=(len(rows), widths[0])
    )


def _records_to_arrays(records: Iterable[Record], first: int = 1) -> tuple[Matrix, np.ndarray | None]:
    """Features (dense, or CSR if any record is sparse) and labels (None if no record has one)."""
    rows: list[np.ndarray | _SparseRow] = []
    labels: list[np.ndarray] = []
    labelled: bool | None = None
    for number, record in enumerate(records, first):
        try:
            features = record.features.get("values")
            if features is None or isinstance(features, BytesValue):
                raise ValueError("no 'values' feature tensor")
            rows.append(_tensor_row(features))
            label = record.label.get("values")
            if labelled is None:
                labelled = label is not None
            elif labelled != (label is not None):
                raise ValueError(
                    f"has {'no' if labelled else 'a'} label, but record {first} has {'one' if labelled else 'none'}"
                )
            if label is None:
                continue
            if not isinstance(label, Tensor) or label.keys.size:
                raise ValueError("the 'values' label must be a dense tensor")
            if labels and label.values.size != labels[0].size:
                raise ValueError(f"has {label.values.size} label values; record {first} has {labels[0].size}")
            labels.append(label.values)
        except ValueError as error:
            raise ValueError(f"record {number}: {error}") from None
    matrix = _stack_rows(rows, lambda i: f"record {first + i}")
    if not labels:
        return matrix, None
    return matrix, (np.concatenate(labels) if labels[0].size == 1 else np.stack(labels))


def read_recordio_protobuf(
    data: bytes | bytearray | memoryview | BinaryIO,
) -> tuple[Matrix, np.ndarray | None]:
    """Features and labels of RecordIO-protobuf data, from the ``values`` feature and label.

    Features are a dense array (of the tensors' dtype) when no record has keys, and a CSR
    matrix of the width given by ``shape`` otherwise. Labels are None when no record has one, a
    vector for one value per record, or a matrix for several.
    """
    return _records_to_arrays(iter_records(data))


def iter_recordio_protobuf_batches(
    data: bytes | bytearray | memoryview | BinaryIO, batch_size: int
) -> Iterator[tuple[Matrix, np.ndarray | None]]:
    """Stream RecordIO-protobuf data as (features, labels) batches of up to ``batch_size`` records."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    records = iter_records(data)
    first = 1
    while batch := list(itertools.islice(records, batch_size)):
        yield _records_to_arrays(batch, first)
        first += len(batch)


_INT32 = np.iinfo(np.int32)


def _tensor_values(array: np.ndarray, what: str) -> np.ndarray:
    """``array`` in the tensor type the sagemaker SDK picks: float32, float64, or int32 for integers."""
    if array.dtype in (np.float32, np.float64):
        return array
    if array.dtype.kind in "iub":
        if array.size and (array.min() < _INT32.min or array.max() > _INT32.max):
            raise ValueError(f"{what} hold integers outside the int32 range of an Int32Tensor")
        return array.astype(np.int32)
    raise ValueError(
        f"{what} have dtype {array.dtype}; RecordIO-protobuf holds float32, float64 or int32 values"
    )


def write_recordio_protobuf(
    features: np.ndarray | sp.spmatrix | sp.sparray, labels: np.ndarray | None = None
) -> bytes:
    """RecordIO-protobuf of a matrix: a record per row, as the sagemaker SDK writes it.

    A row's features go under ``values`` (dense; or, for a sparse matrix, keys = column indices
    and shape = [columns]); its label, if given, under the label ``values``. float32 data becomes
    Float32Tensors, float64 Float64Tensors and integers Int32Tensors.
    """
    tensors: Iterable[Tensor]
    if sp.issparse(features):
        matrix = sp.csr_matrix(features)
        n_rows, n_columns = matrix.shape
        data = _tensor_values(matrix.data, "features")
        keys = matrix.indices.astype(np.uint64)
        bounds = matrix.indptr.tolist()
        tensors = (Tensor(data[a:b], keys[a:b], (n_columns,)) for a, b in itertools.pairwise(bounds))
    else:
        array = np.asarray(features)
        if array.ndim != 2:
            raise ValueError(f"features must be a 2-D array (rows × features), not {array.ndim}-D")
        n_rows = array.shape[0]
        tensors = (Tensor(row) for row in _tensor_values(array, "features"))
    label_rows = None
    if labels is not None:
        label_array = np.asarray(labels)
        if label_array.ndim not in (1, 2) or label_array.shape[0] != n_rows:
            raise ValueError(f"labels of shape {label_array.shape} do not match {n_rows} rows of features")
        label_rows = _tensor_values(label_array[:, None] if label_array.ndim == 1 else label_array, "labels")
    out = bytearray()
    for i, tensor in enumerate(tensors):
        record = Record(features={"values": tensor})
        if label_rows is not None:
            record.label["values"] = Tensor(label_rows[i])
        out += frame_recordio(encode_record(record))
    return bytes(out)


def write_recordio_protobuf_response(predictions: Iterable[Mapping[str, Any]]) -> bytes:
    """RecordIO-protobuf inference output as the built-in algorithms return it.

    A record per prediction, with no features and each named output (``score``,
    ``predicted_label``, ``projection``, …) as a Float32Tensor in its label map.
    """
    records = []
    for number, prediction in enumerate(predictions, 1):
        label: dict[str, Value] = {}
        for name, value in prediction.items():
            try:
                label[name] = Tensor(np.asarray(value, dtype=np.float32))
            except (TypeError, ValueError):
                raise ValueError(
                    f"prediction {number}, {name!r}: {value!r} is not numeric; "
                    "RecordIO-protobuf responses hold float32 tensors"
                ) from None
        records.append(Record(label=label))
    return write_records(records)


# --------------------------------------------------------------------------- CSV


def _text(data: bytes | bytearray | memoryview | str, what: str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{what} is not UTF-8 text (byte {error.start})") from None


def _csv_number(cell: str, line: int, column: int, label_columns: int) -> float:
    if not cell.strip():
        if column <= label_columns:
            raise ValueError(f"row {line}, column {column}: the label is empty")
        return math.nan  # an empty feature is a missing value, as XGBoost reads it
    try:
        if "_" in cell:  # Python's float() takes "1_000"; the algorithms' parsers do not
            raise ValueError
        return float(cell)
    except ValueError:
        raise ValueError(f"row {line}, column {column}: {cell!r} is not a number") from None


def _read_csv(data: bytes | bytearray | memoryview | str, label_columns: int) -> np.ndarray:
    """A float64 matrix of headerless numeric CSV; blank lines are skipped."""
    text = _text(data, "the CSV data")
    if not text.strip():
        return np.empty((0, 0))
    try:
        # numpy's C parser reads well-formed data fast; anything else (empty cells for missing
        # values, quotes, a bad cell) is read by the csv module, which names the bad cell.
        return np.loadtxt(text.splitlines(), delimiter=",", dtype=np.float64, comments=None, ndmin=2)
    except ValueError:
        pass
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[float]] = []
    first_line = 0
    try:
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            line = reader.line_num
            if not rows:
                first_line = line
            elif len(cells) != len(rows[0]):
                raise ValueError(f"row {line} has {len(cells)} columns; row {first_line} has {len(rows[0])}")
            rows.append(
                [_csv_number(cell, line, column, label_columns) for column, cell in enumerate(cells, 1)]
            )
    except csv.Error as error:
        raise ValueError(f"row {reader.line_num}: {error}") from None
    return np.array(rows, dtype=np.float64)


def read_csv_training(
    data: bytes | bytearray | memoryview | str, label_size: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of headerless CSV training data, the label in the first column.

    ``label_size`` is the ``label_size`` parameter of ``text/csv;label_size=1``; only 1 is
    supported, as for the built-in algorithms. Empty feature cells are missing values (NaN).
    """
    if label_size != 1:
        raise ValueError(
            f"label_size={label_size} is not supported: CSV training data has label_size=1, the label in the first column"
        )
    table = _read_csv(data, label_columns=1)
    if not table.size:
        return np.empty((0, 0)), np.empty(0)
    if table.shape[1] < 2:
        raise ValueError("CSV training rows need a label and at least one feature; these have 1 column")
    return table[:, 1:], table[:, 0]


def read_csv_features(data: bytes | bytearray | memoryview | str) -> np.ndarray:
    """Features of headerless CSV inference data: every column is a feature; empty cells are NaN."""
    return _read_csv(data, label_columns=0)


# --------------------------------------------------------------------------- LibSVM


def _libsvm_number(text: str, line: int, token: str) -> float:
    try:
        if "_" in text:
            raise ValueError
        return float(text)
    except ValueError:
        raise ValueError(f"line {line}: {text!r} in {token!r} is not a number") from None


def read_libsvm(
    data: bytes | bytearray | memoryview | str, n_features: int | None = None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Features (CSR, float64) and labels of LibSVM data: ``label index:value …`` per line.

    Indices are columns as given (0- or 1-based alike, as XGBoost reads them), so the matrix
    has ``max index + 1`` columns, or ``n_features`` when given. ``#`` starts a comment; blank
    lines are skipped. Instance weights (``label:weight``) and ``qid:`` are not supported.
    """
    text = _text(data, "the LibSVM data")
    labels: list[float] = []
    indices: list[int] = []
    values: list[float] = []
    indptr = [0]
    for line, content in enumerate(text.splitlines(), 1):
        tokens = content.split("#", 1)[0].split()
        if not tokens:
            continue
        if ":" in tokens[0]:
            raise ValueError(
                f"line {line}: expected the label first, found {tokens[0]!r} (label:weight is not supported)"
            )
        labels.append(_libsvm_number(tokens[0], line, tokens[0]))
        for token in tokens[1:]:
            index_text, colon, value_text = token.partition(":")
            if not colon:
                raise ValueError(f"line {line}: {token!r} is not an index:value pair")
            if not (index_text.isascii() and index_text.isdigit()):
                raise ValueError(
                    f"line {line}: {index_text!r} in {token!r} is not a feature index (a whole number ≥ 0)"
                )
            index = int(index_text)
            if n_features is not None and index >= n_features:
                raise ValueError(
                    f"line {line}: feature index {index} is out of range for {n_features} features"
                )
            indices.append(index)
            values.append(_libsvm_number(value_text, line, token))
        indptr.append(len(indices))
    width = n_features if n_features is not None else max(indices, default=-1) + 1
    matrix = sp.csr_matrix(
        (np.array(values, dtype=np.float64), np.array(indices, dtype=np.int64), np.array(indptr)),
        shape=(len(labels), width),
    )
    return matrix, np.array(labels, dtype=np.float64)


# --------------------------------------------------------------------------- JSON and JSON Lines

_INSTANCE_FORMS = 'a list of numbers, {"features": [...]} or {"data": {"features": {"values": [...]}}}'


def _json_numbers(items: Any, where: str, what: str, whole: bool = False) -> list[float]:
    """The numbers of a JSON list; with ``whole``, non-negative integers (keys, shapes) kept exact."""
    if not isinstance(items, list):
        # A malformed request body is a ValueError (HTTP 400), whatever is wrong with it.
        raise ValueError(f"{where}: {what} must be a list of numbers")  # noqa: TRY004
    numbers: list[float] = []
    for position, item in enumerate(items, 1):
        if whole:
            valid = isinstance(item, int) and not isinstance(item, bool) and 0 <= item < 2**64
        else:
            valid = isinstance(item, (int, float)) and not isinstance(item, bool) and abs(item) < 2**1024
        if not valid:
            kind = "a whole number ≥ 0" if whole else "a number"
            raise ValueError(f"{where}, {what} {position}: {json.dumps(item)} is not {kind}")
        numbers.append(item if whole else float(item))
    return numbers


def _instance_row(instance: Any, where: str) -> np.ndarray | _SparseRow:
    """One inference instance as a matrix row."""
    element = instance
    if isinstance(element, dict):
        if "features" in element:
            element = element["features"]
        elif isinstance(element.get("data"), dict) and "features" in element["data"]:
            element = element["data"]["features"]
        else:
            raise ValueError(f"{where}: an instance is {_INSTANCE_FORMS}")
    if not isinstance(element, dict):
        return np.array(_json_numbers(element, where, "feature"), dtype=np.float64)
    # The protocol-buffers equivalent: {"values": [...], "keys": [...], "shape": [...]}
    if "values" not in element:
        raise ValueError(
            f'{where}: features given as an object need "values" (and "keys" and "shape" when sparse)'
        )
    tensor = Tensor(
        np.array(_json_numbers(element["values"], where, "value"), dtype=np.float64),
        np.array(_json_numbers(element.get("keys", []), where, "key", whole=True), dtype=np.uint64),
        tuple(
            int(size) for size in _json_numbers(element.get("shape", []), where, "shape entry", whole=True)
        ),
    )
    try:
        return _tensor_row(tensor)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def _load_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{where}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None


def read_json_features(body: bytes | bytearray | memoryview | str, content_type: str = JSON) -> Matrix:
    """Features of a JSON or JSON Lines inference request, dense unless an instance is sparse.

    ``application/json``: ``{"instances": [instance, …]}``; ``application/jsonlines``: one
    instance per line. An instance is a list of numbers, ``{"features": [...]}``, or
    ``{"data": {"features": ...}}``, and features may also be the protocol-buffers equivalent
    ``{"values": [...], "keys": [...], "shape": [...]}``.
    """
    media, _ = parse_content_type(content_type)
    text = _text(body, "the request body")
    rows: list[np.ndarray | _SparseRow] = []
    if media == JSON:
        document = _load_json(text, "the request body")
        if not isinstance(document, dict) or not isinstance(document.get("instances"), list):
            raise ValueError(f'a JSON request is {{"instances": [...]}}, each instance {_INSTANCE_FORMS}')
        rows = [
            _instance_row(instance, f"instance {i}") for i, instance in enumerate(document["instances"], 1)
        ]
        names = [f"instance {i}" for i in range(1, len(rows) + 1)]
    elif media == JSONLINES:
        names = []
        for line, content in enumerate(text.splitlines(), 1):
            if content.strip():
                names.append(f"line {line}")
                rows.append(_instance_row(_load_json(content, names[-1]), names[-1]))
    else:
        raise UnsupportedContentTypeError(
            f"content type {content_type!r} is not JSON; use {JSON} or {JSONLINES}"
        )
    if not rows:
        raise ValueError("the request has no instances")
    return _stack_rows(rows, names.__getitem__)


def read_features(body: bytes | bytearray | memoryview, content_type: str) -> Matrix:
    """Features of an inference request body of any content type the built-in algorithms take."""
    media, _ = parse_content_type(content_type)
    if media in (JSON, JSONLINES):
        return read_json_features(body, media)
    if media == CSV:
        matrix: Matrix = read_csv_features(body)
    elif media == RECORDIO_PROTOBUF:
        matrix = read_recordio_protobuf(body)[0]
    elif media in _LIBSVM_TYPES:
        matrix = read_libsvm(body)[0]
    else:
        raise UnsupportedContentTypeError(
            f"content type {content_type!r} is not supported; use one of {CSV}, {JSON}, {JSONLINES}, {RECORDIO_PROTOBUF}, {LIBSVM}"
        )
    if not matrix.shape[0]:
        raise ValueError("the request body has no records")
    return matrix


# --------------------------------------------------------------------------- responses


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return _jsonable(value[()]) if value.ndim == 0 else [_jsonable(item) for item in value]
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, np.floating):
        return float(str(value))  # the shortest text of a float32, not its float64 expansion
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _csv_cells(value: Any) -> list[str]:
    array = np.asarray(value)
    if array.dtype.kind == "b":
        array = array.astype(np.int8)
    return [str(item) for item in array.ravel()]  # numpy's shortest round-trip text


def write_predictions(
    predictions: Sequence[Mapping[str, Any]], accept: str, keys: Sequence[str] | None = None
) -> tuple[bytes, str]:
    """Serialize predictions (one dict per input row) for an Accept type; returns (body, content type).

    ``application/json``: ``{"predictions": [...]}``; ``application/jsonlines``: an object per
    line; ``text/csv``: a row per prediction with the values of ``keys`` in that order (default:
    the first prediction's keys), vectors spread over several columns;
    ``application/x-recordio-protobuf``: see ``write_recordio_protobuf_response``.
    """
    media, _ = parse_content_type(accept)
    if media == JSON:
        return json.dumps({"predictions": _jsonable(list(predictions))}).encode(), JSON
    if media == JSONLINES:
        return "".join(
            json.dumps(_jsonable(prediction)) + "\n" for prediction in predictions
        ).encode(), JSONLINES
    if media == RECORDIO_PROTOBUF:
        return write_recordio_protobuf_response(predictions), RECORDIO_PROTOBUF
    if media == CSV:
        order = list(keys) if keys is not None else list(predictions[0]) if predictions else []
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for number, prediction in enumerate(predictions, 1):
            missing = [key for key in order if key not in prediction]
            if missing:
                raise ValueError(f"prediction {number} has no {missing[0]!r}")
            writer.writerow([cell for key in order for cell in _csv_cells(prediction[key])])
        return out.getvalue().encode(), CSV
    raise UnsupportedContentTypeError(
        f"accept type {accept!r} is not supported; use one of {JSON}, {JSONLINES}, {CSV}, {RECORDIO_PROTOBUF}"
    )
