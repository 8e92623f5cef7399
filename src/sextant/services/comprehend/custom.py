"""Comprehend custom models: document classifiers, entity recognizers and their endpoints.

Training is a background job (`services/jobs.py`) with Comprehend's ModelStatus names
(SUBMITTED → TRAINING → TRAINED / IN_ERROR, STOP_REQUESTED → STOPPED). Classifiers are MiniLM
embeddings + logistic regression (`engines/nlp/classifier.py`), recognizers en_core_web_sm's NER
fine-tuned on the user's types (`engines/nlp/recognizer.py`). Artefacts live in the server home
(`jobs/comprehend-<kind>/<account>-<region>-<name>`) in safe formats (npz/JSON, spaCy's to_disk).
Evaluation uses TestS3Uri (or a TEST augmented manifest) when given, else a seeded 10% held-out
split. Entity recognizers read COMPREHEND_CSV input (annotations or an entity list) or Ground Truth
named-entity manifests (plain text only).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import random
import shutil
import tarfile
import threading
import time
import uuid
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator

from ...engines.nlp import classifier as classifier_engine
from ...engines.nlp import recognizer as recognizer_engine
from ...errors import ServiceError
from ...platform import Platform
from ...store import Resource
from ...store.db import AlreadyExists
from .. import jobs
from ..context import Context
from ..paging import page_answer

CLASSIFIER, RECOGNIZER, ENDPOINT = "comprehend:document-classifier", "comprehend:entity-recognizer", \
    "comprehend:endpoint"
LANGUAGES = ("en", "es", "fr", "it", "de", "pt")  # the languages AWS trains custom models for
TEST_FRACTION = 0.1
MAX_CLASSIFY_BYTES = 10_000
MAX_DETECT_BYTES = 100_000


def _model_kind(type_: str) -> jobs.JobKind:
    return jobs.JobKind(type_, "Status", "TRAINING", "TRAINED", "IN_ERROR", "Message", "EndTime",
                        "STOP_REQUESTED", "STOPPED")


CLASSIFIER_KIND, RECOGNIZER_KIND = _model_kind(CLASSIFIER), _model_kind(RECOGNIZER)
ENDPOINT_CREATING = jobs.JobKind(ENDPOINT, "Status", "CREATING", "IN_SERVICE", "FAILED", "Message", None)
ENDPOINT_UPDATING = jobs.JobKind(ENDPOINT, "Status", "UPDATING", "IN_SERVICE", "FAILED", "Message", None)


# --- shared helpers (jobs.py uses them too) ---------------------------------------------------

def arn_name(arn: str, prefix: str) -> str | None:
    """The resource name in `arn:aws:comprehend:<region>:<account>:<prefix>/<name>`, or None."""
    head, _, name = arn.partition(f":{prefix}/")
    return name if head.startswith("arn:") and name else None


def by_arn(context: Context, type_: str, prefix: str, arn: str, field: str) -> Resource:
    name = arn_name(arn, prefix)
    resource = context.store.resources.get(context.account, context.region, type_, name) if name else None
    if resource is None:
        raise ServiceError("ResourceNotFoundException", f"{field}: {arn} does not exist")
    return resource


def listing(context: Context, type_: str, params: dict[str, Any], name_field: str, status_field: str,
            time_field: str, list_field: str, view: Callable[[Resource], dict[str, Any]],
            single_filter: bool = True, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """A List* answer: Filter (name, status, <time>Before/After), oldest first, NextToken paging.

    With `single_filter`, as for Comprehend's models, a filter may name one thing only (a time range counts once).
    `extra` names more filter members that must equal the document's.
    """
    wanted = {k: v for k, v in (params.get("Filter") or {}).items() if v is not None}
    time_name = time_field.removesuffix("Time")
    if single_filter and len({"time" if k.startswith(time_name) else k for k in wanted}) > 1:
        raise ServiceError("InvalidFilterException", "Filter: specify only one filtering parameter")
    items = []
    for resource in context.store.resources.list(type_, context.account, context.region):
        document = resource.document
        if name_field in wanted and document.get(name_field, document.get("_name")) != wanted[name_field]:
            continue
        if any(member in wanted and document.get(member) != wanted[member] for member in (status_field, *extra)):
            continue
        stamp = document.get(time_field, 0)
        before, after = wanted.get(f"{time_name}TimeBefore"), wanted.get(f"{time_name}TimeAfter")
        if before is not None and not stamp < _epoch(before):
            continue
        if after is not None and not stamp > _epoch(after):
            continue
        items.append(resource)
    return page_answer(items, params, list_field, 100, "InvalidRequestException", view)


def _epoch(value: Any) -> float:
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def public(document: dict[str, Any]) -> dict[str, Any]:
    """A stored document without Sextant's private keys (those starting with `_`)."""
    return {k: v for k, v in document.items() if not k.startswith("_")}


