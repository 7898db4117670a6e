"""The public summary of a period: one self-contained HTML page (and its PDF) the office can put
on its website, as the standard asks units to publish their IKM.

No personal data: only counts and indices. No suggestions (residents may name people in them),
no respondent rows, no volunteer names; a unit with fewer than MIN_PUBLIC respondents shows no
figures, so that nobody's answers can be read off a unit's NRR.

Plain blocking functions: the command line calls them directly.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io

from bot.core.i18n import N_
from bot.features.skm import chart, render
from bot.features.skm.reports import Report, UnitReport
from bot.features.skm.trend import ranking

MIN_PUBLIC = 5

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;
margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem}
.lead{font-size:1.15rem}.big{font-size:2.4rem;font-weight:700;color:#1f4e79}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border-bottom:1px solid #ccc;padding:.35rem .5rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#dde7f0}img{max-width:100%;height:auto}
.note{color:#555;font-size:.9rem}
"""


def _unit_figures(t, u: UnitReport) -> tuple[str, str]:
    """(IKM, grade) as shown in public for one unit."""
    if u.respondents < MIN_PUBLIC or u.result is None:
        return "–", t(N_("fewer than {n} respondents")).format(n=MIN_PUBLIC)
    if u.graded is None:
        return render.number(u.result.ikm, t.locale), t(N_("sample not yet sufficient"))
    g = u.graded.grade
    return render.number(u.result.ikm, t.locale), f"{g.mutu} ({t(render.KINERJA[g.mutu])})"


def page(t, report: Report, office: str, unsur_names: dict[str, str],
         now: dt.datetime) -> tuple[str, bytes]:
    """(HTML, PDF) of the public summary; the chart is inside the page as a data: URL."""
    from matplotlib.backends.backend_pdf import PdfPages

    e = html.escape
    loc = t.locale
    main = report.overall
    period = render.period_words(t, report.period)
    fig = None
    img = ""
    if main.result is not None and main.respondents >= MIN_PUBLIC:
        spec = render.nrr_chart_spec(t, report, unsur_names, now)
        fig = chart.nrr_figure(spec)
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=150, facecolor="white")
        img = ('<img alt="{}" src="data:image/png;base64,{}">'.format(
            e(t(N_("Average score per element of the service"))),
            base64.b64encode(png.getvalue()).decode("ascii")))
    if main.result is not None and main.respondents >= MIN_PUBLIC:
        g = main.result.grade
        grade = t(N_("Mutu {mutu} ({kinerja})")).format(mutu=g.mutu,
                                                         kinerja=t(render.KINERJA[g.mutu]))
        count = t.ngettext("{n} respondent", "{n} respondents",
                           main.respondents).format(n=main.respondents)
        headline = (f'<p class="big">{e(render.number(main.result.ikm, loc))}</p>'
                    f'<p class="lead">{e(grade)} · {e(count)}</p>')
        if main.assisted:
            headline += "<p>" + e(t(N_("Of these, {n} answered with the help of a social "
                                       "volunteer.")).format(n=main.assisted)) + "</p>"
    else:
        headline = f'<p class="lead">{e(t(N_("Not enough responses in this period yet.")))}</p>'
    rows = []
    for u in ranking(report):
        ikm_text, grade_text = _unit_figures(t, u)
        rows.append(f"<tr><td>{e(u.name)}</td><td class=n>{u.respondents}</td>"
                    f"<td class=n>{e(ikm_text)}</td><td>{e(grade_text)}</td></tr>")
    silent = [report.unit_names.get(c, c) for c in report.silent_units]
    heads = [t(N_("Unit")), t(N_("Respondents")), "IKM", t(N_("Grade"))]
    parts = [
        "<!doctype html>", f'<html lang="{e(loc)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(t(N_('Community Satisfaction Index')))} · {e(period)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{e(t(N_('Community Satisfaction Index')))} (IKM)</h1>",
        f"<p>{e(office)} · {e(period)}</p>", headline, img,
        f"<h2>{e(t(N_('Per unit')))}</h2>",
        "<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in heads)
        + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>",
    ]
    if silent:
        parts.append("<p>" + e(t(N_("Units without responses in this period ({n}): {names}"))
                               .format(n=len(silent), names=", ".join(silent))) + "</p>")
    parts += [
        f"<h2>{e(t(N_('How it is measured')))}</h2>",
        "<p class=note>" + e(t(N_(
            "Residents rate nine elements of the service from 1 to 4 (PermenPANRB No. 14 Tahun "
            "2017). The IKM is the mean of the nine averages times 25, rounded once to two "
            "decimals. A unit whose respondents are fewer than the Krejcie-Morgan minimum for "
            "the people it served gets no grade yet. Units with fewer than {n} respondents show "
            "no figures, to protect the respondents. This page has no personal data.")).format(
            n=MIN_PUBLIC)) + "</p>",
        "<p class=note>" + e(render.source_line(t, now)) + "</p>",
        "</body></html>",
    ]
    text = "\n".join(parts)

    pdf = io.BytesIO()
    with PdfPages(pdf) as doc:
        if fig is not None:
            doc.savefig(fig, facecolor="white")
        doc.savefig(_table_figure(t, report, office, period, heads, now), facecolor="white")
    return text, pdf.getvalue()


def _table_figure(t, report: Report, office: str, period: str, heads: list[str],
                  now: dt.datetime):
    """An A4 page with the per-unit table, for the PDF."""
    fig = chart._figure(8.27, 11.69)
    fig.text(0.06, 0.96, "{} · {}".format(t(N_("Community Satisfaction Index")), period),
             fontsize=13, fontweight="bold", va="top")
    fig.text(0.06, 0.935, office, fontsize=10, va="top")
    body = [[u.name, str(u.respondents), *_unit_figures(t, u)] for u in ranking(report)]
    body += [[report.unit_names.get(c, c), "0", "–", t(N_("no respondents"))]
             for c in report.silent_units]
    ax = fig.add_axes((0.06, 0.06, 0.88, 0.85))
    ax.axis("off")
    if body:
        table = ax.table(cellText=body, colLabels=heads, loc="upper left",
                         colWidths=[0.58, 0.12, 0.1, 0.2], cellLoc="left")
        table.auto_set_font_size(False)
        table.set_fontsize(7)
        table.scale(1, 1.25)
        for (row, _), cell in table.get_celld().items():
            if row == 0:
                cell.set_facecolor("#dde7f0")
                cell.set_text_props(fontweight="bold")
    fig.text(0.06, 0.03, render.source_line(t, now), fontsize=7, color="#555555")
    return fig
