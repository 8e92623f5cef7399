"""Models, endpoint configurations and endpoints: real model-server processes behind each variant."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from ...containers import images
from ...errors import ServiceError
from ...platform import Platform, artifacts, s3uri
from ...platform.serving import ContainerSpec, Deployment, DeploymentError, VariantSpec
from ...store import Resource, Store
from ..context import Context
from ..logs import append_events
from .common import create, find, listing, update

MODEL, CONFIG, ENDPOINT = "sagemaker:model", "sagemaker:endpoint-config", "sagemaker:endpoint"


def _key(resource: Resource) -> tuple[str, str, str]:
    return resource.account, resource.region, resource.name


# --- models ------------------------------------------------------------------------------------

def _containers(params: dict[str, Any]) -> list[dict[str, Any]]:
    containers = params.get("Containers") or ([params["PrimaryContainer"]] if params.get("PrimaryContainer") else [])
    if not containers:
        raise ServiceError("ValidationException", "Either PrimaryContainer or Containers must be given")
    return containers


def create_model(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    for index, container in enumerate(_containers(params)):
        image = container.get("Image", "")
        if images.resolve(image) is None:
            raise ServiceError("ValidationException", f"Containers.{index + 1}.Image {image!r} is not an image "
                               f"Sextant serves; it serves these repositories: {', '.join(images.known())}")
        if container.get("ModelDataUrl"):
            try:
                s3uri.split(container["ModelDataUrl"], "ModelDataUrl")
            except ValueError as exc:
                raise ServiceError("ValidationException", str(exc)) from None
    document = {key: value for key, value in params.items() if key != "Tags"}
    document.update(CreationTime=time.time(), EnableNetworkIsolation=params.get("EnableNetworkIsolation", False))
    resource = create(context, MODEL, "model", params["ModelName"], document, None, "Model")
    update(context.store, resource, lambda doc: doc.update(ModelArn=resource.arn))
    return {"ModelArn": resource.arn}


def describe_model(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return find(context, MODEL, params["ModelName"], "Model", "ValidationException").document


def delete_model(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    context.store.resources.delete(_found(context, MODEL, params["ModelName"], "model"))
    return {}


def list_models(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return listing(context, params, MODEL, lambda r: {k: r.document[k] for k in ("ModelName", "ModelArn",
                                                                                  "CreationTime")},
                   "-", "Models", "ModelName")


def _found(context: Context, type_: str, name: str, label: str) -> Resource:
    resource = context.store.resources.get(context.account, context.region, type_, name)
    if resource is None:
        arn = f"arn:aws:sagemaker:{context.region}:{context.account}:{type_.split(':')[1]}/{name.lower()}"
        raise ServiceError("ValidationException", f'Could not find {label} "{arn}".')
    return resource


# --- endpoint configurations -------------------------------------------------------------------

def create_endpoint_config(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    variants = []
    for variant in params["ProductionVariants"]:
        _found(context, MODEL, variant["ModelName"], "model")
        if variant.get("ServerlessConfig") is None and not variant.get("InitialInstanceCount"):
            raise ServiceError("ValidationException", f"Variant {variant['VariantName']}: InitialInstanceCount is "
                               "required for instance-based variants")
        variants.append({"InitialVariantWeight": 1.0, **variant})
    if len({v["VariantName"] for v in variants}) != len(variants):
        raise ServiceError("ValidationException", "VariantName values must be unique within ProductionVariants")
    document = {key: value for key, value in params.items() if key != "Tags"}
    document.update(ProductionVariants=variants, CreationTime=time.time())
    resource = create(context, CONFIG, "endpoint-config", params["EndpointConfigName"], document, None,
                      "Endpoint configuration")
    update(context.store, resource, lambda doc: doc.update(EndpointConfigArn=resource.arn))
    return {"EndpointConfigArn": resource.arn}


def describe_endpoint_config(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _found(context, CONFIG, params["EndpointConfigName"], "endpoint configuration").document


def delete_endpoint_config(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    context.store.resources.delete(_found(context, CONFIG, params["EndpointConfigName"], "endpoint configuration"))
    return {}


def list_endpoint_configs(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return listing(context, params, CONFIG, lambda r: {k: r.document[k] for k in (
        "EndpointConfigName", "EndpointConfigArn", "CreationTime")}, "-", "EndpointConfigs", "EndpointConfigName")


# --- endpoints -----------------------------------------------------------------------------------

def variant_specs(platform: Platform, resource: Resource, config: dict[str, Any],
                   counts: dict[str, int] | None = None, weights: dict[str, float] | None = None) -> list[VariantSpec]:
    """Resolve a configuration's variants to containers with their model data on disk."""
    store = platform.store
    folder = platform.settings.home / "endpoints" / resource.name / uuid.uuid4().hex[:8]
    specs = []
    for variant in config["ProductionVariants"]:
        model = store.resources.get(resource.account, resource.region, MODEL, variant["ModelName"])
        if model is None:
            raise DeploymentError(f"Model {variant['ModelName']} of variant {variant['VariantName']} was deleted")
        containers = []
        for index, container in enumerate(_containers(model.document)):
            image = images.resolve(container["Image"])
            model_dir = folder / variant["VariantName"] / f"container-{index}" / "model"
            model_dir.mkdir(parents=True, exist_ok=True)
            environment = {**container.get("Environment", {}), **image.environment()}
            try:
                if container.get("ModelDataUrl"):
                    artifacts.unpack(store.objects, container["ModelDataUrl"], model_dir)
                submit = environment.get("SAGEMAKER_SUBMIT_DIRECTORY", "")
                if submit.startswith("s3://"):
                    code = model_dir.parent / "code"
                    artifacts.unpack(store.objects, submit, code)
                    environment["SEXTANT_CODE_DIR"] = str(code)
            except (ServiceError, ValueError, OSError) as exc:
                raise DeploymentError(f"Failed to download model data for container {index + 1} of variant "
                                      f"{variant['VariantName']}: {exc}") from None
            containers.append(ContainerSpec(environment, model_dir))
        name = variant["VariantName"]
        specs.append(VariantSpec(name, (weights or {}).get(name, variant.get("InitialVariantWeight", 1.0)),
                                 (counts or {}).get(name, variant.get("InitialInstanceCount") or 1), containers))
    return specs