def folder(platform: Platform, resource: Resource) -> Path:
    kind = resource.type.split(":", 1)[1]
    safe = f"{resource.account}-{resource.region}-{resource.name.replace('/', '-')}"
    return platform.job_folder(f"comprehend-{kind}", safe)


def write_tar(members: dict[str, bytes]) -> bytes:
    """A gzipped tar archive of the given members (name → bytes)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(time.time())
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _check_language(code: str) -> None:
    if code not in LANGUAGES:
        raise ServiceError("UnsupportedLanguageException",
                           f"LanguageCode: custom models support {', '.join(LANGUAGES)}, not {code}")


def _model_arn(context: Context, prefix: str, name: str, version: str | None) -> tuple[str, str]:
    key = f"{name}/version/{version}" if version else name
    return key, f"arn:aws:comprehend:{context.region}:{context.account}:{prefix}/{key}"


def _create(context: Context, type_: str, arn: str, key: str, document: dict[str, Any]) -> Resource:
    resource = Resource(context.account, context.region, type_, key, arn, "SUBMITTED", document)
    try:
        return context.store.resources.create(resource)
    except AlreadyExists:
        raise ServiceError("ResourceInUseException", f"{arn} already exists") from None


def _train(context: Context, kind: jobs.JobKind, resource: Resource,
           train: Callable[[Callable[[], bool]], dict[str, Any]]) -> None:
    def work(stop: Callable[[], bool]) -> dict[str, Any]:
        started = time.time()
        jobs.update_document(context.store, resource, lambda d: d.__setitem__("TrainingStartTime", started))
        try:
            result = train(stop)
        except InterruptedError:
            return {"TrainingEndTime": time.time()}
        except ValueError as exc:
            raise jobs.JobFailed(str(exc)) from None
        return {**result, "TrainingEndTime": time.time()}

    jobs.run(context.platform, kind, resource, work)


def _text_lines(data: bytes, field: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise jobs.JobFailed(f"{field}: the input is not UTF-8 text") from None


def _split(items: list, seed: str) -> tuple[list, list]:
    """A seeded (TEST_FRACTION) held-out split: (train, test)."""
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    cut = max(1, round(len(items) * TEST_FRACTION)) if len(items) >= 10 else 0
    test = set(order[:cut])
    return [x for i, x in enumerate(items) if i not in test], [x for i, x in enumerate(items) if i in test]


# --- document classifiers ---------------------------------------------------------------------

def _read_csv_labels(context: Context, uri: str, field: str, delimiter: str | None) -> list[tuple[str, list[str]]]:
    rows = []
    for key, data in jobs.input_objects(context.store, uri, field):
        for number, row in enumerate(csv.reader(io.StringIO(_text_lines(data, field)))):
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(row) < 2:
                raise jobs.JobFailed(f"{field}: line {number + 1} of {key} is not `label,text`")
            labels = row[0].split(delimiter) if delimiter else [row[0]]
            labels = [label.strip() for label in labels if label.strip()]
            rows.append((",".join(row[1:]), labels))
    return rows


def _manifest_records(context: Context, item: dict[str, Any], model: str
                      ) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, attribute name, record) of each line of an augmented manifest with exactly one attribute."""
    names = item.get("AttributeNames") or []
    if len(names) != 1:
        raise jobs.JobFailed(f"AugmentedManifests.AttributeNames: {model} needs exactly one attribute")
    for key, data in jobs.input_objects(context.store, item["S3Uri"], "AugmentedManifests.S3Uri"):
        for number, line in enumerate(_text_lines(data, "AugmentedManifests.S3Uri").splitlines()):
            if line.strip():
                where = f"line {number + 1} of {key}"
                try:
                    record = json.loads(line)
                except ValueError:
                    raise jobs.JobFailed(f"AugmentedManifests: {where} is not JSON") from None
                yield where, names[0], record


