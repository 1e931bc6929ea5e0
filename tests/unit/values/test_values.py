"""Conversions between JSON-like values and protobuf Struct."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from google.protobuf import struct_pb2

from flowmesh.values import from_struct, iso_duration, to_struct

NESTED: dict[str, Any] = {
    "text": "é ✓",
    "int": 42,
    "negative": -7,
    "float": 0.25,
    "true": True,
    "false": False,
    "none": None,
    "list": [1, "two", None, [3.5, {"deep": 4}]],
    "map": {"a": {"b": {"c": 1}}},
    "empty_list": [],
    "empty_map": {},
}


def test_round_trip_keeps_every_json_value() -> None:
    assert from_struct(to_struct(NESTED)) == NESTED


def test_integral_numbers_come_back_as_int_at_every_depth() -> None:
    back = from_struct(to_struct({"n": 3, "f": 3.0, "list": [1, 2.0], "map": {"m": 5}}))

    assert back == {"n": 3, "f": 3, "list": [1, 2], "map": {"m": 5}}
    assert type(back["n"]) is int
    assert type(back["f"]) is int
    assert [type(item) for item in back["list"]] == [int, int]
    assert type(back["map"]["m"]) is int


def test_fractions_stay_float() -> None:
    back = from_struct(to_struct({"x": 2.5, "y": -0.1}))

    assert back == {"x": 2.5, "y": -0.1}
    assert type(back["x"]) is float


def test_numbers_beyond_doubles_exact_integers_stay_float() -> None:
    back = from_struct(to_struct({"big": 2.0**60, "edge": 2**53 - 1}))

    assert back["edge"] == 2**53 - 1
    assert type(back["edge"]) is int
    assert type(back["big"]) is float


def test_booleans_are_not_numbers() -> None:
    back = from_struct(to_struct({"t": True, "f": False, "one": 1, "zero": 0}))

    assert [type(back[key]) for key in ("t", "f", "one", "zero")] == [bool, bool, int, int]


def test_numbers_are_doubles_inside_the_struct() -> None:
    struct = to_struct({"n": 7})

    assert struct.fields["n"].WhichOneof("kind") == "number_value"
    assert struct.fields["n"].number_value == 7.0


@pytest.mark.parametrize("empty", [None, {}])
def test_nothing_becomes_an_empty_struct(empty: dict[str, Any] | None) -> None:
    struct = to_struct(empty)

    assert struct == struct_pb2.Struct()
    assert from_struct(struct) == {}


def test_a_struct_survives_serialisation() -> None:
    struct = to_struct(NESTED)

    again = struct_pb2.Struct()
    again.ParseFromString(struct.SerializeToString())

    assert from_struct(again) == NESTED


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (dt.timedelta(0), "PT0S"),
        (dt.timedelta(seconds=1.234), "PT1.234S"),
        (dt.timedelta(seconds=0.5), "PT0.5S"),
        (dt.timedelta(minutes=1, seconds=2.5), "PT1M2.5S"),
        (dt.timedelta(hours=2, minutes=3), "PT2H3M"),
        (dt.timedelta(days=1, microseconds=1), "PT24H0.000001S"),
        (dt.timedelta(seconds=-3), "PT0S"),
    ],
)
def test_durations_read_like_java(delta: dt.timedelta, text: str) -> None:
    assert iso_duration(delta) == text
