"""The leaf of bot.content: the error, the YAML reader and the validator every loader uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError


class ContentError(Exception):
    """content/ is malformed; the message names the file and the field."""


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            # libyaml's C loader when present (10x faster), the same safe subset of YAML
            return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        raise ContentError(f"{path}: file is missing") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ContentError(f"{path}{where}: not valid YAML") from None


def validate(model: type[BaseModel], data: Any, path: Path) -> Any:
    """Validate data with a pydantic model; one line naming the file and field on error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err.get("loc", ())) or "(top level)"
        raise ContentError(f"{path}: field {field}: {err.get('msg', 'invalid')}") from None
