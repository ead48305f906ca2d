"""Reading the PDFs chotdon makes with wheels from PyPI only, no system tools: the text as a
reader extracts it (pypdf), the pages as pictures (pypdfium2), and the barcodes a scanner would
read from those pictures (zxing-cpp)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pypdfium2
import zxingcpp
from PIL import Image


def pdf_text(pdf: bytes) -> str:
    """Every page's text, in page order, words separated by single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def page_images(pdf: bytes, dpi: int) -> list[Image.Image]:
    """Each page drawn at `dpi`, as a printer or a screen would show it."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil() for page in document]
    finally:
        document.close()


def save_pages(pdf: bytes, dpi: int, prefix: Path) -> list[Path]:
    """The pages as PNG files `prefix-1.png`, `prefix-2.png`, …"""
    paths = []
    for number, image in enumerate(page_images(pdf, dpi), start=1):
        path = prefix.with_name(f"{prefix.name}-{number}.png")
        image.save(path)
        paths.append(path)
    return paths


def barcodes(image: Image.Image) -> set[tuple[str, str]]:
    """(format, text) of every barcode a scanner reads in the picture, e.g. ("QRCode", "CD1")."""
    return {(found.format.name, found.text) for found in zxingcpp.read_barcodes(image)}
