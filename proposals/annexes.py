"""Annex uploads: streamed with a hard size limit, hashed while streaming, checked by content.

The upload handler writes an uploaded file to a temporary file chunk by chunk, computes its SHA-256
on the way and stops reading the request the moment the file grows past ``settings.ANNEX_MAX_BYTES``
(or before reading a byte when the request already announces more than that): a 2 GB upload is
refused without being stored or held in memory. ``inspect_pdf`` then decides by content: the file
must parse as a PDF, not be encrypted, carry no JavaScript, no automatic actions and no embedded
files, and no stream may decompress beyond a bound (zip bombs). Nothing is stored on refusal."""

from __future__ import annotations

import hashlib
import os
import warnings
import zlib
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

# A few kilobytes of form fields travel with the file; a request announcing more than the file limit
# plus this is refused before its body is read.
FORM_OVERHEAD_BYTES = 64 * 1024
# Decompressed content may not exceed this many times the file's size, nor this absolute bound.
MAX_EXPANSION_RATIO = 100
MAX_DECOMPRESSED_BYTES = 200 * 1024 * 1024

ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA", "/OpenAction", "/Launch", "/EmbeddedFiles", "/EmbeddedFile"}


class AnnexTooLarge(Exception):
    pass


def max_bytes() -> int:
    return int(getattr(settings, "ANNEX_MAX_BYTES", 10 * 1024 * 1024))


def too_large_message() -> str:
    return _("The file is larger than the limit of %(limit)s.") % {"limit": filesizeformat(max_bytes())}


class AnnexUploadHandler(FileUploadHandler):
    """Streams each uploaded file to a temporary file with its SHA-256, and stops the upload as soon
    as it exceeds the annex size limit. After parsing, ``too_large`` tells the view what happened."""

    def __init__(self, request=None):
        super().__init__(request)
        self.too_large = False
        self.limit = max_bytes()

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_length = content_length or 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if getattr(self, "request_length", 0) > self.limit + FORM_OVERHEAD_BYTES:
            # Refuse before reading a single byte of the file.
            self.too_large = True
            raise StopUpload(connection_reset=True)
        self.received = 0
        self.sha256 = hashlib.sha256()
        self.file = TemporaryUploadedFile(self.file_name, self.content_type, 0, self.charset)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            self._discard()
            raise StopUpload(connection_reset=True)
        self.sha256.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self.sha256.hexdigest()
        return self.file

    def upload_interrupted(self):
        self._discard()

    def _discard(self):
        file = getattr(self, "file", None)
        if file is None:
            return
        try:
            path = file.temporary_file_path()
            file.close()
            os.remove(path)
        except (FileNotFoundError, OSError):
            pass
        # Django's parser closes ``handler.file`` when it exists; this one is gone already.
        del self.file


def use_annex_upload_handler(request) -> AnnexUploadHandler:
    """Install the annex handler on a Django request before its body is read."""
    handler = AnnexUploadHandler(request)
    request.upload_handlers = [handler]
    return handler


def accepts_pdf_upload(view):
    """Decorate a page that takes a PDF upload with the annex handler, installed before the body is
    read (hence the CSRF check inside, once the handler is in place). The view then asks
    ``upload_too_large(request)`` before it looks at the form: a stopped upload has no file."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            request.pdf_upload_handler = use_annex_upload_handler(request)
        return csrf_protect(view)(request, *args, **kwargs)

    return wrapper


def upload_too_large(request) -> bool:
    handler = getattr(request, "pdf_upload_handler", None)
    if handler is None:
        return False
    request.POST  # noqa: B018 (parses the body, through the handler, if nothing has yet)
    return handler.too_large


def checked_pdf(file, *, field: str = "file") -> PdfFacts:
    """``inspect_pdf`` with its refusal put on the form field ``field``: every upload of the portal
    (annexes, call documents, report attachments, governance documents) passes this one check."""
    try:
        return inspect_pdf(file)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def uploaded_name(file, default: str) -> str:
    """The name the uploader gave the file (kept for the download; never used to store it)."""
    return (getattr(file, "name", "") or default).rsplit("/", 1)[-1][:255]


def sha256_of(file) -> str:
    """The upload handler's hash when it made the file, otherwise read in chunks."""
    digest = getattr(file, "sha256", None)
    if digest:
        return digest
    h = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b""):
        h.update(chunk)
    file.seek(0)
    return h.hexdigest()


