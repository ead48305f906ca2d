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
MAX_PIXELS = 60_000_000  # above any phone camera; refuses decompression bombs before decoding
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
    """Decode, turn upright by its EXIF orientation, shrink to PHOTO_SIDE_PX and re-encode: JPEG,
    or WebP when it has transparency (a logo on a clear background)."""
    image = _open(data)
    image = ImageOps.exif_transpose(image)
    image.thumbnail((PHOTO_SIDE_PX, PHOTO_SIDE_PX), Image.Resampling.LANCZOS)
    transparent = image.mode in {"RGBA", "LA"} or "transparency" in image.info
    image = image.convert("RGBA" if transparent else "RGB")
    kind = "WEBP" if transparent else "JPEG"
    for quality in QUALITIES:
        out = io.BytesIO()
        image.save(out, kind, quality=quality, optimize=kind == "JPEG")
        if out.tell() <= MAX_PHOTO_BYTES:
            break
    return FittedPhoto(out.getvalue(), f"image/{kind.lower()}", image.width, image.height)


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoError("Chỉ nhận ảnh JPEG, PNG hoặc WebP.")
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError(TOO_MANY_PIXELS)
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
