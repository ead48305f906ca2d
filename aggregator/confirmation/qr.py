"""The VietQR code on the order page, drawn as an SVG data URI (no image files, no CDN)."""

from __future__ import annotations

import base64

import qrcode
import qrcode.image.svg

from aggregator.core.vietqr import BankAccount, vietqr_payload


def qr_svg(data: str) -> bytes:
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=2,
    )
    svg: bytes = image.to_string()
    return svg


def vietqr_data_uri(account: BankAccount, amount_vnd: int, order_no: str) -> str:
    """The transfer QR as a data URI: the amount, and the order number as the content."""
    svg = qr_svg(vietqr_payload(account, amount_vnd, order_no))
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
