"""The document store, and the check every upload passes before it is stored.

Bytes are content-addressed: a document is stored once under its sha256, however often and
under whatever name it is uploaded; its metadata (type, issuer, file name) is a database row.
Only ids and sha256 travel through Temporal, never the bytes.

What a document *is* comes from its bytes alone: the file name and the declared content type
are the sender's claims, so a PDF named ``photo.jpg`` is stored and served as a PDF.

Everything here is blocking file and CPU work: async callers run it in a thread
(``asyncio.to_thread``).
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import tempfile
import unicodedata
import zlib
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from io import BytesIO
from pathlib import Path

import filetype
import pypdf.filters
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from settings import Settings

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool = False  # no blob of this sha256 was there before this ``put``


class BlobNotFound(LookupError):
    """No blob is stored under this sha256."""


class BlobCorrupted(RuntimeError):
    """A stored blob's bytes no longer hash to its name; it is never served as evidence."""


class DocumentStore:
    """Blobs on disk under ``root/ab/cd/<sha256>``: the fan-out keeps directories small."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a lower-case hex sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> StoredBlob:
        """Store ``data`` (idempotent: the same bytes are written once)."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        created = not target.is_file()
        # A blob of the right size is these bytes; one of another size is damaged: rewrite it.
        if created or target.stat().st_size != len(data):
            _write_atomically(target, data)
        return StoredBlob(sha256, len(data), created)

    def remove(self, sha256: str) -> None:
        """Delete a blob nothing names (the caller has made sure); absent is fine."""
        self.path(sha256).unlink(missing_ok=True)

    def get(self, sha256: str) -> bytes:
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobCorrupted(sha256)
        return data

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()


def _write_atomically(target: Path, data: bytes) -> None:
    """Temp file beside the target, fsync, rename: a reader sees all of the bytes or none.

    The directory is fsynced too: the database row naming this sha256 is committed right
    after, and must never outlive a crash that the blob did not.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


# ----- upload validation -----

PDF = "application/pdf"

# What filetype recognises in the bytes -> the content type the document is stored and served
# with. An animated PNG is a PNG to every viewer.
IMAGE_TYPES = {
    "image/jpeg": "image/jpeg",
    "image/png": "image/png",
    "image/apng": "image/png",
    "image/heic": "image/heic",
    "image/tiff": "image/tiff",
    "image/webp": "image/webp",
}
ACCEPTED = "only PDF and images (JPEG, PNG, HEIC, TIFF, WebP) are accepted"

_MIB = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_pdf_pages: int
    # What inspecting one PDF may unpack, in all (see ``_ExpansionBudget``). Inspection reads
    # the document's structure only: its cross-reference and object streams (the dictionaries
    # of pages, annotations, forms), never page content, images or fonts. A 200-page scan's
    # structure unpacks to well under a megabyte, a heavily tagged office document's to a few;
    # 32 MiB is room for the 200,000 objects the walk accepts (``_MAX_OBJECTS``) at ~160 bytes
    # each, yet unpacking and parsing it costs the same order of CPU as a plain 20 MiB upload.
    max_pdf_expansion: int = 32 * _MIB
    max_pdf_streams: int = 10_000  # a real file's object streams hold ~100 objects each

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadLimits:
        return cls(settings.max_upload_bytes, settings.max_pdf_pages)


@dataclass(frozen=True)
class InspectedUpload:
    content_type: str  # from the bytes, never from the name or the declared type
    size: int
    sha256: str
    pages: int | None  # PDFs only


SERVED_TYPES = frozenset({PDF, *IMAGE_TYPES.values()})  # what a download may be served as
_DISPLAY_NAME_MAX = 200


def display_name(filename: str | None) -> str:
    """The file name a document is stored, listed and downloaded under: the sender's name
    without any folder (``../../x.pdf``, ``C:\\x.pdf`` are ``x.pdf``), without control and
    format characters (NUL, newlines, right-to-left overrides that make ``fdp.exe`` read as
    ``exe.pdf``), without leading dots, at most 200 characters with its extension kept;
    ``document`` when nothing is left."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    name = " ".join(name.split())  # tabs and line breaks are spaces, runs of them one
    name = "".join(
        c for c in without_format_characters(name) if unicodedata.category(c) not in ("Cc", "Cs")
    )
    name = name.lstrip(". ").strip()
    if len(name) > _DISPLAY_NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: _DISPLAY_NAME_MAX - len(extension) - 1] + "." + extension
        else:
            name = name[:_DISPLAY_NAME_MAX]
    return name or "document"


