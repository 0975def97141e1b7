"""schemathesis over the API's own OpenAPI schema: generated requests (valid and invalid) against
every operation; no 5xx, every status code documented, every body matching its schema.

The strategies come from schemathesis and run under hypothesis inside one test per generation mode
(schemathesis' lazy pytest fixture does not work with this pytest). At least a thousand requests are
sent in all, counted and checked by the last test.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

pytest_plugins = ["conftest_serve"]

EXAMPLES_PER_OPERATION = 60
MIN_REQUESTS = 1000
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
sent: list[tuple[str, str, int]] = []


@pytest.fixture(scope="module")
def operations(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 12, [op.label for op in found]
    return found


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms(operations, mode):
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            response = case.call_and_validate(checks=CHECKS)
            sent.append((mode.value, case.operation.label, response.status_code))

        try:
            run()
        except Unsatisfiable:
            # An operation without parameters or body (/health) has no invalid input to generate.
            assert mode is GenerationMode.NEGATIVE, operation.label


def test_enough_requests_were_generated():
    by_status: dict[int, int] = {}
    for _, _, status in sent:
        by_status[status] = by_status.get(status, 0) + 1
    assert len(sent) >= MIN_REQUESTS, by_status
    assert all(status < 500 for status in by_status), by_status
    assert 200 in by_status and 422 in by_status and 404 in by_status, by_status
    print(f"{len(sent)} generated requests; by status: {dict(sorted(by_status.items()))}")