def _summaries(config: dict[str, Any], deployment: Deployment, model_images: dict[str, list[str]]) -> list[dict]:
    now = time.time()
    return [{"VariantName": name, "CurrentWeight": variant.weight, "DesiredWeight": variant.weight,
             "CurrentInstanceCount": len(variant.instances), "DesiredInstanceCount": len(variant.instances),
             "DeployedImages": [{"SpecifiedImage": image, "ResolvedImage": image, "ResolutionTime": now}
                                for image in model_images.get(name, [])]}
            for name, variant in deployment.variants.items()]


def _deploy(platform: Platform, resource: Resource, config: Resource, final_status: str = "InService",
            counts: dict[str, int] | None = None, weights: dict[str, float] | None = None) -> None:
    """Start the configuration's servers in the background; the endpoint becomes `final_status` or Failed."""
    store = platform.store

    def sink(stream: str, lines: list[tuple[int, str]]) -> None:
        append_events(store, resource.account, resource.region, f"/aws/sagemaker/Endpoints/{resource.name}",
                      stream, lines)

    def work() -> None:
        try:
            specs = variant_specs(platform, resource, config.document, counts, weights)
            deployment = platform.endpoints.deploy(specs, "", sink)
        except DeploymentError as error:
            reason = str(error)
            serving = platform.endpoints.get(_key(resource)) is not None
            status = "InService" if serving else "Failed"  # a failed update rolls back to what was serving
            update(store, resource, lambda doc: doc.update(EndpointStatus=status, FailureReason=reason))
            return
        model_images = {v["VariantName"]: [c["Image"] for c in _containers(
            store.resources.get(resource.account, resource.region, MODEL, v["ModelName"]).document)]
            for v in config.document["ProductionVariants"]}
        platform.endpoints.install(_key(resource), deployment)

        def change(doc: dict[str, Any]) -> None:
            doc.update(EndpointStatus=final_status, EndpointConfigName=config.name,
                       ProductionVariants=_summaries(config.document, deployment, model_images))
            doc.pop("FailureReason", None)

        update(store, resource, change)

    threading.Thread(target=work, name=f"deploy-{resource.name}", daemon=True).start()


