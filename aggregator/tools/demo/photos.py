"""Pictures of the demo's products, drawn at seed time: the demo has no photographs of its own, so
each product gets a labelled tile (its colour, its name) to show what buyers see on their order
page once a director uploads real photos. They go through the same fit_photo as an upload."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from aggregator.staff.photos import fit_photo

SIDE = 320
FONT = Path(__file__).parents[2] / "shipping" / "fonts" / "DejaVuSans.ttf"
# Colours of the goods: rice, honey, nem chua, bánh cáy, tea, lychee, soy sauce.
COLOURS = {
    "A01": (236, 228, 205), "A03": (226, 214, 186), "M02": (214, 150, 38),
    "N01": (196, 74, 62), "B01": (204, 160, 96), "C02": (92, 140, 60),
    "V05": (190, 52, 72), "05": (112, 70, 40),
}  # fmt: skip


def product_tile(code: str, name: str) -> tuple[str, bytes]:
    """(content type, bytes) of a square tile with the product's name, as stored for a photo."""
    colour = COLOURS.get(code, (120, 140, 120))
    image = Image.new("RGB", (SIDE, SIDE), colour)
    draw = ImageDraw.Draw(image)
    dark = sum(colour) < 420
    ink = (255, 255, 255) if dark else (40, 40, 40)
    font = ImageFont.truetype(str(FONT), 30)
    small = ImageFont.truetype(str(FONT), 22)
    draw.rounded_rectangle((16, 16, SIDE - 16, SIDE - 16), radius=24, outline=ink, width=4)
    lines = textwrap.wrap(name, width=16)[:4]
    top = SIDE // 2 - 20 * len(lines)
    for index, line in enumerate(lines):
        draw.text((SIDE // 2, top + 40 * index), line, fill=ink, font=font, anchor="mm")
    draw.text((SIDE // 2, SIDE - 44), f"mã {code}", fill=ink, font=small, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG")
    fitted = fit_photo(out.getvalue())
    return fitted.content_type, fitted.data
