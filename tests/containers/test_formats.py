"""The data formats of the built-in algorithm images: RecordIO-protobuf, CSV, LibSVM, JSON."""

from __future__ import annotations

import io
import json
import struct

import numpy as np
import pytest
import scipy.sparse as sp

from sextant.containers import formats
from sextant.containers.formats import (
    BytesValue,
    Record,
    Tensor,
    UnsupportedContentTypeError,
    decode_record,
    encode_record,
    frame_recordio,
    iter_recordio,
    iter_recordio_protobuf_batches,
    iter_records,
    read_csv_features,
    read_csv_training,
    read_features,
    read_json_features,
    read_libsvm,
    read_recordio_protobuf,
    write_predictions,
    write_recordio_protobuf,
    write_recordio_protobuf_response,
    write_records,
)

MAGIC = bytes.fromhex("0a23d7ce")  # 0xced7230a, little-endian


def header(cflag: int, length: int) -> bytes:
    return MAGIC + struct.pack("<I", cflag << 29 | length)


# --------------------------------------------------------------------------- RecordIO-protobuf bytes


def test_tiny_dense_record_is_byte_exact() -> None:
    # Record{features{"values": Float32Tensor{values [1, 2]}}, label{"values": Float32Tensor{values [1]}}}
    tensor_12 = bytes.fromhex("0a08") + struct.pack("<2f", 1.0, 2.0)  # values: field 1, LEN 8, packed
    value_12 = bytes.fromhex("120a") + tensor_12  # Value.float32_tensor: field 2, LEN 10
    features = bytes.fromhex("0a16") + b"\x0a\x06values" + bytes.fromhex("120c") + value_12  # map entry
    tensor_1 = bytes.fromhex("0a04") + struct.pack("<f", 1.0)
    label = (
        bytes.fromhex("1212") + b"\x0a\x06values" + bytes.fromhex("1208") + bytes.fromhex("1206") + tensor_1
    )
    payload = features + label
    assert len(payload) == 44  # a multiple of 4: no padding
    expected = header(0, 44) + payload
    # The same bytes as the sagemaker SDK's write_numpy_to_dense_tensor (checked against it once).
    assert expected.hex() == (
        "0a23d7ce2c0000000a160a0676616c756573120c120a0a080000803f00000040"
        "12120a0676616c756573120812060a040000803f"
    )

    written = write_recordio_protobuf(np.array([[1.0, 2.0]], np.float32), np.array([1.0], np.float32))

    assert written == expected
    features_read, labels_read = read_recordio_protobuf(expected)
    assert features_read.dtype == np.float32 and features_read.tolist() == [[1.0, 2.0]]
    assert labels_read is not None and labels_read.tolist() == [1.0]


def test_tiny_sparse_record_is_byte_exact_and_padded() -> None:
    # One row [0, 3.5, 0]: values [3.5], keys [1], shape [3]; 26-byte payload padded to 28.
    tensor = (
        bytes.fromhex("0a04") + struct.pack("<f", 3.5) + bytes.fromhex("120101") + bytes.fromhex("1a0103")
    )
    value = bytes.fromhex("120c") + tensor
    payload = bytes.fromhex("0a18") + b"\x0a\x06values" + bytes.fromhex("120e") + value
    expected = header(0, 26) + payload + b"\x00\x00"

    written = write_recordio_protobuf(sp.csr_matrix(np.array([[0, 3.5, 0]], np.float32)))

    assert written == expected
    matrix, labels = read_recordio_protobuf(expected)
    assert sp.issparse(matrix) and matrix.shape == (1, 3) and matrix.toarray().tolist() == [[0, 3.5, 0]]
    assert labels is None


def test_integers_are_int32_tensors_with_sign_extended_varints() -> None:
    # Value.int32_tensor is field 7; -1 is a ten-byte varint.
    tensor = bytes.fromhex("0a0a") + bytes.fromhex("ff" * 9 + "01")
    payload = (
        bytes.fromhex("0a18") + b"\x0a\x06values" + bytes.fromhex("120e") + bytes.fromhex("3a0c") + tensor
    )

    written = write_recordio_protobuf(np.array([[-1]]))

    assert written == header(0, 26) + payload + b"\x00\x00"
    matrix, _ = read_recordio_protobuf(written)
    assert matrix.dtype == np.int32 and matrix.tolist() == [[-1]]