def create_endpoint(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    config = _found(context, CONFIG, params["EndpointConfigName"], "endpoint configuration")
    now = time.time()
    document = {"EndpointName": params["EndpointName"], "EndpointConfigName": config.name,
                "EndpointStatus": "Creating", "CreationTime": now, "LastModifiedTime": now}
    resource = create(context, ENDPOINT, "endpoint", params["EndpointName"], document, "Creating", "Endpoint")
    resource = update(context.store, resource, lambda doc: doc.update(EndpointArn=resource.arn))
    _deploy(context.platform, resource, config)
    return {"EndpointArn": resource.arn}


def describe_endpoint(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _found(context, ENDPOINT, params["EndpointName"], "endpoint").document


def list_endpoints(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return listing(context, params, ENDPOINT, lambda r: {k: r.document[k] for k in (
        "EndpointName", "EndpointArn", "CreationTime", "LastModifiedTime", "EndpointStatus")},
                   "EndpointStatus", "Endpoints", "EndpointName")


def _in_service(context: Context, name: str) -> Resource:
    resource = _found(context, ENDPOINT, name, "endpoint")
    status = resource.document["EndpointStatus"]
    if status != "InService":
        raise ServiceError("ValidationException", f"Cannot update in-progress endpoint \"{resource.arn}\"."
                           if status in ("Creating", "Updating") else
                           f"Endpoint {name} is {status}: only InService endpoints can be updated")
    return resource


def update_endpoint(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _in_service(context, params["EndpointName"])
    config = _found(context, CONFIG, params["EndpointConfigName"], "endpoint configuration")
    resource = update(context.store, resource, lambda doc: doc.update(EndpointStatus="Updating"))
    _deploy(context.platform, resource, config)
    return {"EndpointArn": resource.arn}


def update_endpoint_weights_and_capacities(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _in_service(context, params["EndpointName"])
    deployment = context.platform.endpoints.get(_key(resource))
    desired = params["DesiredWeightsAndCapacities"]
    for item in desired:
        if deployment is None or item["VariantName"] not in deployment.variants:
            raise ServiceError("ValidationException", f"The variant {item['VariantName']} does not exist in "
                               f"endpoint {resource.name}")
    weights = {name: v.weight for name, v in deployment.variants.items()}
    counts = {name: len(v.instances) for name, v in deployment.variants.items()}
    weights.update({i["VariantName"]: i["DesiredWeight"] for i in desired if "DesiredWeight" in i})
    counts.update({i["VariantName"]: i["DesiredInstanceCount"] for i in desired if "DesiredInstanceCount" in i})
    config = _found(context, CONFIG, resource.document["EndpointConfigName"], "endpoint configuration")
    if all(counts[name] == len(v.instances) for name, v in deployment.variants.items()):
        for name, weight in weights.items():  # weights alone change in place
            deployment.variants[name].weight = weight
        images_of = {s["VariantName"]: [i["SpecifiedImage"] for i in s.get("DeployedImages", [])]
                     for s in resource.document.get("ProductionVariants", [])}
        update(context.store, resource, lambda doc: doc.update(
            ProductionVariants=_summaries(config.document, deployment, images_of)))
    else:
        resource = update(context.store, resource, lambda doc: doc.update(EndpointStatus="Updating"))
        _deploy(context.platform, resource, config, counts=counts, weights=weights)
    return {"EndpointArn": resource.arn}


def delete_endpoint(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _found(context, ENDPOINT, params["EndpointName"], "endpoint")
    context.platform.endpoints.remove(_key(resource))
    context.store.resources.delete(resource)
    return {}


def redeploy(platform: Platform) -> None:
    """Endpoints a previous server was serving come back (in the background)."""
    store: Store = platform.store
    for resource in store.resources.list(ENDPOINT):
        if resource.document.get("EndpointStatus") in ("InService", "Creating", "Updating"):
            config = store.resources.get(resource.account, resource.region, CONFIG,
                                         resource.document["EndpointConfigName"])
            if config is None:
                update(store, resource, lambda doc: doc.update(EndpointStatus="Failed", FailureReason=(
                    "Its endpoint configuration was deleted before the endpoint could be restored")))
                continue
            _deploy(platform, resource, config)
