"""Models, endpoint configurations, endpoints and InvokeEndpoint through boto3 (script-mode models)."""

from __future__ import annotations

import json
import textwrap
import threading

import botocore.exceptions
import pytest

from .test_training import tarball

SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
WAIT = {"Delay": 0.5, "MaxAttempts": 240}

INFERENCE = """
    import json, os
    def model_fn(model_dir):
        return json.load(open(os.path.join(model_dir, "model.json")))
    def predict_fn(data, model):
        if (data < 0).any():
            raise ValueError("negative input")
        return data.sum(axis=1) * model["scale"]
"""


@pytest.fixture
def sm(server):
    return server.client("sagemaker")


def make_model(sm, s3, bucket, name: str, scale: float) -> None:
    s3.put_object(Bucket=bucket, Key=f"{name}/model.tar.gz", Body=tarball({"model.json": json.dumps(
        {"scale": scale}).encode()}))
    s3.put_object(Bucket=bucket, Key=f"{name}/source.tar.gz", Body=tarball({
        "inference.py": textwrap.dedent(INFERENCE).encode()}))
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": SKLEARN, "ModelDataUrl": f"s3://{bucket}/{name}/model.tar.gz",
        "Environment": {"SAGEMAKER_PROGRAM": "inference.py",
                        "SAGEMAKER_SUBMIT_DIRECTORY": f"s3://{bucket}/{name}/source.tar.gz"}})


