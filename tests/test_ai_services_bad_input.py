"""Every implemented operation of the AI services, called with arbitrary well-typed input through boto3,
answers or refuses with an AWS error — never a 500 (the gateway validates types and required members; the
handlers must cope with everything else)."""

from __future__ import annotations

import random

import pytest
from botocore.exceptions import ClientError

from tests.unit.test_protocols import CATALOG, example

SERVICES = ("comprehend", "comprehendmedical", "translate", "polly", "transcribe")
SEEDS = (1, 2, 3)


def _operations():
    for name in SERVICES:
        service = CATALOG[name]
        for operation in service.implemented:
            model = service.operations[operation]
            if model.input_shape is not None and not model.get_event_stream_input():
                yield pytest.param(name, operation, id=f"{name}.{operation}")


@pytest.mark.parametrize("service_name,operation", list(_operations()))
def test_arbitrary_input_never_gets_a_server_error(server, service_name, operation):
    client = server.client(service_name, parameter_validation=False)
    model = CATALOG[service_name].operations[operation]
    for seed in SEEDS:
        params = example(model.input_shape, random.Random(f"{service_name}.{operation}.{seed}"))
        try:
            client._make_api_call(operation, params)
        except ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            assert status < 500, f"{operation}({params}) → {status} {error.response['Error']}"
