"""The one data converter of the project: the worker, the API, the admin commands and the
replay tests all use it. Pydantic's JSON for values, then every payload encrypted with the
configured keys (api/shared/payload_codec.py), failures' messages and stack traces included; a
payload in clear still decodes, so histories saved before encryption replay."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

from api.shared.payload_codec import EncryptionCodec

if TYPE_CHECKING:
    from settings import Settings


def _process_keys() -> str:
    from settings import get_settings

    return get_settings().effective_payload_keys


# One pydantic JSON converter, hence one cache of TypeAdapters, for the whole process. The SDK
# instantiates the payload converter class for every workflow run, and pydantic's converter
# caches adapters per instance: every run rebuilt the core schemas of its inputs (~10 ms of CPU
# and a few hundred KiB held per open order). The types are the same objects in every run as
# long as the modules defining them pass through the sandbox (worker.workflow_runner).
_JSON = PydanticJSONPlainPayloadConverter()


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default converters with pydantic's JSON in place of plain JSON, as
    ``pydantic_data_converter`` has them, over the process's one JSON converter."""

    def __init__(self) -> None:
        super().__init__(
            *(
                _JSON if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


_PYDANTIC = DataConverter(payload_converter_class=PayloadConverter)


def data_converter(settings: Settings) -> DataConverter:
    """The converter with these settings' payload keys (NT24_PAYLOAD_KEYS) and compression."""
    codec = EncryptionCodec.from_setting(
        settings.effective_payload_keys, compress=settings.payload_compression
    )
    return dataclasses.replace(_PYDANTIC, payload_codec=codec, failure_converter_class=_FAILURES)


# Failure messages and stack traces (a refusal names the order's facts) travel as an encoded,
# hence encrypted, payload; a failure recorded in clear before this still decodes.
_FAILURES = DefaultFailureConverterWithEncodedAttributes

# the process's settings' keys, read on first use (the test suite's clients and replayers)
DATA_CONVERTER = dataclasses.replace(
    _PYDANTIC,
    payload_codec=EncryptionCodec(source=_process_keys),
    failure_converter_class=_FAILURES,
)
