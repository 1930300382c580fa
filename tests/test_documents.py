"""The document store on a real directory, and upload validation on real files.

PDFs are made with reportlab and read back with pypdf; the PNG is built byte by byte with the
standard library; JPEG, TIFF and WebP come from Pillow (reportlab's own image library).
"""

from __future__ import annotations

import hashlib
import struct
import time
import zipfile
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from settings import Settings
from store.documents import (
    BlobCorrupted,
    BlobNotFound,
    DocumentStore,
    InspectedUpload,
    UnacceptableDocument,
    UploadLimits,
    inspect_upload,
)

pytestmark = pytest.mark.fast

LIMITS = UploadLimits.from_settings(Settings())
_MIB = 1024 * 1024


def make_pdf(pages: int = 1) -> bytes:
    out = BytesIO()
    canvas = Canvas(out, invariant=1)
    for number in range(1, pages + 1):
        canvas.drawString(72, 720, f"CMR waybill, page {number}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def make_object_stream_pdf(streams: int, unpacked: int, xref_broken: bool = False) -> bytes:
    """A one-page PDF whose catalog names ``streams`` objects, each alone in a FlateDecode
    object stream that unpacks to ``unpacked`` bytes, listed by a cross-reference stream.

    With a large ``unpacked`` it is a decompression bomb: a few kilobytes on disk per stream.
    The padding sits before the stream's first object (/First), where no reader parses it
    (and is not whitespace, which pypdf would skip byte by byte): the test costs the
    unpacking, never a slow parse. With ``xref_broken`` the startxref
    offset is wrong, so a reader rebuilds the table by scanning every object stream.
    """
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    packed_in: dict[int, int] = {}  # object -> the object stream holding it

    def put(number: int, body: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    holders = [10 + 2 * i for i in range(streams)]  # object stream n holds object n + 1
    named = b" ".join(b"%d 0 R" % (n + 1) for n in holders)
    put(1, b"<< /Type /Catalog /Pages 2 0 R /Extras [%s] >>" % named)
    put(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    put(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    for n in holders:
        header, inner = b"%d 0 " % (n + 1), b"<< /Note (structure) >>"
        first = max(len(header), unpacked - len(inner))
        packer = zlib.compressobj(9)
        packed = packer.compress(header)
        for start in range(len(header), first, 1 << 20):
            packed += packer.compress(b"%" * min(1 << 20, first - start))
        packed += packer.compress(inner) + packer.flush()
        put(
            n,
            b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\n"
            b"stream\n%s\nendstream" % (first, len(packed), packed),
        )
        packed_in[n + 1] = n
    size = (holders[-1] if holders else 3) + 3
    xref = size - 1
    offsets[xref] = len(out)
    rows = b"".join(
        struct.pack(">BIH", 1, offsets[n], 0)
        if n in offsets
        else struct.pack(">BIH", 2, packed_in[n], 0)
        if n in packed_in
        else struct.pack(">BIH", 0, 0, 0)
        for n in range(size)
    )
    out.extend(
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\n"
        b"stream\n%s\nendstream\nendobj\n" % (xref, size, len(rows), rows)
    )
    out.extend(b"startxref\n%d\n%%%%EOF\n" % (offsets[xref] + (7 if xref_broken else 0)))
    return bytes(out)


def encrypt(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def make_png(width: int = 2, height: int = 2) -> bytes:
    """An 8-bit RGB PNG: each scanline is a filter byte (0, none) and its pixels."""
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(rows))
        + png_chunk(b"IEND", b"")
    )


def make_image(format: str) -> bytes:
    out = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format=format)
    return out.getvalue()


def refusal(data: bytes, filename: str = "upload", limits: UploadLimits = LIMITS) -> str:
    with pytest.raises(UnacceptableDocument) as refused:
        inspect_upload(data, filename, None, limits)
    return str(refused.value)


# ----- the store -----


def test_blobs_are_stored_under_their_sha256_with_a_fan_out(tmp_path: Path):
    store = DocumentStore(tmp_path)
    data = make_pdf()
    sha256 = hashlib.sha256(data).hexdigest()

    blob = store.put(data)

    assert (blob.sha256, blob.size) == (sha256, len(data))
    assert (tmp_path / sha256[:2] / sha256[2:4] / sha256).read_bytes() == data
    assert store.exists(sha256)
    assert store.get(sha256) == data


def test_storing_the_same_bytes_twice_writes_once_and_leaves_no_temp_files(tmp_path: Path):
    store = DocumentStore(tmp_path)
    first = store.put(b"the same proof of payment")
    stored = store.path(first.sha256)
    written = stored.stat().st_mtime_ns

    again = store.put(b"the same proof of payment")
    assert (again.sha256, again.size) == (first.sha256, first.size)
    assert first.created and not again.created  # who wrote it: a refused upload may remove it
    assert stored.stat().st_mtime_ns == written
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [stored]


def test_a_blob_damaged_on_disk_is_refused_on_read_and_repaired_by_a_put(tmp_path: Path):
    store = DocumentStore(tmp_path)
    blob = store.put(b"signed pickup declaration")
    store.path(blob.sha256).write_bytes(b"signed pickup declaratio")

    with pytest.raises(BlobCorrupted):
        store.get(blob.sha256)
    store.put(b"signed pickup declaration")
    assert store.get(blob.sha256) == b"signed pickup declaration"


def test_unknown_and_malformed_digests(tmp_path: Path):
    store = DocumentStore(tmp_path)
    unknown = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(unknown)
    with pytest.raises(BlobNotFound):
        store.get(unknown)
    for malformed in ("../../etc/passwd", unknown.upper(), unknown[:-1]):
        with pytest.raises(ValueError):
            store.path(malformed)


# ----- upload validation: what is accepted -----


def test_a_pdf_is_accepted_with_its_page_count_and_digest():
    data = make_pdf(pages=3)
    inspected = inspect_upload(data, "invoice.pdf", "application/pdf", LIMITS)
    assert inspected == InspectedUpload(
        "application/pdf", len(data), hashlib.sha256(data).hexdigest(), 3
    )


def test_the_bytes_decide_the_type_not_the_name_or_the_declared_type():
    pdf = inspect_upload(make_pdf(), "photo.jpg", "image/jpeg", LIMITS)
    png = inspect_upload(make_png(), "scan.pdf", "application/pdf", LIMITS)
    assert (pdf.content_type, pdf.pages) == ("application/pdf", 1)
    assert (png.content_type, png.pages) == ("image/png", None)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (make_png(), "image/png"),
        (make_image("JPEG"), "image/jpeg"),
        (make_image("TIFF"), "image/tiff"),
        (make_image("WEBP"), "image/webp"),
    ],
    ids=["png", "jpeg", "tiff", "webp"],
)
def test_images_are_accepted(data: bytes, content_type: str):
    inspected = inspect_upload(data, "picture-of-transport", None, LIMITS)
    assert (inspected.content_type, inspected.size, inspected.pages) == (
        content_type,
        len(data),
        None,
    )