@dataclass
class PdfFacts:
    pages: int
    size: int
    sha256: str


def _head(file, n=1024) -> bytes:
    file.seek(0)
    head = file.read(n)
    file.seek(0)
    return head


def _refuse_by_magic(head: bytes) -> None:
    if head.startswith(b"%PDF-"):
        return
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        raise ValidationError(_("This file is a ZIP archive, not a PDF."), code="zip")
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml", b"<svg", b"<script")):
        raise ValidationError(_("This file is a web page (HTML), not a PDF."), code="html")
    raise ValidationError(_("This file is not a PDF. Only PDF files are accepted."), code="not_pdf")


def _bounded_inflate(data: bytes, budget: int) -> int:
    """Length of ``data`` inflated, stopping with a refusal once it passes ``budget``."""
    inflater = zlib.decompressobj()
    total = 0
    chunk = data
    while chunk:
        out = inflater.decompress(chunk, 1024 * 1024)
        total += len(out)
        if total > budget:
            raise ValidationError(
                _("This PDF expands to far more data than its size suggests (a compression bomb)."),
                code="bomb",
            )
        chunk = inflater.unconsumed_tail
    return total


def _name(value) -> str:
    return str(value) if value is not None else ""


def _check_objects(reader, size: int) -> None:
    """Walk every object of the file: refuse active content, embedded files and compression bombs."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    budget = min(MAX_DECOMPRESSED_BYTES, max(size, 1024 * 1024) * MAX_EXPANSION_RATIO)
    used = 0
    seen: set[int] = set()
    stack = [reader.trailer]
    for generation, objects in reader.xref.items():
        for number in objects:
            stack.append(IndirectObject(number, generation, reader))
    for number in getattr(reader, "xref_objStm", {}):
        stack.append(IndirectObject(number, 0, reader))
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            keys = set(item.keys())
            if keys & {"/JS", "/JavaScript"} or _name(item.get("/S")) == "/JavaScript":
                raise ValidationError(
                    _("This PDF contains JavaScript, which is not allowed."), code="javascript"
                )
            if keys & {"/AA", "/OpenAction", "/Launch"} or _name(item.get("/S")) == "/Launch":
                raise ValidationError(
                    _("This PDF runs actions automatically when opened, which is not allowed."), code="action"
                )
            if (
                keys & {"/EmbeddedFiles", "/EmbeddedFile"}
                or _name(item.get("/Subtype")) == "/FileAttachment"
                or _name(item.get("/Type")) in {"/EmbeddedFile", "/Filespec"}
            ):
                raise ValidationError(
                    _("This PDF contains embedded files, which are not allowed."), code="embedded"
                )
            if isinstance(item, StreamObject):
                filters = item.get("/Filter")
                first = _name(filters[0] if isinstance(filters, ArrayObject) and filters else filters)
                raw = getattr(item, "_data", b"") or b""
                if first in {"/FlateDecode", "/Fl"}:
                    used += _bounded_inflate(raw, budget - used)
            stack.extend(v for k, v in item.items() if k != "/Parent")
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def inspect_pdf(file) -> PdfFacts:
    """Check an uploaded file by content; raise a readable ValidationError or return its facts."""
    from pypdf import PdfReader

    size = file.size if getattr(file, "size", None) is not None else len(file.read())
    if size > max_bytes():
        raise ValidationError(too_large_message(), code="too_large")
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    _refuse_by_magic(_head(file))
    file.seek(0)
    with warnings.catch_warnings():
        # pypdf warns about the many small defects of real-world PDFs; only a hard failure counts.
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(file, strict=False)
            if reader.is_encrypted:
                raise ValidationError(
                    _("This PDF is encrypted or password-protected. Please upload it without a password."),
                    code="encrypted",
                )
            pages = len(reader.pages)
            _check_objects(reader, size)
        except ValidationError:
            raise
        except Exception as exc:  # pypdf raises many kinds of errors on a damaged file
            raise ValidationError(
                _("This PDF is damaged and cannot be read. Please export it again and retry."), code="broken"
            ) from exc
    if pages == 0:
        raise ValidationError(_("This PDF has no pages."), code="broken")
    file.seek(0)
    return PdfFacts(pages=pages, size=size, sha256=sha256_of(file))