def test_integers_outside_int32_are_refused() -> None:
    with pytest.raises(ValueError, match="int32"):
        write_recordio_protobuf(np.array([[2**31]]))


# --------------------------------------------------------------------------- round trips


def test_dense_round_trip_keeps_float32_values_exact() -> None:
    rng = np.random.default_rng(7)
    features = rng.normal(size=(50, 9)).astype(np.float32)
    features[0, :4] = [np.finfo(np.float32).tiny / 3, np.finfo(np.float32).max, -0.0, np.nan]
    labels = rng.integers(0, 3, 50).astype(np.float32)

    read_features_, read_labels = read_recordio_protobuf(write_recordio_protobuf(features, labels))

    assert read_features_.dtype == np.float32
    assert read_features_.tobytes() == features.tobytes()  # bit for bit, NaN and -0.0 included
    assert read_labels is not None and read_labels.tobytes() == labels.tobytes()


@pytest.mark.parametrize("dtype", [np.float64, np.int32])
def test_dense_round_trip_keeps_other_tensor_types(dtype: type) -> None:
    features = (np.arange(12).reshape(4, 3) * 7 - 20).astype(dtype)

    read, labels = read_recordio_protobuf(write_recordio_protobuf(features))

    assert read.dtype == dtype and np.array_equal(read, features) and labels is None


def test_sparse_round_trip_with_empty_rows_and_labels() -> None:
    matrix = sp.random(30, 1000, density=0.01, random_state=3, format="csr", dtype=np.float32)
    matrix = sp.vstack([matrix, sp.csr_matrix((2, 1000), dtype=np.float32)]).tocsr()  # two empty rows
    labels = np.arange(32, dtype=np.float64)

    read, read_labels = read_recordio_protobuf(write_recordio_protobuf(matrix, labels))

    assert sp.issparse(read) and read.shape == (32, 1000) and read.dtype == np.float32
    assert (read != matrix).nnz == 0
    assert read_labels is not None and read_labels.dtype == np.float64 and np.array_equal(read_labels, labels)


def test_multi_record_files_stream_and_batch(tmp_path) -> None:
    first = np.arange(6, dtype=np.float32).reshape(3, 2)
    second = np.arange(6, 14, dtype=np.float32).reshape(4, 2)
    path = tmp_path / "train.pbr"
    path.write_bytes(
        write_recordio_protobuf(first, np.zeros(3)) + write_recordio_protobuf(second, np.ones(4))
    )

    with path.open("rb") as stream:
        records = list(iter_records(stream))
    with path.open("rb") as stream:
        batches = list(iter_recordio_protobuf_batches(stream, batch_size=3))

    assert len(records) == 7 and records[4].features["values"].values.tolist() == [8.0, 9.0]
    assert [batch.shape[0] for batch, _ in batches] == [3, 3, 1]
    assert np.array_equal(np.vstack([batch for batch, _ in batches]), np.vstack([first, second]))
    assert np.concatenate([labels for _, labels in batches]).tolist() == [0, 0, 0, 1, 1, 1, 1]


def test_multi_value_labels_read_as_a_matrix() -> None:
    labels = np.array([[1, 2], [3, 4]], dtype=np.float32)

    _, read = read_recordio_protobuf(write_recordio_protobuf(np.zeros((2, 1), np.float32), labels))

    assert read is not None and read.tolist() == [[1, 2], [3, 4]]


def test_empty_data_has_no_rows() -> None:
    matrix, labels = read_recordio_protobuf(b"")
    assert matrix.shape == (0, 0) and labels is None


# --------------------------------------------------------------------------- continuation flags


def test_a_record_containing_the_magic_is_split_into_parts() -> None:
    magic_float = np.frombuffer(MAGIC, "<f4")[0]  # the float32 whose bytes are the magic number
    features = np.array([[magic_float, 1.0]], np.float32)

    written = write_recordio_protobuf(features)

    # The values start at payload offset 16, so the writer cuts there, dropping the magic: part
    # one holds 16 bytes (cflag 1), part two the rest (cflag 3).
    payload = encode_record(Record(features={"values": Tensor(features[0])}))
    assert payload[16:20] == MAGIC
    assert written == header(1, 16) + payload[:16] + header(3, len(payload) - 20) + payload[20:]
    read, _ = read_recordio_protobuf(written)
    assert read.tobytes() == features.tobytes()