def test_endpoint_lifecycle(sm, s3, bucket, server):
    make_model(sm, s3, bucket, "doubler", 2.0)
    make_model(sm, s3, bucket, "tripler", 3.0)
    sm.create_endpoint_config(EndpointConfigName="two-variants", ProductionVariants=[
        {"VariantName": "double", "ModelName": "doubler", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large",
         "InitialVariantWeight": 1.0},
        {"VariantName": "triple", "ModelName": "tripler", "InitialInstanceCount": 2, "InstanceType": "ml.m5.large",
         "InitialVariantWeight": 1.0}])
    sm.create_endpoint(EndpointName="sums", EndpointConfigName="two-variants")
    assert sm.describe_endpoint(EndpointName="sums")["EndpointStatus"] == "Creating"
    sm.get_waiter("endpoint_in_service").wait(EndpointName="sums", WaiterConfig=WAIT)
    endpoint = sm.describe_endpoint(EndpointName="sums")
    assert {v["VariantName"]: v["CurrentInstanceCount"] for v in endpoint["ProductionVariants"]} == \
        {"double": 1, "triple": 2}

    runtime = server.client("sagemaker-runtime")
    answer = runtime.invoke_endpoint(EndpointName="sums", Body=b"1,2\n3,4\n", ContentType="text/csv",
                                     Accept="application/json", TargetVariant="triple", CustomAttributes="trace=1")
    assert json.loads(answer["Body"].read()) == [9.0, 21.0]
    assert answer["InvokedProductionVariant"] == "triple"
    assert answer["CustomAttributes"] == "trace=1"
    seen = {runtime.invoke_endpoint(EndpointName="sums", Body=b"1,1", ContentType="text/csv")[
        "InvokedProductionVariant"] for _ in range(40)}
    assert seen == {"double", "triple"}

    sm.update_endpoint_weights_and_capacities(EndpointName="sums", DesiredWeightsAndCapacities=[
        {"VariantName": "triple", "DesiredWeight": 0.0}])
    assert {runtime.invoke_endpoint(EndpointName="sums", Body=b"1,1", ContentType="text/csv")[
        "InvokedProductionVariant"] for _ in range(20)} == {"double"}

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        runtime.invoke_endpoint(EndpointName="sums", Body=b"-1,2", ContentType="text/csv", TargetVariant="double")
    assert caught.value.response["Error"]["Code"] == "ModelError"
    assert "negative input" in caught.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        runtime.invoke_endpoint(EndpointName="sums", Body=b"x" * (6 * 1024 * 1024 + 1), ContentType="text/csv")
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        runtime.invoke_endpoint(EndpointName="nowhere", Body=b"1", ContentType="text/csv")
    assert caught.value.response["Error"]["Code"] == "ValidationError"

    # a new configuration is swapped in while requests keep flowing: none fails
    sm.create_endpoint_config(EndpointConfigName="tripler-only", ProductionVariants=[
        {"VariantName": "only", "ModelName": "tripler", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
    failures, answers, done = [], [], threading.Event()

    def traffic() -> None:
        while not done.is_set():
            try:
                answers.append(runtime.invoke_endpoint(EndpointName="sums", Body=b"1,1",
                                                       ContentType="text/csv")["InvokedProductionVariant"])
            except Exception as exc:  # noqa: BLE001 - counted, then asserted none happened
                failures.append(exc)

    worker = threading.Thread(target=traffic)
    worker.start()
    sm.update_endpoint(EndpointName="sums", EndpointConfigName="tripler-only")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="sums", WaiterConfig=WAIT)
    while "only" not in answers[-3:]:
        pass
    done.set()
    worker.join()
    assert not failures and answers[-1] == "only"
    assert sm.describe_endpoint(EndpointName="sums")["EndpointConfigName"] == "tripler-only"

    sm.delete_endpoint(EndpointName="sums")
    with pytest.raises(botocore.exceptions.ClientError):
        sm.describe_endpoint(EndpointName="sums")
    listed = [m["ModelName"] for m in sm.list_models(NameContains="ler", MaxResults=100)["Models"]]
    assert [name for name in listed if name in ("tripler", "doubler")] == ["tripler", "doubler"]  # newest first


def test_endpoint_comes_back_after_restart(make_server):
    server = make_server()
    sm, s3 = server.client("sagemaker"), server.client("s3")
    s3.create_bucket(Bucket="restart-models")
    make_model(sm, s3, "restart-models", "doubler", 2.0)
    sm.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[
        {"VariantName": "v", "ModelName": "doubler", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName="survivor", EndpointConfigName="c")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="survivor", WaiterConfig=WAIT)
    server.stop(kill=True)
    server.start()
    answer = server.client("sagemaker-runtime").invoke_endpoint(EndpointName="survivor", Body=b"5,5",
                                                                ContentType="text/csv")
    assert json.loads(answer["Body"].read()) == [20.0]


def test_bad_hosting_input(sm):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "nginx:latest"})
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sm.create_endpoint_config(EndpointConfigName="c1", ProductionVariants=[
            {"VariantName": "v", "ModelName": "missing", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
    assert "Could not find model" in caught.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sm.create_endpoint(EndpointName="e1", EndpointConfigName="missing")
    assert "Could not find endpoint configuration" in caught.value.response["Error"]["Message"]


SCALE_STEP = """
    def model_fn(model_dir):
        return 10.0
    def predict_fn(data, factor):
        return data * factor
    def output_fn(prediction, accept):
        return "\\n".join(",".join(str(v) for v in row) for row in prediction), "text/csv"
"""


def test_inference_pipeline_chains_containers(sm, s3, bucket, server):
    """A model of two containers: the first one's answer is the second one's request."""
    make_model(sm, s3, bucket, f"scaled-{bucket}", 2.0)
    s3.put_object(Bucket=bucket, Key="pipeline/source.tar.gz", Body=tarball({
        "scale.py": textwrap.dedent(SCALE_STEP).encode()}))
    second = sm.describe_model(ModelName=f"scaled-{bucket}")["PrimaryContainer"]
    sm.create_model(ModelName=f"pipeline-{bucket}", ExecutionRoleArn=ROLE, Containers=[
        {"Image": SKLEARN, "Environment": {"SAGEMAKER_PROGRAM": "scale.py",
                                           "SAGEMAKER_SUBMIT_DIRECTORY": f"s3://{bucket}/pipeline/source.tar.gz"}},
        second])
    sm.create_endpoint_config(EndpointConfigName=f"pipeline-{bucket}", ProductionVariants=[
        {"VariantName": "v", "ModelName": f"pipeline-{bucket}", "InitialInstanceCount": 1,
         "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName=f"pipeline-{bucket}", EndpointConfigName=f"pipeline-{bucket}")
    sm.get_waiter("endpoint_in_service").wait(EndpointName=f"pipeline-{bucket}", WaiterConfig=WAIT)
    answer = server.client("sagemaker-runtime").invoke_endpoint(
        EndpointName=f"pipeline-{bucket}", Body=b"1,2\n3,4\n", ContentType="text/csv", Accept="application/json")
    assert json.loads(answer["Body"].read()) == [60.0, 140.0]  # (1+2)*10*2, (3+4)*10*2
    sm.delete_endpoint(EndpointName=f"pipeline-{bucket}")
