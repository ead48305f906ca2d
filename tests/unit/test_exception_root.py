"""chotdon has one exception root: every exception class defined in schema, connectors, aggregator
and workers derives from ChotdonError, so the web edge and the CLI catch each of them."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import ModuleType

import aggregator
import connectors
import schema
import workers
from aggregator.errors import ChotdonError as AggregatorRoot
from connectors.errors import PlatformApiError
from schema.errors import ChotdonError

PACKAGES = (schema, connectors, aggregator, workers)


def _modules() -> Iterator[ModuleType]:
    for package in PACKAGES:
        yield package
        for found in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not found.name.endswith(".__main__"):  # running the CLI is not importing it
                yield importlib.import_module(found.name)


def _exception_classes() -> list[type[BaseException]]:
    return [
        value
        for module in _modules()
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, BaseException)
        and value.__module__ == module.__name__
    ]


def test_every_exception_class_of_chotdon_derives_from_the_one_root() -> None:
    classes = _exception_classes()
    names = {c.__name__ for c in classes}
    # the four former roots and some of the errors that used to stand alone are among them
    assert {"ChotdonError", "ConnectorError", "SchemaError", "ParserError", "CourierError",
            "LoginThrottledError", "PhotoError", "LinkError"} <= names  # fmt: skip
    strays = sorted(f"{c.__module__}.{c.__qualname__}" for c in classes
                    if not issubclass(c, ChotdonError))  # fmt: skip
    assert strays == []


def test_the_aggregator_root_is_the_same_class() -> None:
    assert AggregatorRoot is ChotdonError


def test_each_error_maps_to_an_http_status_at_the_web_edge() -> None:
    for error in _exception_classes():
        assert isinstance(error.http_status, int) and 400 <= error.http_status < 600, error


def test_a_platform_error_keeps_the_platform_status_apart_from_chotdon_answer() -> None:
    error = PlatformApiError("(#100) bad parameter", code=100, http_status=400)
    assert (error.status, error.code, error.http_status) == (400, 100, 500)
