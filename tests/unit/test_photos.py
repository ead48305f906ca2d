"""Product photos: the size is judged from the header before decoding, and what is written back
carries pixels only (no JPEG comment, no PNG text chunk)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from aggregator.staff.photos import (
    DECODE_BUDGET_BYTES,
    MAX_PIXELS,
    PhotoError,
    decoded_size,
    fit_photo,
)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares its size and holds no pixels: decoding it could only fail as corrupt."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("width", "height"),
    [(8_000, 8_000), (20_000, 10), (4_200, 4_200)],  # 64 MP; a side past any camera; 282 MB RGBA
)
def test_too_many_pixels_are_refused_from_the_header_before_decoding(
    width: int, height: int
) -> None:
    with pytest.raises(PhotoError, match="quá nhiều điểm ảnh"):
        fit_photo(_png_header_only(width, height))


def test_a_png_within_the_budget_is_decoded() -> None:
    with pytest.raises(PhotoError, match="Không đọc được"):  # decoded, found corrupt
        fit_photo(_png_header_only(2_000, 2_000))


def test_a_large_jpeg_is_decoded_scaled_down_within_the_budget() -> None:
    out = io.BytesIO()
    Image.new("RGB", (8_000, 6_000), (10, 120, 40)).save(out, "JPEG", quality=60)
    image = Image.open(io.BytesIO(out.getvalue()))
    assert image.width * image.height <= MAX_PIXELS
    width, height = decoded_size(image)
    assert (width, height) == (2_000, 1_500)  # the decoder's 1/4 scale, still over 1200 px
    assert width * height * 4 < DECODE_BUDGET_BYTES
    fitted = fit_photo(out.getvalue())
    assert (fitted.width, fitted.height) == (1_200, 900)


def test_our_limit_is_below_pillows_own() -> None:
    assert Image.MAX_IMAGE_PIXELS is not None and MAX_PIXELS < Image.MAX_IMAGE_PIXELS


def test_a_jpeg_comment_segment_does_not_survive() -> None:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 40)).save(out, "JPEG", comment=b"<script>x</script>")
    assert b"<script>x</script>" in out.getvalue()
    fitted = fit_photo(out.getvalue())
    assert b"<script>" not in fitted.data and b"\xff\xfe" not in fitted.data  # no COM marker
    assert "comment" not in Image.open(io.BytesIO(fitted.data)).info


@pytest.mark.parametrize("transparent", [False, True])
def test_png_text_chunks_do_not_survive(transparent: bool) -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("comment", "<script>x</script>")
    text.add_text("Author", "ẩn danh 0912345678")
    out = io.BytesIO()
    mode = "RGBA" if transparent else "RGB"
    Image.new(mode, (64, 48), (200, 30, 40)).save(out, "PNG", pnginfo=text)
    fitted = fit_photo(out.getvalue())
    assert fitted.content_type == ("image/webp" if transparent else "image/jpeg")
    assert b"<script>" not in fitted.data and b"0912345678" not in fitted.data