def without_format_characters(text: str) -> str:
    """``text`` without the format characters that show as nothing or reorder what is shown
    (a soft hyphen, a zero-width space, a right-to-left override): "Auto\u00adhaus" is stored
    as the "Autohaus" it reads."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


class UnacceptableDocument(ValueError):
    """An upload refused; the message is for the person who sent it (a 422 on ``file``)."""


def inspect_upload(
    data: bytes, filename: str, declared_content_type: str | None, limits: UploadLimits
) -> InspectedUpload:
    """Say what ``data`` is, or refuse it with a message that names the file."""
    if "\x00" in filename:
        raise UnacceptableDocument("the file name must not contain the NUL character (U+0000)")
    name = f'"{display_name(filename)}"' if filename else "the file"
    if not data:
        raise UnacceptableDocument(f"{name} is empty")
    if len(data) > limits.max_bytes:
        raise UnacceptableDocument(
            f"{name} is larger than the {limits.max_bytes / _MIB:g} MiB limit"
        )
    kind = filetype.guess(data)
    detected = kind.mime if kind else None
    pages = None
    if detected == PDF:
        content_type = PDF
        pages = _pdf_pages(data, name, limits)
    elif detected in IMAGE_TYPES:
        content_type = IMAGE_TYPES[detected]
        sound = _HEADER_CHECKS.get(content_type)
        if sound and not sound(data):
            raise UnacceptableDocument(f"{name} is a damaged or incomplete image")
    else:
        declared = f" (sent as {declared_content_type})" if declared_content_type else ""
        found = f"is {detected}" if detected else "is of no recognised type"
        raise UnacceptableDocument(f"{ACCEPTED}: the content of {name}{declared} {found}")
    return InspectedUpload(content_type, len(data), hashlib.sha256(data).hexdigest(), pages)


def _pdf_pages(data: bytes, name: str, limits: UploadLimits) -> int:
    """The page count of a PDF that passes every check, all within one unpacking budget."""
    budget = _ExpansionBudget(limits.max_pdf_expansion, limits.max_pdf_streams)
    scope = _EXPANSION_BUDGET.set(budget)
    try:
        pages = _checked_pdf_pages(data, name, limits.max_pdf_pages)
    except UnacceptableDocument as refused:
        # pypdf may have turned the refused unpacking into "damaged", or found more after it
        if budget.refusal is not None:
            raise UnacceptableDocument(f"{name} {budget.refusal}") from refused
        raise
    finally:
        _EXPANSION_BUDGET.reset(scope)
    if budget.refusal is not None:  # pypdf (not strict) read on past a refused stream
        raise UnacceptableDocument(f"{name} {budget.refusal}")
    return pages


def _checked_pdf_pages(data: bytes, name: str, max_pages: int) -> int:
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
    except Exception as error:  # untrusted bytes: a damaged PDF fails in many ways inside pypdf
        raise UnacceptableDocument(f"{name} is a damaged or incomplete PDF") from error
    # Even an empty user password is refused: an auditor must open the file years from now
    # without a password and without depending on a viewer's leniency.
    if encrypted:
        raise UnacceptableDocument(
            f"{name} is an encrypted PDF; upload it without password protection"
        )
    if pages == 0:
        raise UnacceptableDocument(f"{name} is a PDF without pages")
    if pages > max_pages:
        raise UnacceptableDocument(f"{name} has {pages} pages; at most {max_pages} are accepted")
    try:
        active = active_content(reader)
    except Exception as error:  # a reference that leads nowhere, a loop pypdf trips over
        raise UnacceptableDocument(f"{name} is a damaged or incomplete PDF") from error
    if active is not None:
        raise UnacceptableDocument(
            f"{name} contains {active}; PDFs with active content are refused: print it to a "
            "new PDF (or flatten it) and upload that"
        )
    return pages


# ----- what inspecting a PDF may unpack -----


class _ExpansionBudget:
    """The bytes and streams that inspecting one PDF may still decompress.

    pypdf caps each stream it decodes (75 MB by default) but nothing caps their sum: a small
    upload of many object streams, each a few kilobytes inflating to tens of megabytes, made
    the inspection take minutes of CPU and gigabytes of memory. Every stream pypdf decodes
    while a budget is set (``_EXPANSION_BUDGET``) is charged to it: pypdf's own per-stream
    output limits are lowered to what is left, so no single stream can overdraw the budget,
    and a stream refused once leaves the budget spent (pypdf, reading leniently, may carry on
    past a failed stream; the refusal is remembered and wins).
    """

    def __init__(self, max_bytes: int, max_streams: int) -> None:
        self.max_bytes = max_bytes
        self.max_streams = max_streams
        self.bytes_left = max_bytes
        self.streams_left = max_streams
        self.refusal: str | None = None  # why the PDF was refused, once it was

    def decode(self, stream: StreamObject) -> bytes:
        if self.refusal is None and self.streams_left <= 0:
            self.refusal = (
                f"has more than {self.max_streams} compressed streams to unpack; "
                "print it to a new PDF and upload that"
            )
        if self.refusal is None and self.bytes_left <= 0:  # 0 would mean "no limit" to pypdf
            self._overdrawn()
        if self.refusal is not None:
            raise _ExpansionRefused(self.refusal)
        self.streams_left -= 1
        try:
            limits = dict.fromkeys(_PYPDF_OUTPUT_LIMITS, self.bytes_left)
            with apply_configuration(None, **limits):
                decoded = _pypdf_decode_stream_data(stream)
        except LimitReachedError as error:  # one of the limits above: this stream overdraws
            if self.refusal is None:
                self._overdrawn()
            raise _ExpansionRefused(str(self.refusal)) from error
        self.bytes_left -= len(decoded)
        if self.bytes_left < 0:  # a filter pypdf does not cap (ASCIIHex) went over
            self._overdrawn()
            raise _ExpansionRefused(str(self.refusal))
        return decoded

    def _overdrawn(self) -> None:
        self.bytes_left = 0
        self.refusal = (
            f"expands to more than {self.max_bytes / _MIB:g} MiB when its compressed parts are "
            "unpacked; print it to a new PDF and upload that"
        )


class _ExpansionRefused(LimitReachedError):
    """A stream not decoded: the budget of the PDF being inspected is spent."""


# pypdf's per-stream limits (``pypdf.Configuration``) that bound what one stream may decode
_PYPDF_OUTPUT_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "jbig2_maximum_output_length",
    "array_based_stream_maximum_output_length",
    "image_maximum_buffer_size",
    "stream_decoding_work_maximum_length",  # what all of a stream's filters take in, together
)

_EXPANSION_BUDGET: ContextVar[_ExpansionBudget | None] = ContextVar(
    "pdf_expansion_budget", default=None
)

# pypdf decodes every stream through ``pypdf.filters.decode_stream_data`` (imported at each
# call by ``EncodedStreamObject.get_data``): object streams, cross-reference streams, and the
# object streams it scans for when it rebuilds a damaged file's cross-reference table.
# Wrapped once for the process; outside an inspection (no budget set) it is pypdf's own.
_pypdf_decode_stream_data: Callable[[StreamObject], bytes] = getattr(
    pypdf.filters.decode_stream_data, "__wrapped__", pypdf.filters.decode_stream_data
)


@wraps(_pypdf_decode_stream_data)
def _decode_stream_data_within_budget(stream: StreamObject) -> bytes:
    budget = _EXPANSION_BUDGET.get()
    if budget is None:
        return _pypdf_decode_stream_data(stream)
    return budget.decode(stream)


pypdf.filters.decode_stream_data = _decode_stream_data_within_budget


# Actions a viewer runs that do more than move to a page or open a link
_ACTIVE_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "a /Launch action",
    "/SubmitForm": "a form that submits its data",
    "/ImportData": "a form that imports data",
    "/GoToE": "a link into embedded files (/EmbeddedFiles)",
    "/RichMediaExecute": "rich media",
}
_MAX_OBJECTS = 200_000  # beyond it the walk stops: a bomb of references is refused as damaged


def active_content(reader: PdfReader) -> str | None:
    """What in the PDF a viewer would run or unpack, in words, or None for a plain document.

    Walks every object reachable from the trailer (the catalog, its pages, annotations, forms
    and name trees; streams' dictionaries, never their content) and looks for JavaScript,
    actions that launch programs or send data, an /OpenAction that does more than show a page,
    embedded files (/EmbeddedFiles, file attachments) and XFA forms. pypdf has decoded names
    (``/J#61vaScript`` is ``/JavaScript``), so spelling a key differently does not hide it.
    """
    root = reader.trailer["/Root"]
    opening = root.get("/OpenAction") if isinstance(root, DictionaryObject) else None
    if isinstance(opening, DictionaryObject) and opening.get("/S") not in (None, "/GoTo"):
        runs = _ACTIVE_ACTIONS.get(str(opening.get("/S")), f"a {opening.get('/S')} action")
        return f"an /OpenAction that runs {runs}"
    seen: set[tuple[int, int]] = set()
    pending: list[object] = [reader.trailer]
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > _MAX_OBJECTS:
                raise ValueError("too many objects")
            item = item.get_object()
        if isinstance(item, DictionaryObject):  # streams too: their dictionary
            found = _active_in(item)
            if found is not None:
                return found
            pending.extend(dict.values(item))  # unresolved: references are followed above
        elif isinstance(item, ArrayObject):
            pending.extend(list.__iter__(item))
    return None


def _active_in(entry: DictionaryObject) -> str | None:
    if "/JS" in entry or "/JavaScript" in entry:  # an action's script, the names' scripts
        return "JavaScript"
    action = entry.get("/S")
    if action in _ACTIVE_ACTIONS:
        return _ACTIVE_ACTIONS[str(action)]
    if (
        "/EmbeddedFiles" in entry
        or "/EF" in entry
        or entry.get("/Type") == "/EmbeddedFile"
        or entry.get("/Subtype") == "/FileAttachment"
    ):
        return "embedded files (/EmbeddedFiles)"
    if "/XFA" in entry:
        return "an XFA form (/AcroForm /XFA)"
    if entry.get("/Subtype") == "/RichMedia":
        return "rich media"
    return None


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Bit depths the PNG specification allows for each colour type
_PNG_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


def _png_is_sound(data: bytes) -> bool:
    """A PNG whose IHDR chunk is intact and describes an image, and whose IEND is there.

    The IEND check catches the commonest damage, an upload cut short.
    """
    if len(data) < 33 or not data.startswith(_PNG_SIGNATURE):
        return False
    length, chunk = struct.unpack(">I4s", data[8:16])
    if length != 13 or chunk != b"IHDR":
        return False
    header, (crc,) = data[16:29], struct.unpack(">I", data[29:33])
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    return (
        zlib.crc32(b"IHDR" + header) == crc
        and width > 0
        and height > 0
        and depth in _PNG_DEPTHS.get(colour, set())
        and data.find(b"IEND", 33) != -1
    )


# Start-of-frame markers: SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC)
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_START_OF_SCAN = 0xDA


def _jpeg_is_sound(data: bytes) -> bool:
    """A JPEG whose marker segments lead to a frame header with a width and components, and
    an end-of-image marker after it (entropy-coded data cannot contain one, so a missing
    EOI means the upload was cut short).
    """
    position = 2  # after SOI, which filetype has seen
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2 or marker == _JPEG_START_OF_SCAN:  # image data before any frame header
            return False
        if marker in _JPEG_FRAMES:
            frame = data[position + 4 : position + 2 + length]
            if len(frame) < 6:
                return False
            _precision, _height, width, components = struct.unpack(">BHHB", frame[:6])
            return width > 0 and components > 0 and data.rfind(b"\xff\xd9") > position
        position += 2 + length
    return False


_HEADER_CHECKS: dict[str, Callable[[bytes], bool]] = {
    "image/png": _png_is_sound,
    "image/jpeg": _jpeg_is_sound,
}
