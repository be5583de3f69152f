"""The files of the exports: the Council and JSTCC reports (PDF) and the tables (CSV, Excel).

Every table cell that a spreadsheet could read as a formula is neutralised; the PDFs go through
``loi_portal.pdf.render_pdf`` (deny-by-default fetcher) and show only what the audience may read."""

from __future__ import annotations

import csv
import io

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loi_portal.money import format_amount, from_minor
from loi_portal.pdf import render_pdf
from loi_portal.spreadsheets import neutralise

from . import charts, selectors
from .enums import ExportKind


def tables(*, audience: str = "officers") -> list[tuple[str, list[str], list[list]]]:
    """(name, header, rows) of every exported table, in the current language."""
    ind = selectors.monitoring_indicators(audience=audience)
    calls = [
        [
            row["identifier"],
            row["title"],
            row["deadline"].date().isoformat(),
            row["state"],
            row["received"],
            row["selected"] if row["released"] else "",
            row["success_rate"] if row["success_rate"] is not None else "",
            row["participants"]["EU"],
            row["participants"]["JP"],
            from_minor(row["funding"]["EU"], "EUR"),
            row["funding"]["JP"],
        ]
        for row in ind["calls"]
    ]
    projects = []
    for project in ind["projects"]:
        fundings = list(project.fundings.all())
        projects.append(
            [
                project.acronym,
                project.title,
                project.proposal.call.identifier,
                project.start_date.isoformat(),
                project.end_date.isoformat(),
                from_minor(sum(f.amount_minor for f in fundings if f.side.code == "EU"), "EUR"),
                sum(f.amount_minor for f in fundings if f.side.code == "JP"),
                "; ".join(f"{f.partner.organisation.name} ({f.side.code})" for f in fundings),
            ]
        )
    return [
        (
            _("Calls"),
            [
                _("Call"),
                _("Title"),
                _("Deadline"),
                _("State"),
                _("Proposals received"),
                _("Selected"),
                _("Success rate (%)"),
                _("EU participants"),
                _("Japanese participants"),
                _("EU funding (EUR)"),
                _("Japanese funding (JPY)"),
            ],
            calls,
        ),
        (
            _("Projects"),
            [
                _("Acronym"),
                _("Title"),
                _("Call"),
                _("Start"),
                _("End"),
                _("EU funding (EUR)"),
                _("Japanese funding (JPY)"),
                _("Partners funded"),
            ],
            projects,
        ),
    ]


def write_csv(table_list) -> bytes:
    """One CSV file: each table after a line with its name, tables separated by an empty line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
    for index, (name, header, rows) in enumerate(table_list):
        if index:
            writer.writerow([])
        writer.writerow([neutralise(name)])
        writer.writerow([neutralise(h) for h in header])
        for row in rows:
            writer.writerow([neutralise(cell) for cell in row])
    # A BOM so that spreadsheets open the Japanese text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(table_list) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, header, rows in table_list:
        sheet = workbook.create_sheet(title=str(name)[:31])
        sheet.append([neutralise(h) for h in header])
        for row in rows:
            sheet.append([neutralise(cell) for cell in row])
        # Text cells are typed as strings so that even a neutralised value is never a formula.
        for row_cells in sheet.iter_rows(min_row=1):
            for cell in row_cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_context(kind: str) -> dict:
    """What the Council (public audience) or JSTCC (joint audience) report shows."""
    ind = selectors.monitoring_indicators(audience=kind)
    outcomes = selectors.project_outcomes(ind["projects"])
    project_pages = []
    for project in ind["projects"]:
        fundings = list(project.fundings.all())
        project_pages.append(
            {
                "project": project,
                "fundings": [
                    {
                        "partner": f.partner,
                        "side": f.side,
                        "amount": format_amount(f.amount_minor, f.side.currency),
                    }
                    for f in fundings
                ],
                "outcome": outcomes[project.pk],
            }
        )
    return {
        "kind": kind,
        "ind": ind,
        "charts": charts.monitoring_charts(ind),
        "project_pages": project_pages,
        "generated_at": timezone.now(),
        "funding_eu": format_amount(ind["totals"]["funding"]["EU"], "EUR"),
        "funding_jp": format_amount(ind["totals"]["funding"]["JP"], "JPY"),
    }


def build(kind: str, *, language: str, progress=None) -> bytes:
    progress = progress or (lambda value: None)
    with translation.override(language):
        if kind in (ExportKind.COUNCIL, ExportKind.JSTCC):
            context = report_context(kind)
            progress(40)
            data = render_pdf(
                "reporting/pdf/report.html", context, language=language, stylesheets=["css/report-pdf.css"]
            )
            progress(95)
            return data
        table_list = tables(audience="officers")
        progress(50)
        data = write_csv(table_list) if kind == ExportKind.CSV else write_xlsx(table_list)
        progress(95)
        return data
