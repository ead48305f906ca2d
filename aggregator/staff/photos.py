"""Product photos as a director takes them with a phone (3–12 MB, often lying on their side) made
into what the pages need: upright, at most PHOTO_SIDE_PX a side, a few hundred KB.

Pillow decodes and re-encodes every upload, so what is stored and served is always an image we
wrote (no stray bytes after a valid header, no metadata such as the GPS position of the farm).
CPU work, not I/O: callers run it in a thread.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from aggregator.errors import BadInputError

PHOTO_UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # a phone's photo, as taken
PHOTO_FORM_MAX_BYTES = PHOTO_UPLOAD_MAX_BYTES + 64 * 1024  # the photo and the form around it
PHOTO_SIDE_PX = 1200
MAX_PHOTO_BYTES = 800 * 1024  # what is stored: a few hundred KB at PHOTO_SIDE_PX
# Read from the header before a single pixel is decoded (Image.open reads only the header): a
# 233 KB PNG can declare 60 megapixels and cost ~500 MB to decode. A JPEG is decoded already
# scaled down (draft: 1/2 to 1/8 in the DCT), so it may declare more than the others.
MAX_SIDE_PX = 16_384  # past any phone camera's long side
MAX_PIXELS = 50_000_000  # a 50 MP phone photo; Pillow's own bomb limit is far above it
DECODE_BUDGET_BYTES = 64 * 1024 * 1024  # what decoding may allocate for one photo's pixels
BYTES_PER_PIXEL = 4  # RGBA, the widest mode we decode to
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
TOO_MANY_PIXELS = "Ảnh có quá nhiều điểm ảnh. Hãy chọn ảnh nhỏ hơn."
QUALITIES = (85, 70, 55)  # the first that fits MAX_PHOTO_BYTES


class PhotoError(BadInputError, ValueError):
    """The upload is not a photo we take; the message is for the director, in Vietnamese."""


@dataclass(frozen=True, slots=True)
class FittedPhoto:
    data: bytes
    content_type: str
    width: int
    height: int


def fit_photo(data: bytes) -> FittedPhoto:
    """Decode, shrink to PHOTO_SIDE_PX, turn upright by its EXIF orientation and re-encode: JPEG,
    or WebP when it has transparency (a logo on a clear background). Nothing of the upload's
    metadata is written back: no EXIF (GPS), no JPEG comment, no PNG text chunk."""
    image = _open(data)
    image.thumbnail((PHOTO_SIDE_PX, PHOTO_SIDE_PX), Image.Resampling.LANCZOS)  # square: any turn
    image = ImageOps.exif_transpose(image)  # on the small copy, not the full-size one
    transparent = image.mode in {"RGBA", "LA"} or "transparency" in image.info
    image = image.convert("RGBA" if transparent else "RGB")
    # Pillow writes info["comment"] back as a JPEG COM segment (and a PNG tEXt "comment" lands
    # there too), and ICC or XMP likewise: what we write is pixels only.
    image.info = {}
    kind = "WEBP" if transparent else "JPEG"
    for quality in QUALITIES:
        out = io.BytesIO()
        image.save(out, kind, quality=quality, optimize=kind == "JPEG")
        if out.tell() <= MAX_PHOTO_BYTES:
            break
    return FittedPhoto(out.getvalue(), f"image/{kind.lower()}", image.width, image.height)


def decoded_size(image: Image.Image) -> tuple[int, int]:
    """The size decoding will produce: a JPEG is drafted (scaled in the decoder) to no less than
    PHOTO_SIDE_PX a side; the others are decoded whole."""
    if image.format == "JPEG":
        image.draft("RGB", (PHOTO_SIDE_PX, PHOTO_SIDE_PX))  # header only: sets the decoder's scale
    return image.size


def _check_size(image: Image.Image) -> None:
    """From the header, before decoding: the declared sides and pixels, then what decoding costs."""
    width, height = image.size
    if max(width, height) > MAX_SIDE_PX or width * height > MAX_PIXELS:
        raise PhotoError(TOO_MANY_PIXELS)
    width, height = decoded_size(image)
    if width * height * BYTES_PER_PIXEL > DECODE_BUDGET_BYTES:
        raise PhotoError(TOO_MANY_PIXELS)


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoError("Chỉ nhận ảnh JPEG, PNG hoặc WebP.")
            _check_size(image)
            image.load()
    except PhotoError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PhotoError(TOO_MANY_PIXELS) from None  # Pillow's own check, at open
    except UnidentifiedImageError:
        raise PhotoError("Chỉ nhận ảnh JPEG, PNG hoặc WebP.") from None
    except (OSError, ValueError, SyntaxError):  # truncated or corrupt image data
        raise PhotoError("Không đọc được ảnh này. Hãy chụp hoặc chọn lại ảnh.") from None
    return image
