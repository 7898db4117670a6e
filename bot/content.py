"""content/: facts staff can edit without code, validated by pydantic once at start.

A malformed file is one `ContentError` line naming the file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.content_programs import Program, Screener, load_programs, load_screener


class ContentError(Exception):
    """content/ is malformed; the message names the file and the field."""


class Localized(BaseModel):
    """A text in both languages."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    jv: str = Field(min_length=1)

    def get(self, locale: str) -> str:
        return self.jv if locale == "jv" else self.id


class Office(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Localized
    address: str
    phone: str
    email: str
    website: str
    complaints: Localized
    source: str = ""
    verified: bool = False


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^35\d\d$")
    name: str
    kind: str = Field(pattern=r"^(kabupaten|kota)$")

    def label(self) -> str:
        return f"Kota {self.name}" if self.kind == "kota" else f"Kab. {self.name}"


class Content(BaseModel):
    model_config = ConfigDict(extra="forbid")
    office: Office
    regions: list[Region]
    programs: list[Program] = []
    screener: Screener | None = None

    def region(self, code: str) -> Region | None:
        return next((r for r in self.regions if r.code == code), None)


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
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


def load_content(content_dir: Path) -> Content:
    content_dir = Path(content_dir)
    if not content_dir.is_dir():
        raise ContentError(f"{content_dir}: content folder not found (set CONTENT_DIR)")
    office = validate(Office, read_yaml(content_dir / "office.yaml"), content_dir / "office.yaml")
    regions_path = content_dir / "regions.yaml"
    regions_data = read_yaml(regions_path)
    regions = [validate(Region, r, regions_path) for r in (regions_data or {}).get("regions", [])]
    if len(regions) != 38 or len({r.code for r in regions}) != 38:
        raise ContentError(
            f"{regions_path}: field regions: expected the 38 kabupaten/kota of East Java")
    programs = load_programs(content_dir)
    screener = load_screener(content_dir, programs)
    return Content(office=office, regions=regions, programs=programs, screener=screener)
