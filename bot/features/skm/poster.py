"""A unit's printable A4 QR poster: the unit's name, the QR code of its survey deep link and the
instructions in Indonesian and Javanese (from content/skm.yaml). PDF (vector) and PNG.

A plain blocking function: the bot calls it through asyncio.to_thread.
"""

from __future__ import annotations

import io
import textwrap

from bot.content import Skm, Unit

A4 = (8.27, 11.69)  # inches
PNG_DPI = 150
QUIET = 4           # the quiet zone around a QR code, in modules (ISO/IEC 18004)
BLUE = "#1f4e79"
FALLBACK = {
    "heading": ("Bagaimana pelayanan kami?", "Kados pundi pelayanan kula?"),
    "scan": ("Pindai kode QR dengan kamera ponsel, lalu tekan MULAI di Telegram.",
             "Pindai kode QR mawi kamera HP, lajeng pencet MULAI wonten ing Telegram."),
    "note": ("", ""),
}


def deep_link(bot_username: str, unit_code: str) -> str:
    """The link a unit's QR code carries: it opens the survey with the unit chosen."""
    return f"https://t.me/{bot_username.lstrip('@')}?start=skm_{unit_code}"


def qr_matrix(link: str) -> list[list[int]]:
    """The QR code's modules (1 = dark), without the quiet zone."""
    import segno

    qr = segno.make(link, error="m", micro=False)
    return [list(row) for row in qr.matrix]


def _words(skm: Skm | None, key: str) -> tuple[str, str]:
    if skm is not None and skm.poster is not None:
        text = getattr(skm.poster, key)
        return text.id, text.jv
    return FALLBACK[key]


def poster(unit: Unit, bot_username: str, skm: Skm | None = None) -> tuple[bytes, bytes]:
    """(PDF, PNG) of the unit's poster."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PatchCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    link = deep_link(bot_username, unit.code)
    matrix = qr_matrix(link)
    size = len(matrix)
    fig = Figure(figsize=A4, dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    heading = _words(skm, "heading")
    scan = _words(skm, "scan")
    note = _words(skm, "note")

    fig.text(0.5, 0.94, "SURVEI KEPUASAN MASYARAKAT (SKM)", ha="center", va="top",
             fontsize=15, fontweight="bold", color=BLUE)
    fig.text(0.5, 0.905, heading[0], ha="center", va="top", fontsize=24, fontweight="bold")
    fig.text(0.5, 0.865, heading[1], ha="center", va="top", fontsize=16, style="italic",
             color="#333333")
    fig.text(0.5, 0.815, textwrap.fill(unit.name, 40), ha="center", va="top", fontsize=17,
             fontweight="bold", color=BLUE, linespacing=1.3)

    # the QR code as vector squares (sharp at any print size), quiet zone included
    side = 0.62  # of the page width
    height = side * A4[0] / A4[1]
    ax = fig.add_axes((0.5 - side / 2, 0.30, side, height))
    squares = [Rectangle((x, size - 1 - y), 1, 1)
               for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark]
    ax.add_collection(PatchCollection(squares, facecolor="black", edgecolor="black",
                                      linewidth=0.1))
    ax.set_xlim(-QUIET, size + QUIET)
    ax.set_ylim(-QUIET, size + QUIET)
    ax.set_aspect("equal")
    ax.axis("off")

    fig.text(0.5, 0.275, link, ha="center", va="top", fontsize=10, family="monospace",
             color="#333333")
    fig.text(0.5, 0.235, textwrap.fill(scan[0], 58), ha="center", va="top", fontsize=14,
             fontweight="bold", linespacing=1.3)
    fig.text(0.5, 0.165, textwrap.fill(scan[1], 62), ha="center", va="top", fontsize=12.5,
             style="italic", linespacing=1.3, color="#333333")
    if note[0]:
        fig.text(0.5, 0.095, textwrap.fill(note[0], 70), ha="center", va="top", fontsize=10)
        fig.text(0.5, 0.07, textwrap.fill(note[1], 75), ha="center", va="top", fontsize=10,
                 style="italic", color="#333333")
    fig.text(0.5, 0.03, "Dinas Sosial Provinsi Jawa Timur · PermenPANRB No. 14 Tahun 2017",
             ha="center", va="bottom", fontsize=8.5, color="#555555")
    pdf, png = io.BytesIO(), io.BytesIO()
    fig.savefig(pdf, format="pdf", facecolor="white")
    fig.savefig(png, format="png", dpi=PNG_DPI, facecolor="white")
    return pdf.getvalue(), png.getvalue()
