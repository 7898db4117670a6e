"""content/: facts staff can edit without code, validated by pydantic once at start.

A malformed file is one `ContentError` line naming the file and the field.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.content.base import ContentError, read_yaml, validate
from bot.content.programs import Program, Screener, load_programs, load_screener


class Localized(BaseModel):
    """A text in both languages."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    jv: str = Field(min_length=1)

    def get(self, locale: str) -> str:
        return self.jv if locale == "jv" else self.id


_SPAN = re.compile(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d")


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
    # Working hours in WIB, e.g. {"mon": "08:00-16:00"}: when officers answer tickets.
    hours: dict[str, str] = Field(default_factory=dict)
    hours_text: Localized | None = None

    @field_validator("hours")
    @classmethod
    def _check_hours(cls, value: dict[str, str]) -> dict[str, str]:
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        for day, span in value.items():
            if day not in days or not _SPAN.fullmatch(span) or span[:5] >= span[6:]:
                raise ValueError(f"hours: {day}: {span!r} is not a day (mon..sun) with "
                                 "HH:MM-HH:MM, opening before closing")
        return value


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^35\d\d$")
    name: str
    kind: str = Field(pattern=r"^(kabupaten|kota)$")

    def label(self) -> str:
        return f"Kota {self.name}" if self.kind == "kota" else f"Kab. {self.name}"


class Kecamatan(BaseModel):
    """A kecamatan (sub-district): Kemendagri code = its kab/kota's code + 2 digits."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^35\d{4}$")
    name: str = Field(min_length=1, max_length=40)

    @property
    def region_code(self) -> str:
        return self.code[:4]


# -- SKM: service units and the questionnaire (content/units.yaml, content/skm.yaml) -----------
UNIT_CODE = r"^[A-Z0-9][A-Z0-9-]{1,15}$"  # also the deep link payload skm_<code>
OPTION_CODE = r"^[A-Za-z0-9<>+_.-]{1,12}$"  # travels in callback data


class Unit(BaseModel):
    """A service unit residents rate: the office itself, a UPT or the balai."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=UNIT_CODE)
    name: str = Field(min_length=1)
    short: str = Field(min_length=1, max_length=40)
    city: str = Field(min_length=1)
    region: str = Field(pattern=r"^35\d\d$")  # the Kemendagri kab/kota code (regions.yaml)
    population: int | None = Field(default=None, gt=0)
    source: str = ""
    verified: bool = False


class SkmOption(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=OPTION_CODE)
    label: Localized


class SkmUnsur(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^U[1-9]$")
    name: Localized
    question: Localized
    answers: list[Localized] = Field(min_length=4, max_length=4)  # scores 1, 2, 3, 4


class SkmField(BaseModel):
    """A respondent field of the standard form (gender, age band, education, occupation)."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z]{2,10}$")
    column: str = Field(min_length=1)  # the export's column header
    question: Localized
    options: list[SkmOption] = Field(min_length=2)


class SkmPoster(BaseModel):
    """The words of a unit's printed QR poster; both languages are printed, one under the other."""

    model_config = ConfigDict(extra="forbid")
    heading: Localized      # "Bagaimana pelayanan kami?"
    scan: Localized         # how to take the survey with the QR code
    note: Localized         # what happens with the answers


class Skm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = ""
    verified: bool = False
    poster: SkmPoster | None = None
    unsur: list[SkmUnsur]
    respondent: list[SkmField]
    services: list[SkmOption] = Field(min_length=1)

    def field(self, key: str) -> SkmField | None:
        return next((f for f in self.respondent if f.key == key), None)

    def unsur_by_code(self, code: str) -> SkmUnsur | None:
        return next((u for u in self.unsur if u.code == code), None)

    def service(self, code: str) -> SkmOption | None:
        return next((s for s in self.services if s.code == code), None)


class Content(BaseModel):
    model_config = ConfigDict(extra="forbid")
    office: Office
    regions: list[Region]
    programs: list[Program] = []
    screener: Screener | None = None
    units: list[Unit] = Field(default_factory=list)
    skm: Skm | None = None
    # the understanding layer's lexicon (content/concepts.yaml, content/requests.yaml), raw:
    # bot.features.programs.concepts builds it
    concepts: dict = Field(default_factory=dict)
    requests: dict = Field(default_factory=dict)
    # content/kecamatan.yaml, by kab/kota code (empty if the file is absent)
    kecamatan: dict[str, list[Kecamatan]] = Field(default_factory=dict)

    def kecamatan_of(self, region_code: str) -> list[Kecamatan]:
        return self.kecamatan.get(region_code, [])

    def kecamatan_by_code(self, code: str | None) -> Kecamatan | None:
        if not code:
            return None
        return next((k for k in self.kecamatan_of(code[:4]) if k.code == code), None)

    def unit(self, code: str) -> Unit | None:
        code = code.upper()
        return next((u for u in self.units if u.code == code), None)

    def region(self, code: str) -> Region | None:
        return next((r for r in self.regions if r.code == code), None)


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
    units, skm = _load_skm(content_dir)
    _check_unit_regions(units, regions, content_dir / "units.yaml")
    lexicon = {name: read_yaml(content_dir / f"{name}.yaml") or {}
               for name in ("concepts", "requests") if (content_dir / f"{name}.yaml").exists()}
    kecamatan = _load_kecamatan(content_dir, {r.code for r in regions})
    return Content(office=office, regions=regions, programs=programs, screener=screener,
                   units=units, skm=skm, kecamatan=kecamatan, **lexicon)


def _load_kecamatan(content_dir: Path, region_codes: set[str]) -> dict[str, list[Kecamatan]]:
    path = content_dir / "kecamatan.yaml"
    if not path.exists():
        return {}
    data = (read_yaml(path) or {}).get("kecamatan") or {}
    if not isinstance(data, dict):
        raise ContentError(f"{path}: field kecamatan: expected kab/kota codes with their lists")
    out: dict[str, list[Kecamatan]] = {}
    for region, items in data.items():
        region = str(region)
        if region not in region_codes:
            raise ContentError(f"{path}: field kecamatan: {region} is not a kab/kota of "
                               "regions.yaml")
        found = [validate(Kecamatan, k, path) for k in items or []]
        if any(k.region_code != region for k in found) or \
                len({k.code for k in found}) != len(found):
            raise ContentError(f"{path}: field kecamatan.{region}: codes must start with "
                               f"{region} and be unique")
        out[region] = found
    return out


def _check_unit_regions(units: list[Unit], regions: list[Region], path: Path) -> None:
    """Each unit's region is a kabupaten/kota of regions.yaml named like the unit's town."""
    names = {r.code: r.name for r in regions}
    for u in units:
        if u.region not in names:
            raise ContentError(f"{path}: unit {u.code}: region {u.region!r} is not a code of "
                               "regions.yaml")
        if names[u.region].casefold() != u.city.casefold():
            raise ContentError(f"{path}: unit {u.code}: region {u.region} is "
                               f"{names[u.region]}, not the unit's town {u.city}")


def _load_skm(content_dir: Path) -> tuple[list[Unit], Skm]:
    units_path = content_dir / "units.yaml"
    data = read_yaml(units_path) or {}
    source = str(data.get("source", ""))
    units = []
    for n, raw in enumerate(data.get("units") or []):
        if isinstance(raw, dict) and source and "source" not in raw:
            raw = {**raw, "source": source}
        try:
            units.append(Unit.model_validate(raw))
        except ValidationError:
            validate(Unit, raw, units_path.with_name(f"{units_path.name} (unit {n + 1})"))
    codes = [u.code for u in units]
    if not units or len(set(codes)) != len(codes):
        raise ContentError(f"{units_path}: field units: need at least one unit, codes unique")
    skm_path = content_dir / "skm.yaml"
    skm: Skm = validate(Skm, read_yaml(skm_path), skm_path)
    if [u.code for u in skm.unsur] != [f"U{n}" for n in range(1, 10)]:
        raise ContentError(f"{skm_path}: field unsur: expected the nine unsur U1..U9 in order")
    for f in skm.respondent:
        if len({o.code for o in f.options}) != len(f.options):
            raise ContentError(f"{skm_path}: field respondent.{f.key}: option codes repeat")
    if len({f.key for f in skm.respondent}) != len(skm.respondent):
        raise ContentError(f"{skm_path}: field respondent: keys repeat")
    return units, skm
