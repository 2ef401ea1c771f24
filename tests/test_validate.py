"""Unit tests of the validate stage's messages: pydantic's errors said in plain words, at the right place."""

from __future__ import annotations

import pytest

from briefgen.check.load import parse
from briefgen.check.validate import Partial, validate
from briefgen.model import KIND_BY_NAME

MENTION = "mentions:\n  - source: bulletin\n    quote: a quote\n    credibility: 2\n"


def messages(text: str, kind: str = "actor") -> list[str]:
    doc, problems = parse(text, "f.yaml")
    assert doc is not None, [p.format() for p in problems]
    result, problems = validate(doc, "f", KIND_BY_NAME[kind])
    assert isinstance(result, Partial)
    return [p.message for p in problems]


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        (
            "name: x\ntype: state\nmentions:\n  - source: b\n    quote: q\n    credibility: 7\n",
            "actor",
            "mentions[0].credibility: must be at most 6, got 7",
        ),
        (
            "name: x\ntype: state\nmentions:\n  - source: b\n    quote: q\n    credibility: 0\n",
            "actor",
            "mentions[0].credibility: must be at least 1, got 0",
        ),
        (
            f"name: x\ntype: city\n{MENTION}claims:\n  - property: coordinates\n    value: {{lat: 95.5, lon: 0}}\n"
            "    sources: []\n",
            "place",
            "claims[0].value.lat: must be at most 90, got 95.5",
        ),
        (f"name: [a, b]\ntype: state\n{MENTION}", "actor", "name: expected text, found a list"),
        (f"name: {{a: b}}\ntype: state\n{MENTION}", "actor", "name: expected text, found a mapping"),
        ("name: x\ntype: state\nmentions: bulletin\n", "actor", "mentions: expected a list, found text"),
        (
            "name: x\ntype: state\nmentions: [bulletin]\n",
            "actor",
            "mentions[0]: expected a mapping of keys, found text",
        ),
        (
            f"name: x\ntype: state\n{MENTION}claims: [purpose]\n",
            "actor",
            "claims[0]: expected a mapping of keys, found text",
        ),
        (
            f"name: x\ntype: state\n{MENTION}aliases: [[a]]\n",
            "actor",
            "aliases[0]: expected a mapping of keys, found a list",
        ),
        (
            f"name: x\n{MENTION}claims:\n  - property: duration_days\n    value: [1]\n",
            "exercise",
            "claims[0].value: expected a whole number, found a list",
        ),
        (
            f"name: x\n{MENTION}claims:\n  - property: strength\n    value: 3\n    approximate: [yes]\n",
            "exercise",
            "claims[0].approximate: expected true or false, found a list",
        ),
        (f"name: ''\ntype: state\n{MENTION}", "actor", "name: must not be empty"),
        (
            f"name: x\ntype: [state]\n{MENTION}",
            "actor",
            "type: expected one of: state, armed-force, unit, ministry, organisation, other, found a list",
        ),
        (
            "name: x\ntitle: t\ntype: report\npublisher: p\nauthor: a\ndate: unknown\nreliability: C\nlanguage: EN\n",
            "source",
            "language: 'EN' is not a language code such as 'en' or 'pt-BR'",
        ),
        (
            f"name: x\ntype: state\n{MENTION}claims:\n  - property: member\n    value: y\n",
            "actor",
            "claims[0].property: unknown property 'member' for an actor",
        ),
    ],
)
def test_plain_messages(text: str, kind: str, message: str) -> None:
    assert message in messages(text, kind)


def test_no_raw_pydantic_wording_for_common_types() -> None:
    found = messages(f"name: [a]\ntype: state\n{MENTION}aliases: text\nclaims: {{a: b}}\n")
    assert found == [
        "name: expected text, found a list",
        "aliases: expected a list, found text",
        "claims: expected a list, found a mapping",
    ]
    assert not any("input should" in m.lower() for m in found)