def _read_manifest_labels(context: Context, item: dict[str, Any], multi_label: bool) -> list[tuple[str, list[str]]]:
    rows = []
    for where, name, record in _manifest_records(context, item, "a document classifier"):
        try:
            text, value = record["source"], record[name]
        except (KeyError, TypeError):
            raise jobs.JobFailed(f"AugmentedManifests: {where} needs `source` and `{name}`") from None
        metadata = record.get(f"{name}-metadata") or {}
        if "class-map" in metadata and isinstance(value, list):  # Ground Truth multi-label
            labels = [metadata["class-map"][str(v)] for v in value]
        elif "class-name" in metadata:  # Ground Truth multi-class
            labels = [metadata["class-name"]]
        else:
            labels = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        rows.append((text, labels))
    return rows


def _classifier_data(context: Context, config: dict[str, Any], multi_label: bool
                     ) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]] | None]:
    """(train rows, test rows or None for a held-out split) of (text, labels)."""
    delimiter = (config.get("LabelDelimiter") or "|") if multi_label else None
    if config.get("DataFormat", "COMPREHEND_CSV") == "COMPREHEND_CSV":
        train = _read_csv_labels(context, config["S3Uri"], "InputDataConfig.S3Uri", delimiter)
        test = _read_csv_labels(context, config["TestS3Uri"], "InputDataConfig.TestS3Uri", delimiter) \
            if config.get("TestS3Uri") else None
        return train, test
    train, test = [], []
    for item in config["AugmentedManifests"]:
        (test if item.get("Split") == "TEST" else train).extend(_read_manifest_labels(context, item, multi_label))
    return train, test or None


