"""Small helpers the `dinsos-bot` verbs share (their output is for the server operator)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from bot.content import Content

T = TypeVar("T")


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def region_label(content: Content, code: str | None) -> str:
    region = content.region(code or "")
    return region.label() if region else (code or "")


def verb_group(sub: argparse._SubParsersAction, name: str, *, help: str, description: str,
               dest: str, metavar: str = "ACTION") -> argparse._SubParsersAction:
    """A `dinsos-bot NAME ACTION` group; NAME alone prints the group's help (exit 2). Returns
    the group's subparsers, for its actions."""
    p = sub.add_parser(name, help=help, description=description)
    verbs = p.add_subparsers(dest=dest, metavar=metavar)
    p.set_defaults(func=lambda args, settings: (p.print_help(), 2)[1])
    return verbs


def print_listing(rows: Sequence[T], *, as_json: bool, empty: str, line: Callable[[T], str],
                  data: Callable[[T], Any] | None = None) -> int:
    """How a listing verb prints: with --json every row as JSON (`data` of each, or the row
    itself); else one line (or a few) per row, or `empty` when there is none. Exit code 0."""
    if as_json:
        print_json([data(r) if data else r for r in rows])
    elif not rows:
        print(empty)
    else:
        for row in rows:
            print(line(row))
    return 0