def test_reading_joins_first_middle_and_last_parts() -> None:
    payload = b"abcd" + MAGIC + b"efghijkl" + MAGIC + b"xyz"
    framed = frame_recordio(payload)
    expected = header(1, 4) + b"abcd" + header(2, 8) + b"efghijkl" + header(3, 3) + b"xyz\x00"
    assert framed == expected

    stream = header(0, 1) + b"A\x00\x00\x00" + framed + header(0, 0)
    assert list(iter_recordio(stream)) == [b"A", payload, b""]


def test_a_magic_number_not_on_a_word_boundary_is_left_alone() -> None:
    payload = b"ab" + MAGIC + b"cd"
    assert frame_recordio(payload) == header(0, 8) + payload


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        (b"\x00" * 8, "byte 0: expected the RecordIO magic number"),
        (header(0, 4)[:6], "byte 0: the RecordIO data ends inside a record header"),
        (header(0, 8) + b"1234", "byte 0: the RecordIO data ends inside a record of 8 bytes"),
        (header(0, 0) + header(3, 0), "byte 8: unexpected RecordIO continuation flag 3"),
        (header(1, 0) + header(0, 0), "byte 8: unexpected RecordIO continuation flag 0"),
        (header(1, 4) + b"abcd", "byte 12: the RecordIO data ends inside a record split into parts"),
    ],
)
def test_broken_framing_is_reported_with_its_offset(stream: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        list(iter_recordio(stream))


# --------------------------------------------------------------------------- protobuf decoding


def test_unpacked_repeated_fields_and_unknown_fields_decode() -> None:
    # Float32Tensor with values as separate fixed32 fields, keys and shape as separate varints,
    # and an unknown field 15 (varint) that must be skipped.
    tensor = (
        b"\x0d" + struct.pack("<f", 0.5) + b"\x0d" + struct.pack("<f", -2.0)
        + b"\x10\x02" + b"\x10\x05"
        + b"\x18\x06"
        + b"\x78\x01"
    )  # fmt: skip
    value = b"\x12" + bytes([len(tensor)]) + tensor
    entry = b"\x0a\x06values" + b"\x12" + bytes([len(value)]) + value
    payload = b"\x0a" + bytes([len(entry)]) + entry + b"\x1a\x03r-1"

    record = decode_record(payload)

    tensor_read = record.features["values"]
    assert isinstance(tensor_read, Tensor)
    assert tensor_read.values.tolist() == [0.5, -2.0] and tensor_read.keys.tolist() == [2, 5]
    assert tensor_read.shape == (6,) and record.uid == "r-1"
    matrix, _ = read_recordio_protobuf(frame_recordio(payload))
    assert matrix.toarray().tolist() == [[0, 0, 0.5, 0, 0, -2.0]]


def test_every_record_field_round_trips() -> None:
    record = Record(
        features={
            "values": Tensor(np.array([1.5, -2.0]), np.array([3, 9]), (10,)),
            "image": BytesValue([b"\x89PNG", b""], "image/png"),
        },
        label={"values": Tensor(np.array([-7, 2**31 - 1], np.int32))},
        uid="id-1",
        metadata='{"source": "test"}',
        configuration='{"top_k": 3}',
    )

    back = decode_record(encode_record(record))

    features = back.features["values"]
    assert isinstance(features, Tensor) and features.values.dtype == np.float64
    assert (
        features.values.tolist() == [1.5, -2.0]
        and features.keys.tolist() == [3, 9]
        and features.shape == (10,)
    )
    image = back.features["image"]
    assert (
        isinstance(image, BytesValue)
        and image.values == [b"\x89PNG", b""]
        and image.content_type == "image/png"
    )
    label = back.label["values"]
    assert (
        isinstance(label, Tensor)
        and label.values.dtype == np.int32
        and label.values.tolist() == [-7, 2**31 - 1]
    )
    assert (back.uid, back.metadata, back.configuration) == ("id-1", '{"source": "test"}', '{"top_k": 3}')


@pytest.mark.parametrize("repeat", [1, 20])  # short and long packed fields take different paths
def test_varints_round_trip_across_their_range(repeat: int) -> None:
    keys = np.array([0, 1, 127, 128, 300, 2**32, 2**63, 2**64 - 1] * repeat, dtype=np.uint64)
    values = np.array([0, -1, 1, 2**31 - 1, -(2**31), 127, -128, 5] * repeat, dtype=np.int32)
    record = Record(features={"values": Tensor(values, keys, (2**64 - 1,))})

    back = decode_record(encode_record(record)).features["values"]

    assert isinstance(back, Tensor)
    assert back.keys.tolist() == keys.tolist() and back.values.tolist() == values.tolist()
    assert back.shape == (2**64 - 1,)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\x0a\x05\x0a\x01", "record 1: protobuf field 1 runs past the end"),
        (b"\x0a\x02\x0a\x00", "record 1: map entry '' has no value"),
        (b"\x08\x01", "record 1: protobuf field 1 should be length-delimited"),
        (b"\x0a\x04\x12\x02\x12\x00", "record 1: no 'values' feature tensor"),
        (b"\x0a", "record 1: truncated varint"),
    ],
)
def test_malformed_records_are_reported(payload: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_recordio_protobuf(frame_recordio(payload))


def test_rows_of_different_widths_name_the_records() -> None:
    data = write_recordio_protobuf(np.zeros((2, 3), np.float32)) + write_recordio_protobuf(
        np.zeros((1, 4), np.float32)
    )
    with pytest.raises(ValueError, match="record 3 has 4 features; record 1 has 3"):
        read_recordio_protobuf(data)


def test_labels_on_some_records_only_are_reported() -> None:
    data = write_recordio_protobuf(np.zeros((2, 1), np.float32), np.zeros(2)) + write_recordio_protobuf(
        np.zeros((1, 1), np.float32)
    )
    with pytest.raises(ValueError, match="record 3: has no label, but record 1 has one"):
        read_recordio_protobuf(data)


def test_sparse_keys_outside_the_shape_are_reported() -> None:
    data = write_records([Record(features={"values": Tensor(np.ones(1, np.float32), np.array([5]), (3,))})])
    with pytest.raises(ValueError, match=r"record 1: key 5 is outside shape \[3\]"):
        read_recordio_protobuf(data)


# --------------------------------------------------------------------------- inference responses


def test_recordio_response_holds_float32_label_tensors() -> None:
    body = write_recordio_protobuf_response(
        [{"predicted_label": 1, "score": 0.75}, {"predicted_label": 0, "score": np.array([0.1, 0.9])}]
    )

    records = list(iter_records(body))

    assert [record.features for record in records] == [{}, {}]
    labels = [{name: value.values for name, value in record.label.items()} for record in records]
    assert all(values.dtype == np.float32 for row in labels for values in row.values())
    assert labels[0]["predicted_label"].tolist() == [1.0] and labels[0]["score"].tolist() == [0.75]
    assert labels[1]["score"].tolist() == np.array([0.1, 0.9], np.float32).tolist()


def test_recordio_response_refuses_text() -> None:
    with pytest.raises(ValueError, match="prediction 1, 'label': 'cat' is not numeric"):
        write_recordio_protobuf_response([{"label": "cat"}])


# --------------------------------------------------------------------------- CSV


def test_csv_training_takes_the_label_from_the_first_column() -> None:
    features, labels = read_csv_training(b"1,0.5,2\r\n0,1.5,-3e2\r\n")

    assert labels.tolist() == [1.0, 0.0]
    assert features.tolist() == [[0.5, 2.0], [1.5, -300.0]]


def test_csv_handles_a_bom_blank_lines_and_a_missing_trailing_newline() -> None:
    features, labels = read_csv_training("\ufeff1,2\n\n3,4".encode())
    assert labels.tolist() == [1.0, 3.0] and features.tolist() == [[2.0], [4.0]]


def test_csv_empty_features_are_missing_values() -> None:
    features = read_csv_features(b"1,,3\n4,5,\n")
    assert np.isnan(features[0, 1]) and np.isnan(features[1, 2]) and features[1, 1] == 5


def test_csv_inference_takes_every_column() -> None:
    assert read_csv_features("1.5,16.0,14,23.0\n").tolist() == [[1.5, 16.0, 14.0, 23.0]]
    assert read_csv_features(b"").shape == (0, 0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"1,2\n3,4\n5,abc\n", "row 3, column 2: 'abc' is not a number"),
        (b"1,2\r\n3,1_0\r\n", "row 2, column 2: '1_0' is not a number"),
        (b"1,2,3\n4,5\n", "row 2 has 2 columns; row 1 has 3"),
        (b"1,2\n,5\n", "row 2, column 1: the label is empty"),
        (b"1\n2\n", "need a label and at least one feature"),
        (b"\xff\xfe1,2", "not UTF-8 text"),
    ],
)
def test_csv_errors_name_the_row_and_column(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_csv_training(data)


def test_csv_label_size_other_than_one_is_refused() -> None:
    assert read_csv_training(b"1,2\n", label_size=1)[1].tolist() == [1.0]
    with pytest.raises(ValueError, match="label_size=2 is not supported"):
        read_csv_training(b"1,2,3\n", label_size=2)


# --------------------------------------------------------------------------- LibSVM


def test_libsvm_reads_indices_as_given() -> None:
    matrix, labels = read_libsvm(b"1 1:0.5 3:2\n0 2:-1.5  # a comment\n\n1\n")

    assert labels.tolist() == [1.0, 0.0, 1.0]
    assert matrix.shape == (3, 4)  # 1-based data: column 0 stays empty, as in XGBoost
    assert matrix.toarray().tolist() == [[0, 0.5, 0, 2], [0, 0, -1.5, 0], [0, 0, 0, 0]]


def test_libsvm_zero_based_indices_and_a_fixed_width() -> None:
    matrix, _ = read_libsvm("0 0:1 1:2\r\n1 1:3\r\n", n_features=5)
    assert matrix.shape == (2, 5) and matrix.toarray()[:, :2].tolist() == [[1, 2], [0, 3]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"1 1:2\n0 2:abc\n", "line 2: 'abc' in '2:abc' is not a number"),
        (b"x 1:2\n", "line 1: 'x' in 'x' is not a number"),
        (b"1 1:2\n\n1 a:2\n", "line 3: 'a' in 'a:2' is not a feature index"),
        (b"1 -1:2\n", "line 1: '-1' in '-1:2' is not a feature index"),
        (b"1 5\n", "line 1: '5' is not an index:value pair"),
        (b"1:0.5 1:2\n", "line 1: expected the label first, found '1:0.5'"),
        (b"1 qid:3 1:2\n", "line 1: 'qid' in 'qid:3' is not a feature index"),
    ],
)
def test_libsvm_errors_name_the_line(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_libsvm(data)


def test_libsvm_index_beyond_n_features_is_reported() -> None:
    with pytest.raises(ValueError, match="line 2: feature index 4 is out of range for 4 features"):
        read_libsvm(b"1 0:1\n0 4:1\n", n_features=4)


# --------------------------------------------------------------------------- JSON and JSON Lines


@pytest.mark.parametrize(
    "body",
    [
        {"instances": [{"features": [1.5, 16.0]}, {"features": [-2, 3]}]},
        {"instances": [[1.5, 16.0], [-2, 3]]},
        {"instances": [{"data": {"features": {"values": [1.5, 16.0]}}}, {"data": {"features": [-2, 3]}}]},
    ],
)
def test_json_request_variants(body: dict) -> None:
    features = read_json_features(json.dumps(body).encode(), "application/json")
    assert features.tolist() == [[1.5, 16.0], [-2.0, 3.0]]


def test_json_lines_request_variants() -> None:
    body = b'{"features": [1.5, 16.0]}\n[-2, 3]\n\n{"data": {"features": {"values": [0, 1]}}}\n'
    features = read_json_features(body, "application/jsonlines")
    assert features.tolist() == [[1.5, 16.0], [-2.0, 3.0], [0.0, 1.0]]


def test_json_sparse_instances_give_csr() -> None:
    body = {
        "instances": [
            {"data": {"features": {"keys": [1, 3], "shape": [5], "values": [2, 4]}}},
            [1, 0, 0, 0, 0],
        ]
    }

    features = read_json_features(json.dumps(body), "application/json; charset=utf-8")

    assert sp.issparse(features) and features.toarray().tolist() == [[0, 2, 0, 4, 0], [1, 0, 0, 0, 0]]


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b'{"instances": [[1, "abc"]]}', "application/json", 'instance 1, feature 2: "abc" is not a number'),
        (b'{"instances": [[1, true]]}', "application/json", "instance 1, feature 2: true is not a number"),
        (b'{"instances": [[1, 2], [3]]}', "application/json", "instance 2 has 1 features; instance 1 has 2"),
        (b'{"rows": [[1]]}', "application/json", 'a JSON request is {"instances": \\[...\\]}'),
        (b'{"instances": [{"x": 1}]}', "application/json", "instance 1: an instance is a list of numbers"),
        (b'{"instances": []}', "application/json", "the request has no instances"),
        (b"[1, 2]\n\n{oops\n", "application/jsonlines", "line 3: not valid JSON"),
        (b"[1, 2]\n[1, 2, 3]\n", "application/jsonlines", "line 2 has 3 features; line 1 has 2"),
        (
            b'{"instances": [{"features": {"keys": [7], "values": [1], "shape": [3]}}]}',
            "application/json",
            r"instance 1: key 7 is outside shape \[3\]",
        ),
    ],
)
def test_json_errors_name_the_instance(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_json_features(body, content_type)


def test_read_features_dispatches_on_content_type() -> None:
    expected = [[1.0, 2.0]]
    assert read_features(b"1,2\n", "text/csv").tolist() == expected
    assert read_features(b'{"instances": [[1, 2]]}', "application/json").tolist() == expected
    assert read_features(b"[1, 2]\n", "application/jsonlines").tolist() == expected
    assert (
        read_features(write_recordio_protobuf(np.array(expected)), "application/x-recordio-protobuf").tolist()
        == expected
    )
    assert read_features(b"0 0:1 1:2\n", "text/x-libsvm").toarray().tolist() == expected
    with pytest.raises(UnsupportedContentTypeError, match="'image/png' is not supported"):
        read_features(b"", "image/png")
    with pytest.raises(ValueError, match="the request body has no records"):
        read_features(b"\n", "text/csv")


# --------------------------------------------------------------------------- responses


PREDICTIONS = [
    {"score": np.float32(0.1), "predicted_label": np.int64(0)},
    {"score": np.array([0.25, 0.75], np.float32), "predicted_label": 1},
]


def test_json_response() -> None:
    body, content_type = write_predictions(PREDICTIONS, "application/json")

    assert content_type == "application/json"
    assert (
        body
        == b'{"predictions": [{"score": 0.1, "predicted_label": 0}, {"score": [0.25, 0.75], "predicted_label": 1}]}'
    )


def test_json_lines_response() -> None:
    body, content_type = write_predictions(PREDICTIONS, "application/jsonlines")

    assert content_type == "application/jsonlines"
    assert body.decode().splitlines() == [
        '{"score": 0.1, "predicted_label": 0}',
        '{"score": [0.25, 0.75], "predicted_label": 1}',
    ]


def test_csv_response_in_the_callers_key_order() -> None:
    body, content_type = write_predictions(PREDICTIONS, "text/csv", keys=["predicted_label", "score"])

    assert content_type == "text/csv"
    assert body == b"0,0.1\n1,0.25,0.75\n"


def test_csv_response_needs_every_key() -> None:
    with pytest.raises(ValueError, match="prediction 2 has no 'score'"):
        write_predictions([{"score": 1.0}, {"predicted_label": 1}], "text/csv")


def test_recordio_response_through_write_predictions() -> None:
    body, content_type = write_predictions(PREDICTIONS, "application/x-recordio-protobuf")

    assert content_type == formats.RECORDIO_PROTOBUF
    assert body == write_recordio_protobuf_response(PREDICTIONS)


def test_unsupported_accept_type() -> None:
    with pytest.raises(UnsupportedContentTypeError, match="accept type 'text/html' is not supported"):
        write_predictions(PREDICTIONS, "text/html")


def test_parse_content_type() -> None:
    assert formats.parse_content_type('Text/CSV; label_size=1; charset="utf-8"') == (
        "text/csv",
        {"label_size": "1", "charset": "utf-8"},
    )


def test_streams_are_read_incrementally() -> None:
    class Trickle(io.RawIOBase):
        """A pipe that hands out at most 3 bytes per read."""

        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            count = 3 if size < 0 else min(3, size)
            chunk, self.data = self.data[:count], self.data[count:]
            return chunk

    data = write_recordio_protobuf(np.arange(10, dtype=np.float32).reshape(5, 2))
    assert [r.features["values"].values.tolist() for r in iter_records(Trickle(data))][-1] == [8.0, 9.0]
