"""Every operation of /api/v1, fuzzed as every role: no 5xx, and every answer matches its documented schema."""

from __future__ import annotations

from collections.abc import Callable

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fixtures.fuzz import ROLES, long_run, max_examples
from tfai.api.app import create_api

APP = create_api()
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                max_examples=max_examples(), deterministic=not long_run())

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection]


@schema.parametrize()
@schema.given(role=st.sampled_from(ROLES))
@settings(max_examples=max_examples(), deadline=None, derandomize=not long_run(), database=None,
          suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.generate] + ([Phase.shrink] if long_run() else []))
def test_every_operation_as_every_role(case: schemathesis.Case, role: str,
                                       role_headers: Callable[[str], dict[str, str]]) -> None:
    headers = role_headers(role)
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
    assert response.status_code < 500, f"{role}: {case.method} {case.formatted_path} -> {response.status_code}"
