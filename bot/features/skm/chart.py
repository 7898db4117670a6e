"""The charts a head of office puts in a report: NRR per unsur and the IKM over time.

Plain blocking functions (the bot calls them through asyncio.to_thread). matplotlib is used
through its object API on the Agg canvas: no pyplot, no global state. Every text comes in
already translated; numbers are written with the reader's decimal comma.

Each chart is drawn once as a Figure and saved as a PNG for the chat (200 dpi) and as a PDF
(vector, for print: Telegram recompresses photos).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.features.skm import ikm

# Grade bands in NRR terms (1-4) and in IKM terms (25-100): lowest value, mutu, colour.
BANDS_NRR = (("D", 1.0, 2.60), ("C", 2.60, 3.0644), ("B", 3.0644, 3.5324), ("A", 3.5324, 4.0))
BANDS_IKM = (("D", 25.0, 65.0), ("C", 65.0, 76.61), ("B", 76.61, 88.31), ("A", 88.31, 100.0))
BAND_COLOURS = {"A": "#dcedc8", "B": "#e3f2fd", "C": "#fff3cd", "D": "#fde2e1"}
BAR = "#1f4e79"
PNG_DPI = 200


@dataclass(frozen=True)
class NrrChart:
    title: str                 # "Indeks Kepuasan Masyarakat · PSTW Pasuruan"
    subtitle: str              # "Triwulan IV (Oktober–Desember 2026) · IKM 81,11 · Mutu B ..."
    labels: Sequence[str]      # "U1 Persyaratan", ... (full names)
    values: Sequence[float]    # NRR per unsur, 1-4
    axis: str                  # "Nilai rata-rata (skala 1–4)"
    bands: dict[str, str]      # mutu -> "A Sangat baik"
    source: str                # the footer line
    number: Callable[[float], str]   # 3.3333 -> "3,33"


@dataclass(frozen=True)
class TrendChart:
    title: str
    subtitle: str
    labels: Sequence[str]              # "Jan 2026", ...
    values: Sequence[float | None]     # IKM per period; None: no responses (a gap)
    counts: Sequence[int]              # respondents per period
    axis: str
    gap: str                           # "tidak ada responden"
    bands: dict[str, str]
    source: str
    number: Callable[[float], str]


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _save(fig) -> tuple[bytes, bytes]:
    png, pdf = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png", dpi=PNG_DPI, facecolor="white")
    fig.savefig(pdf, format="pdf", facecolor="white")
    return png.getvalue(), pdf.getvalue()


def _header(fig, title: str, subtitle: str, source: str) -> None:
    fig.text(0.02, 0.965, title, fontsize=14, fontweight="bold", va="top", ha="left")
    fig.text(0.02, 0.905, subtitle, fontsize=10.5, va="top", ha="left", color="#333333")
    fig.text(0.02, 0.02, source, fontsize=7.5, va="bottom", ha="left", color="#555555")


def _bands(ax, bands, names: dict[str, str], vertical: bool) -> None:
    """Shaded grade bands with their names written inside, at the top or the right edge."""
    for mutu, low, high in bands:
        if vertical:
            ax.axvspan(low, high, color=BAND_COLOURS[mutu], zorder=0, lw=0)
            ax.text((low + high) / 2, 1.005, names[mutu], transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=8, color="#333333")
        else:
            ax.axhspan(low, high, color=BAND_COLOURS[mutu], zorder=0, lw=0)
            ax.text(1.01, (low + high) / 2, names[mutu], transform=ax.get_yaxis_transform(),
                    ha="left", va="center", fontsize=8, color="#333333")


def nrr_chart(spec: NrrChart) -> tuple[bytes, bytes]:
    """Horizontal bars of the NRR per unsur over the named grade bands: (PNG, PDF)."""
    return _save(nrr_figure(spec))


def nrr_figure(spec: NrrChart):
    from matplotlib.ticker import FuncFormatter

    fig = _figure(10, 6.2)
    ax = fig.add_axes((0.33, 0.12, 0.57, 0.66))
    n = len(spec.values)
    positions = list(range(n))[::-1]  # U1 at the top
    _bands(ax, BANDS_NRR, spec.bands, vertical=True)
    ax.barh(positions, spec.values, color=BAR, height=0.62, zorder=2)
    for y, v in zip(positions, spec.values, strict=True):
        ax.text(v + 0.03, y, spec.number(v), va="center", ha="left", fontsize=9, zorder=3)
    ax.set_yticks(positions)
    ax.set_yticklabels(spec.labels, fontsize=9)
    ax.set_xlim(1, 4.25)
    ax.set_xticks([1, 1.5, 2, 2.5, 3, 3.5, 4])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: spec.number(v).rstrip("0")
                                               .rstrip(",.") if v % 1 else str(int(v))))
    ax.set_xlabel(spec.axis, fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _header(fig, spec.title, spec.subtitle, spec.source)
    return fig


def trend_chart(spec: TrendChart) -> tuple[bytes, bytes]:
    """The IKM per period as a line over the grade bands; a period without responses is a
    gap in the line, marked as such: (PNG, PDF)."""
    fig = _figure(10, 5.6)
    ax = fig.add_axes((0.07, 0.2, 0.78, 0.58))
    known = [v for v in spec.values if v is not None]
    low = min([60.0, *[v - 5 for v in known]])
    _bands(ax, [(m, max(lo, low), hi) for m, lo, hi in BANDS_IKM if hi > low], spec.bands,
           vertical=False)
    xs = list(range(len(spec.values)))
    # the line breaks at a gap: matplotlib leaves out NaN points
    ys = [float("nan") if v is None else v for v in spec.values]
    ax.plot(xs, ys, color=BAR, marker="o", lw=2, zorder=3)
    for x, v, c in zip(xs, spec.values, spec.counts, strict=True):
        if v is None:
            ax.text(x, low + 1, spec.gap, rotation=90, ha="center", va="bottom", fontsize=7.5,
                    color="#777777")
        else:
            ax.annotate(f"{spec.number(v)}\n(n={c})", (x, v), xytext=(0, 7),
                        textcoords="offset points", ha="center", va="bottom", fontsize=7.5)
    ax.set_xticks(xs)
    ax.set_xticklabels(spec.labels, fontsize=8, rotation=0 if len(xs) <= 6 else 45,
                       ha="center" if len(xs) <= 6 else "right")
    ax.set_xlim(-0.5, len(xs) - 0.5)
    ax.set_ylim(low, 104)
    ax.set_ylabel(spec.axis, fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _header(fig, spec.title, spec.subtitle, spec.source)
    return _save(fig)


def unsur_labels(names: dict[str, str]) -> list[str]:
    return [f"{c} {names.get(c, '')}".strip() for c in ikm.UNSUR_CODES]


@dataclass(frozen=True)
class RankingChart:
    title: str
    subtitle: str
    labels: Sequence[str]            # unit names, best first
    values: Sequence[float]          # IKM per unit
    notes: Sequence[str]             # "n=12", or "n=3 · sampel belum cukup"
    graded: Sequence[bool]           # False: under the minimum sample (drawn hatched, no grade)
    axis: str
    bands: dict[str, str]
    source: str
    number: Callable[[float], str]


def ranking_chart(spec: RankingChart) -> tuple[bytes, bytes]:
    """The IKM of every unit with responses, best at the top, over the grade bands; a unit
    under its minimum sample is drawn hatched and says so: (PNG, PDF)."""
    n = len(spec.values)
    height = max(4.5, 1.6 + 0.38 * n)
    fig = _figure(10, height)
    top = 1 - 1.25 / height
    ax = fig.add_axes((0.33, 0.55 / height + 0.05, 0.55, top - 0.55 / height - 0.1))
    low = min([60.0, *[v - 5 for v in spec.values]])
    _bands(ax, [(m, max(lo, low), hi) for m, lo, hi in BANDS_IKM if hi > low], spec.bands,
           vertical=True)
    positions = list(range(n))[::-1]
    for y, v, ok in zip(positions, spec.values, spec.graded, strict=True):
        ax.barh(y, v - low, left=low, height=0.62, zorder=2,
                color=BAR if ok else "white", edgecolor=BAR, hatch=None if ok else "///")
    for y, v, note in zip(positions, spec.values, spec.notes, strict=True):
        ax.text(v + 0.4, y, f"{spec.number(v)}  ({note})", va="center", ha="left",
                fontsize=8, zorder=3)
    ax.set_yticks(positions)
    ax.set_yticklabels(spec.labels, fontsize=8.5)
    ax.set_xlim(low, 112)
    ax.set_xticks(range(int(-(-low // 10) * 10), 101, 10))
    ax.set_xlabel(spec.axis, fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _header(fig, spec.title, spec.subtitle, spec.source)
    return _save(fig)