def test_limits_come_from_settings():
    assert (LIMITS.max_bytes, LIMITS.max_pdf_pages) == (20 * 1024 * 1024, 200)
    assert inspect_upload(make_pdf(pages=200), "cmr.pdf", None, LIMITS).pages == 200


# ----- upload validation: what is refused, and the message the sender reads -----


def test_an_empty_file_is_refused():
    assert refusal(b"", "cmr.pdf") == '"cmr.pdf" is empty'
    assert refusal(b"", "") == "the file is empty"


def test_a_file_over_the_size_limit_is_refused():
    limits = UploadLimits(max_bytes=1024 * 1024, max_pdf_pages=200)
    exactly = make_pdf()
    exactly += b"\n" * (limits.max_bytes - len(exactly))
    assert inspect_upload(exactly, "big.pdf", None, limits).size == limits.max_bytes
    assert refusal(exactly + b"\n", "big.pdf", limits) == (
        '"big.pdf" is larger than the 1 MiB limit'
    )


def test_an_encrypted_pdf_is_refused_even_with_an_empty_user_password():
    for password in ("secret", ""):
        assert "encrypted PDF" in refusal(encrypt(make_pdf(), password), "statement.pdf")


def test_a_truncated_or_corrupt_pdf_is_refused():
    pdf = make_pdf(pages=2)
    garbage = b"%PDF-1.7\n" + bytes(range(256)) * 8
    for damaged in (pdf[: len(pdf) // 2], pdf[:-12], garbage):
        assert refusal(damaged, "cmr.pdf") == '"cmr.pdf" is a damaged or incomplete PDF'


def test_a_pdf_whose_structure_is_in_object_streams_is_accepted():
    """Object streams and a cross-reference stream within the budget: what PDF 1.5+ writers
    make of any real document's dictionaries."""
    for broken in (False, True):
        data = make_object_stream_pdf(streams=5, unpacked=64 * 1024, xref_broken=broken)
        assert inspect_upload(data, "cmr.pdf", None, LIMITS).pages == 1


def test_a_pdf_that_unpacks_to_more_than_the_budget_is_refused_quickly():
    """A decompression bomb: each stream is under pypdf's own per-stream cap, their sum over
    what inspecting one upload may unpack. Refused before the streams past the budget are
    inflated, whether they are reached from the catalog or scanned for in a damaged file."""
    assert LIMITS.max_pdf_expansion == 32 * 1024 * 1024
    limits = UploadLimits(max_bytes=LIMITS.max_bytes, max_pdf_pages=200, max_pdf_expansion=_MIB)
    for broken in (False, True):
        bomb = make_object_stream_pdf(streams=3, unpacked=_MIB // 2, xref_broken=broken)
        assert refusal(bomb, "cmr.pdf", limits) == (
            '"cmr.pdf" expands to more than 1 MiB when its compressed parts are unpacked; '
            "print it to a new PDF and upload that"
        )
        # within the budget, the same structure is a document (a damaged file's object
        # streams are unpacked twice: once scanning for them, once reading them)
        small = make_object_stream_pdf(streams=1, unpacked=_MIB // 3, xref_broken=broken)
        assert inspect_upload(small, "cmr.pdf", None, limits).pages == 1
    # the real budget: 3 streams of 12 MiB, 33 KB on disk
    bomb = make_object_stream_pdf(streams=3, unpacked=12 * _MIB)
    assert len(bomb) < 64 * 1024
    started = time.monotonic()
    assert "expands to more than 32 MiB" in refusal(bomb, "cmr.pdf")
    assert time.monotonic() - started < 5


def test_a_pdf_with_too_many_compressed_streams_is_refused():
    limits = UploadLimits(max_bytes=LIMITS.max_bytes, max_pdf_pages=200, max_pdf_streams=4)
    many = make_object_stream_pdf(streams=5, unpacked=1024)
    assert refusal(many, "cmr.pdf", limits) == (
        '"cmr.pdf" has more than 4 compressed streams to unpack; '
        "print it to a new PDF and upload that"
    )
    enough = make_object_stream_pdf(streams=4, unpacked=1024)
    assert inspect_upload(enough, "cmr.pdf", None, limits).pages == 1


def test_the_budget_holds_for_one_inspection_only():
    """pypdf is used elsewhere (sealing Export Files): outside an inspection it unpacks as
    it always did."""
    bomb = make_object_stream_pdf(streams=3, unpacked=12 * _MIB)
    refusal(bomb, "cmr.pdf")
    reader = PdfReader(BytesIO(bomb))
    assert len(reader.pages) == 1
    assert reader.trailer["/Root"]["/Extras"][2].get_object() == {"/Note": "structure"}


def test_a_pdf_with_too_many_pages_is_refused():
    assert refusal(make_pdf(pages=201), "scan.pdf") == (
        '"scan.pdf" has 201 pages; at most 200 are accepted'
    )


def test_text_named_pdf_is_refused_whatever_it_claims():
    with pytest.raises(UnacceptableDocument) as refused:
        inspect_upload(
            b"Invoice 2026-0042\nTotal 18,500.00 EUR\n", "invoice.pdf", "application/pdf", LIMITS
        )
    assert str(refused.value) == (
        "only PDF and images (JPEG, PNG, HEIC, TIFF, WebP) are accepted: the content of "
        '"invoice.pdf" (sent as application/pdf) is of no recognised type'
    )


def test_a_recognised_type_that_is_not_accepted_is_named():
    zipped = BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("invoice.pdf", make_pdf())
    assert refusal(zipped.getvalue(), "documents.zip").endswith(
        'the content of "documents.zip" is application/zip'
    )
    assert refusal(make_image("GIF"), "anim.gif").endswith("is image/gif")


def test_damaged_png_and_jpeg_headers_are_refused():
    png, jpeg = make_png(), make_image("JPEG")
    damaged = {
        "crc.png": png[:29] + bytes([png[29] ^ 0xFF]) + png[30:],
        "zero-width.png": make_png(width=0),
        "cut.png": png[:-12],
        "cut.jpg": jpeg[: len(jpeg) // 2],
        "magic-only.jpg": b"\xff\xd8\xff" + b"\x00" * 64,
    }
    for name, data in damaged.items():
        assert refusal(data, name) == f'"{name}" is a damaged or incomplete image'
