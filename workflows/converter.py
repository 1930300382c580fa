"""The one data converter of the project: the worker, the API, the admin commands and the
replay tests all use it. Pydantic's JSON for values, then every payload encrypted with the
configured keys (workflows/payload_codec.py), failures' messages and stack traces included; a
payload in clear still decodes, so histories saved before encryption replay."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from workflows.payload_codec import EncryptionCodec

if TYPE_CHECKING:
    from settings import Settings


def _process_keys() -> str:
    from settings import get_settings

    return get_settings().effective_payload_keys


def data_converter(settings: Settings) -> DataConverter:
    """The converter with these settings' payload keys (NT24_PAYLOAD_KEYS)."""
    codec = EncryptionCodec.from_setting(settings.effective_payload_keys)
    return dataclasses.replace(
        pydantic_data_converter, payload_codec=codec, failure_converter_class=_FAILURES
    )


# Failure messages and stack traces (a refusal names the order's facts) travel as an encoded,
# hence encrypted, payload; a failure recorded in clear before this still decodes.
_FAILURES = DefaultFailureConverterWithEncodedAttributes

# the process's settings' keys, read on first use (the test suite's clients and replayers)
DATA_CONVERTER = dataclasses.replace(
    pydantic_data_converter,
    payload_codec=EncryptionCodec(source=_process_keys),
    failure_converter_class=_FAILURES,
)
