"""One way to hand out a stored PDF: as an attachment, never rendered inline by the browser, never
cached by a shared cache. Every view that serves an uploaded PDF (after its own permission check)
answers through this."""

from django.http import FileResponse


def pdf_attachment(stored_file, filename: str) -> FileResponse:
    response = FileResponse(
        stored_file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
