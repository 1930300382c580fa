"""The one data converter of the project: the worker, the API and the replay tests all use it."""

from temporalio.contrib.pydantic import pydantic_data_converter

DATA_CONVERTER = pydantic_data_converter