def create_document_classifier(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    _check_language(params["LanguageCode"])
    config = params["InputDataConfig"]
    mode = params.get("Mode", "MULTI_CLASS")
    data_format = config.get("DataFormat", "COMPREHEND_CSV")
    if data_format == "COMPREHEND_CSV" and not config.get("S3Uri"):
        raise ServiceError("InvalidRequestException", "InputDataConfig.S3Uri is required for COMPREHEND_CSV")
    if data_format == "AUGMENTED_MANIFEST" and not config.get("AugmentedManifests"):
        raise ServiceError("InvalidRequestException",
                           "InputDataConfig.AugmentedManifests is required for AUGMENTED_MANIFEST")
    if config.get("LabelDelimiter") and mode != "MULTI_LABEL":
        raise ServiceError("InvalidRequestException", "InputDataConfig.LabelDelimiter applies only to MULTI_LABEL")
    key, arn = _model_arn(context, "document-classifier", params["DocumentClassifierName"], params.get("VersionName"))
    document = {"DocumentClassifierArn": arn, "LanguageCode": params["LanguageCode"], "Status": "SUBMITTED",
                "SubmitTime": time.time(), "InputDataConfig": config, "DataAccessRoleArn": params["DataAccessRoleArn"],
                "Mode": mode, "_name": params["DocumentClassifierName"]}
    for member in ("OutputDataConfig", "VersionName", "VolumeKmsKeyId", "ModelKmsKeyId", "VpcConfig"):
        if params.get(member):
            document[member] = params[member]
    resource = _create(context, CLASSIFIER, arn, key, document)
    multi_label = mode == "MULTI_LABEL"

    def train(stop: Callable[[], bool]) -> dict[str, Any]:
        rows, test = _classifier_data(context, config, multi_label)
        if test is None:
            rows, test = _split(rows, arn)
        if not rows:
            raise jobs.JobFailed("InputDataConfig: no training documents were found")
        if not multi_label and any(len(labels) != 1 for _, labels in rows):
            raise jobs.JobFailed("InputDataConfig: MULTI_CLASS documents need exactly one label each "
                                 "(use Mode MULTI_LABEL for several)")
        model = classifier_engine.DocumentClassifier(multi_label=multi_label)
        model.fit([t for t, _ in rows], [labels for _, labels in rows], stop)
        predicted = model.predict([t for t, _ in test]) if test else []
        metrics = classifier_engine.evaluate(model.labels, [labels for _, labels in test], predicted, multi_label) \
            if test else {}
        model.save(folder(context.platform, resource))
        result: dict[str, Any] = {"ClassifierMetadata": {
            "NumberOfLabels": len(model.labels), "NumberOfTrainedDocuments": len(rows),
            "NumberOfTestDocuments": len(test), "EvaluationMetrics": {k: round(v, 4) for k, v in metrics.items()}}}
        if params.get("OutputDataConfig", {}).get("S3Uri"):
            result["OutputDataConfig"] = dict(params["OutputDataConfig"], S3Uri=_write_confusion(
                context, params["OutputDataConfig"]["S3Uri"], model.labels, test, predicted, multi_label))
        return result

    _train(context, CLASSIFIER_KIND, resource, train)
    return {"DocumentClassifierArn": arn}


def _write_confusion(context: Context, prefix: str, labels: list[str], test: list, predicted: list,
                     multi_label: bool) -> str:
    """output.tar.gz with confusion_matrix.json at <prefix>/<account>-CLR-<id>/output/; its full URI."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for (_, truth), guess in zip(test, predicted):
        for t in truth:
            for g in guess or []:
                if t in index and g in index:
                    matrix[index[t]][index[g]] += 1
    body = json.dumps({"type": "multi_label" if multi_label else "multi_class", "confusion_matrix": matrix,
                       "labels": labels}).encode()
    uri = f"{prefix.rstrip('/')}/{context.account}-CLR-{uuid.uuid4().hex}/output/output.tar.gz"
    jobs.write_object(context.store, uri, write_tar({"confusion_matrix.json": body}), "application/gzip")
    return uri


def _classifier_view(resource: Resource) -> dict[str, Any]:
    return public(resource.document)


def describe_document_classifier(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = by_arn(context, CLASSIFIER, "document-classifier", params["DocumentClassifierArn"],
                      "DocumentClassifierArn")
    return {"DocumentClassifierProperties": _classifier_view(resource)}


def list_document_classifiers(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return listing(context, CLASSIFIER, params, "DocumentClassifierName", "Status", "SubmitTime",
                   "DocumentClassifierPropertiesList", _classifier_view)


def _stop_training(context: Context, kind: jobs.JobKind, resource: Resource) -> dict[str, Any]:
    if resource.document.get("Status") in ("SUBMITTED", "TRAINING"):
        jobs.request_stop(context.platform, kind, resource)
    return {}


def stop_training_document_classifier(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = by_arn(context, CLASSIFIER, "document-classifier", params["DocumentClassifierArn"],
                      "DocumentClassifierArn")
    return _stop_training(context, CLASSIFIER_KIND, resource)


def _delete_model(context: Context, resource: Resource) -> dict[str, Any]:
    if resource.document.get("Status") in ("SUBMITTED", "TRAINING", "STOP_REQUESTED"):
        raise ServiceError("ResourceInUseException", f"{resource.arn} is training; stop it first")
    for endpoint in context.store.resources.list(ENDPOINT, context.account, context.region):
        if resource.arn in (endpoint.document.get("ModelArn"), endpoint.document.get("DesiredModelArn")):
            raise ServiceError("ResourceInUseException", f"{resource.arn} is used by endpoint {endpoint.arn}")
    context.store.resources.delete(resource)
    shutil.rmtree(folder(context.platform, resource), ignore_errors=True)
    _cached.cache_clear()
    return {}


def delete_document_classifier(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _delete_model(context, by_arn(context, CLASSIFIER, "document-classifier",
                                         params["DocumentClassifierArn"], "DocumentClassifierArn"))


def _summaries(context: Context, type_: str, name_member: str, list_field: str,
               params: dict[str, Any]) -> dict[str, Any]:
    """One summary per model name: how many versions, and the latest one."""
    groups: dict[str, list[Resource]] = {}
    for resource in context.store.resources.list(type_, context.account, context.region):
        groups.setdefault(resource.document["_name"], []).append(resource)
    items = []
    for name, versions in sorted(groups.items()):
        latest = max(versions, key=lambda r: r.document["SubmitTime"])
        summary = {name_member: name, "NumberOfVersions": len(versions),
                   "LatestVersionCreatedAt": latest.document["SubmitTime"],
                   "LatestVersionStatus": latest.document["Status"]}
        if latest.document.get("VersionName"):
            summary["LatestVersionName"] = latest.document["VersionName"]
        items.append(summary)
    return page_answer(items, params, list_field, 100, "InvalidRequestException")


def list_document_classifier_summaries(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _summaries(context, CLASSIFIER, "DocumentClassifierName", "DocumentClassifierSummariesList", params)


def list_entity_recognizer_summaries(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _summaries(context, RECOGNIZER, "RecognizerName", "EntityRecognizerSummariesList", params)


# --- entity recognizers -----------------------------------------------------------------------

def _read_documents(context: Context, uri: str, field: str, input_format: str) -> dict[tuple[str, int], str]:
    """Documents by (file name, line): every line of every object, or each whole object as line 0."""
    documents = {}
    for key, data in jobs.input_objects(context.store, uri, field):
        name, text = PurePosixPath(key).name, _text_lines(data, field)
        if input_format == "ONE_DOC_PER_FILE":
            documents[(name, 0)] = text
        else:
            for number, line in enumerate(text.split("\n")):
                if line.strip():
                    documents[(name, number)] = line.rstrip("\r")
    return documents


def _read_csv_table(context: Context, uri: str, field: str, columns: list[str]) -> list[dict[str, str]]:
    rows = []
    for key, data in jobs.input_objects(context.store, uri, field):
        reader = csv.DictReader(io.StringIO(_text_lines(data, field)))
        header = [h.strip() for h in reader.fieldnames or []]
        if any(column not in header for column in columns):
            raise jobs.JobFailed(f"{field}: {key} must have the header {','.join(columns)}")
        reader.fieldnames = header
        rows.extend({k: (v or "").strip() if k != "Text" else (v or "") for k, v in row.items() if k}
                    for row in reader)
    return rows


def _annotations(rows: list[dict[str, str]], documents: dict[tuple[str, int], str],
                 types: set[str], field: str) -> dict[tuple[str, int], list[tuple[int, int, str]]]:
    found: dict[tuple[str, int], list[tuple[int, int, str]]] = {key: [] for key in documents}
    for number, row in enumerate(rows):
        try:
            key = (row["File"], int(row["Line"] or 0))
            begin, end = int(row["Begin Offset"]), int(row["End Offset"])
        except ValueError:
            raise jobs.JobFailed(f"{field}: row {number + 2} has a non-integer Line or offset") from None
        if row["Type"] not in types:
            raise jobs.JobFailed(f"{field}: row {number + 2} has type {row['Type']}, not one of EntityTypes")
        if key not in documents:
            raise jobs.JobFailed(f"{field}: row {number + 2} names {key[0]} line {key[1]}, which is not a document")
        if not 0 <= begin < end <= len(documents[key]):
            raise jobs.JobFailed(f"{field}: row {number + 2} has offsets outside its document")
        found[key].append((begin, end, row["Type"]))
    return found


def _read_manifest_entities(context: Context, item: dict[str, Any], types: set[str]
                            ) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """(text, annotations) of each line of a Ground Truth named-entity manifest."""
    rows = []
    for where, name, record in _manifest_records(context, item, "an entity recognizer"):
        try:
            text = record["source"]
            spans = [(int(e["startOffset"]), int(e["endOffset"]), e["label"])
                     for e in record[name]["annotations"]["entities"]]
        except (ValueError, KeyError, TypeError):
            raise jobs.JobFailed(f"AugmentedManifests: {where} needs `source` and "
                                 f"`{name}.annotations.entities`") from None
        if any(kind not in types or not 0 <= begin < end <= len(text) for begin, end, kind in spans):
            raise jobs.JobFailed(f"AugmentedManifests: {where} has an entity outside the text or of a type "
                                 "not in EntityTypes")
        rows.append((text, spans))
    return rows


def _recognizer_data(context: Context, config: dict[str, Any], types: list[str], test: bool
                     ) -> tuple[list[str], list[list[tuple[int, int, str]]]] | None:
    """Texts and annotations of the training (or the given test) documents; None when no test set is given."""
    if config.get("DataFormat") == "AUGMENTED_MANIFEST":
        items = [i for i in config["AugmentedManifests"] if (i.get("Split", "TRAIN") == "TEST") == test]
        if not items:
            return None
        texts, annotations = [], []
        for item in items:
            for text, spans in _read_manifest_entities(context, item, set(types)):
                texts.append(text)
                annotations.append(spans)
        return texts, annotations
    docs_config = config.get("Documents") or {}
    uri = docs_config.get("TestS3Uri") if test else docs_config.get("S3Uri")
    if uri is None:
        return None
    documents = _read_documents(context, uri, "Documents.TestS3Uri" if test else "Documents.S3Uri",
                                docs_config.get("InputFormat", "ONE_DOC_PER_LINE"))
    keys = sorted(documents)
    if config.get("Annotations"):
        field = "Annotations.TestS3Uri" if test else "Annotations.S3Uri"
        annotation_uri = config["Annotations"].get("TestS3Uri" if test else "S3Uri")
        if annotation_uri is None:
            raise jobs.JobFailed(f"{field} is required with Documents.TestS3Uri")
        rows = _read_csv_table(context, annotation_uri, field, ["File", "Line", "Begin Offset", "End Offset", "Type"])
        by_key = _annotations(rows, documents, set(types), field)
        return [documents[k] for k in keys], [by_key[k] for k in keys]
    rows = _read_csv_table(context, config["EntityList"]["S3Uri"], "EntityList.S3Uri", ["Text", "Type"])
    unknown = sorted({row["Type"] for row in rows} - set(types))
    if unknown:
        raise jobs.JobFailed(f"EntityList.S3Uri: types {', '.join(unknown)} are not in EntityTypes")
    texts = [documents[k] for k in keys]
    return texts, recognizer_engine.annotate_from_list(texts, [(row["Text"], row["Type"]) for row in rows])


def create_entity_recognizer(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    _check_language(params["LanguageCode"])
    config = params["InputDataConfig"]
    if config.get("DataFormat") == "AUGMENTED_MANIFEST":
        if not config.get("AugmentedManifests"):
            raise ServiceError("InvalidRequestException",
                               "InputDataConfig.AugmentedManifests is required for AUGMENTED_MANIFEST")
    elif not (config.get("Documents") or {}).get("S3Uri"):
        raise ServiceError("InvalidRequestException", "InputDataConfig.Documents is required for COMPREHEND_CSV")
    elif bool(config.get("Annotations")) == bool(config.get("EntityList")):
        raise ServiceError("InvalidRequestException",
                           "InputDataConfig: give exactly one of Annotations and EntityList")
    types = [item["Type"] for item in config["EntityTypes"]]
    if len(set(types)) != len(types) or not types:
        raise ServiceError("InvalidRequestException", "InputDataConfig.EntityTypes must name distinct types")
    key, arn = _model_arn(context, "entity-recognizer", params["RecognizerName"], params.get("VersionName"))
    document = {"EntityRecognizerArn": arn, "LanguageCode": params["LanguageCode"], "Status": "SUBMITTED",
                "SubmitTime": time.time(), "InputDataConfig": config, "DataAccessRoleArn": params["DataAccessRoleArn"],
                "_name": params["RecognizerName"]}
    for member in ("VersionName", "VolumeKmsKeyId", "ModelKmsKeyId", "VpcConfig"):
        if params.get(member):
            document[member] = params[member]
    resource = _create(context, RECOGNIZER, arn, key, document)

    def train(stop: Callable[[], bool]) -> dict[str, Any]:
        texts, annotations = _recognizer_data(context, config, types, test=False)
        given = _recognizer_data(context, config, types, test=True)
        if given is None:
            train_rows, test_rows = _split(list(zip(texts, annotations)), arn)
            texts, annotations = [t for t, _ in train_rows], [a for _, a in train_rows]
            test_texts, test_annotations = [t for t, _ in test_rows], [a for _, a in test_rows]
        else:
            test_texts, test_annotations = given
        mentions = {kind: sum(1 for spans in annotations for s in spans if s[2] == kind) for kind in types}
        missing = [kind for kind, count in mentions.items() if count == 0]
        if missing:
            raise jobs.JobFailed(f"InputDataConfig: no training annotations for {', '.join(missing)}")
        model = recognizer_engine.EntityRecognizer().fit(texts, annotations, types, stop=stop)
        predicted = [[(e["BeginOffset"], e["EndOffset"], e["Type"]) for e in found]
                     for found in model.predict(test_texts)] if test_texts else []
        scores = recognizer_engine.evaluate(test_annotations, predicted, types)
        model.save(folder(context.platform, resource))
        metadata: dict[str, Any] = {
            "NumberOfTrainedDocuments": len(texts), "NumberOfTestDocuments": len(test_texts),
            "EntityTypes": [{"Type": kind, "NumberOfTrainMentions": mentions[kind],
                             "EvaluationMetrics": {k: round(v, 4) for k, v in scores[kind].items()}}
                            for kind in types]}
        if test_texts:  # plain-text recognizers report the overall figures on a 0-100 scale
            metadata["EvaluationMetrics"] = {k: round(100 * v, 2) for k, v in scores[""].items()}
        return {"RecognizerMetadata": metadata}

    _train(context, RECOGNIZER_KIND, resource, train)
    return {"EntityRecognizerArn": arn}


def _recognizer_view(resource: Resource) -> dict[str, Any]:
    return public(resource.document)


def describe_entity_recognizer(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = by_arn(context, RECOGNIZER, "entity-recognizer", params["EntityRecognizerArn"], "EntityRecognizerArn")
    return {"EntityRecognizerProperties": _recognizer_view(resource)}


def list_entity_recognizers(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return listing(context, RECOGNIZER, params, "RecognizerName", "Status", "SubmitTime",
                   "EntityRecognizerPropertiesList", _recognizer_view)


def stop_training_entity_recognizer(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = by_arn(context, RECOGNIZER, "entity-recognizer", params["EntityRecognizerArn"], "EntityRecognizerArn")
    return _stop_training(context, RECOGNIZER_KIND, resource)


def delete_entity_recognizer(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _delete_model(context, by_arn(context, RECOGNIZER, "entity-recognizer", params["EntityRecognizerArn"],
                                         "EntityRecognizerArn"))


# --- trained models, loaded once per process ----------------------------------------------------

_LOAD_LOCK = threading.Lock()


@functools.lru_cache(maxsize=16)
def _cached(path: str, type_: str, stamp: float):
    if type_ == CLASSIFIER:
        return classifier_engine.DocumentClassifier.load(Path(path))
    return recognizer_engine.EntityRecognizer.load(Path(path))


def _load_model(platform: Platform, resource: Resource):
    with _LOAD_LOCK:
        return _cached(str(folder(platform, resource)), resource.type, resource.document.get("TrainingEndTime", 0))


def trained_model(context: Context, arn: str, field: str) -> tuple[Resource, Any]:
    """The TRAINED classifier or recognizer an ARN names, and its loaded model."""
    for type_, prefix in ((CLASSIFIER, "document-classifier"), (RECOGNIZER, "entity-recognizer")):
        if arn_name(arn, prefix):
            resource = by_arn(context, type_, prefix, arn, field)
            if resource.document.get("Status") not in ("TRAINED", "TRAINED_WITH_WARNING"):
                raise ServiceError("ResourceUnavailableException",
                                   f"{field}: {arn} is {resource.document.get('Status')}, not TRAINED")
            return resource, _load_model(context.platform, resource)
    raise ServiceError("InvalidRequestException", f"{field}: {arn} is not a document classifier or entity recognizer")


# --- endpoints ----------------------------------------------------------------------------------

def _endpoint_prefix(model_arn: str) -> str:
    return "document-classifier-endpoint" if ":document-classifier/" in model_arn else "entity-recognizer-endpoint"


def _endpoint(context: Context, arn: str) -> Resource:
    for prefix in ("document-classifier-endpoint", "entity-recognizer-endpoint"):
        if arn_name(arn, prefix):
            resource = by_arn(context, ENDPOINT, prefix, arn, "EndpointArn")
            if resource.arn == arn:
                return resource
    raise ServiceError("ResourceNotFoundException", f"EndpointArn: {arn} does not exist")


def _bring_up(context: Context, kind: jobs.JobKind, resource: Resource, model_arn: str, units: int) -> None:
    def work(stop: Callable[[], bool]) -> dict[str, Any]:
        try:
            trained_model(context, model_arn, "ModelArn")  # loads it, so the first request is quick
        except ServiceError as exc:
            raise jobs.JobFailed(exc.message) from None
        return {"ModelArn": model_arn, "CurrentInferenceUnits": units, "LastModifiedTime": time.time()}

    jobs.run(context.platform, kind, resource, work)


def create_endpoint(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    model_arn = params.get("ModelArn")
    if not model_arn:
        raise ServiceError("InvalidRequestException", "ModelArn is required (flywheels are not supported)")
    trained_model(context, model_arn, "ModelArn")
    name = params["EndpointName"]
    arn = f"arn:aws:comprehend:{context.region}:{context.account}:{_endpoint_prefix(model_arn)}/{name}"
    now = time.time()
    document = {"EndpointArn": arn, "Status": "CREATING", "ModelArn": model_arn, "DesiredModelArn": model_arn,
                "DesiredInferenceUnits": params["DesiredInferenceUnits"], "CurrentInferenceUnits": 0,
                "CreationTime": now, "LastModifiedTime": now}
    if params.get("DataAccessRoleArn"):
        document["DataAccessRoleArn"] = document["DesiredDataAccessRoleArn"] = params["DataAccessRoleArn"]
    try:
        resource = context.store.resources.create(Resource(context.account, context.region, ENDPOINT, name, arn,
                                                           "CREATING", document))
    except AlreadyExists:
        raise ServiceError("ResourceInUseException", f"EndpointName: an endpoint named {name} already exists") \
            from None
    _bring_up(context, ENDPOINT_CREATING, resource, model_arn, params["DesiredInferenceUnits"])
    return {"EndpointArn": arn, "ModelArn": model_arn}


def describe_endpoint(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"EndpointProperties": public(_endpoint(context, params["EndpointArn"]).document)}


def list_endpoints(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return listing(context, ENDPOINT, params, "-", "Status", "CreationTime", "EndpointPropertiesList",
                   lambda r: public(r.document), single_filter=False, extra=("ModelArn",))


def update_endpoint(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _endpoint(context, params["EndpointArn"])
    if resource.document.get("Status") != "IN_SERVICE":
        raise ServiceError("ResourceInUseException", f"EndpointArn: the endpoint is {resource.document['Status']}")
    model_arn = params.get("DesiredModelArn") or resource.document["ModelArn"]
    if _endpoint_prefix(model_arn) != _endpoint_prefix(resource.document["ModelArn"]):
        raise ServiceError("InvalidRequestException", "DesiredModelArn: the new model must be of the same kind")
    trained_model(context, model_arn, "DesiredModelArn")
    units = params.get("DesiredInferenceUnits") or resource.document["DesiredInferenceUnits"]

    def change(document: dict[str, Any]) -> None:
        document.update(DesiredModelArn=model_arn, DesiredInferenceUnits=units, LastModifiedTime=time.time())
        if params.get("DesiredDataAccessRoleArn"):
            document["DesiredDataAccessRoleArn"] = params["DesiredDataAccessRoleArn"]

    resource = jobs.update_document(context.store, resource, change)
    _bring_up(context, ENDPOINT_UPDATING, resource, model_arn, units)
    return {"DesiredModelArn": model_arn}


def delete_endpoint(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _endpoint(context, params["EndpointArn"])
    if resource.document.get("Status") in ("CREATING", "UPDATING"):
        raise ServiceError("ResourceInUseException", f"EndpointArn: the endpoint is {resource.document['Status']}")
    context.store.resources.delete(resource)
    return {}


def _serving(context: Context, arn: str, prefix: str) -> Any:
    if not arn_name(arn, prefix):
        raise ServiceError("InvalidRequestException", f"EndpointArn: {arn} is not a {prefix}")
    resource = _endpoint(context, arn)
    if resource.document.get("Status") not in ("IN_SERVICE", "UPDATING"):
        raise ServiceError("ResourceUnavailableException",
                           f"EndpointArn: the endpoint is {resource.document.get('Status')}, not IN_SERVICE")
    return trained_model(context, resource.document["ModelArn"], "EndpointArn")[1]


def _request_text(params: dict[str, Any], limit: int) -> str:
    text = params.get("Text")
    if params.get("Bytes") is not None:
        if text is not None:
            raise ServiceError("InvalidRequestException", "Give Text or Bytes, not both")
        try:
            text = params["Bytes"].decode("utf-8")
        except UnicodeDecodeError:
            raise ServiceError("InvalidRequestException",
                               "Bytes: Sextant reads plain UTF-8 text only (no PDF, Word or images)") from None
    if not text or not text.strip():
        raise ServiceError("InvalidRequestException", "Text: the document is empty")
    if len(text.encode("utf-8")) > limit:
        raise ServiceError("TextSizeLimitExceededException",
                           f"Text: the document is {len(text.encode('utf-8'))} bytes; the limit is {limit}")
    return text


def classify_document(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    model = _serving(context, params["EndpointArn"], "document-classifier-endpoint")
    text = _request_text(params, MAX_CLASSIFY_BYTES)
    return classify_text(model, text)


def classify_text(model: Any, text: str) -> dict[str, Any]:
    """ClassifyDocument's answer for one text: Classes (multi-class) or Labels (multi-label), best first."""
    scores = model.scores([text])[0]
    ranked = sorted(zip(model.labels, scores.tolist()), key=lambda pair: -pair[1])
    if model.multi_label:
        return {"Labels": [{"Name": name, "Score": round(score, 6)} for name, score in ranked
                           if score >= classifier_engine.THRESHOLD]}
    return {"Classes": [{"Name": name, "Score": round(score, 6)} for name, score in ranked[:10]]}


def custom_entities(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    """DetectEntities with the EndpointArn of a custom entity recognizer endpoint."""
    model = _serving(context, params["EndpointArn"], "entity-recognizer-endpoint")
    text = _request_text(params, MAX_DETECT_BYTES)
    return {"Entities": model.predict([text])[0]}


def on_startup(platform: Platform) -> None:
    """Training or endpoint creation that a restart interrupted ends failed."""
    for kind in (CLASSIFIER_KIND, RECOGNIZER_KIND, ENDPOINT_CREATING, ENDPOINT_UPDATING):
        jobs.fail_interrupted(platform, kind)
