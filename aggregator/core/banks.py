"""Banks a buyer may name for a refund: NAPAS BIN -> the short name people know.

BINs as in the VietQR bank list (api.vietqr.io/v2/banks), cross-checked against two public
integrations that copy it; a BIN is what the VietQR payload carries (aggregator/core/vietqr.py).
"""

from __future__ import annotations

BANKS: dict[str, str] = {
    "970436": "Vietcombank",
    "970415": "VietinBank",
    "970418": "BIDV",
    "970405": "Agribank",
    "970422": "MB Bank",
    "970407": "Techcombank",
    "970416": "ACB",
    "970432": "VPBank",
    "970403": "Sacombank",
    "970423": "TPBank",
    "970441": "VIB",
    "970437": "HDBank",
    "970443": "SHB",
    "970448": "OCB",
    "970426": "MSB",
    "970440": "SeABank",
    "970449": "LPBank (LienVietPostBank)",
    "970431": "Eximbank",
    "970428": "Nam A Bank",
    "970419": "NCB",
    "970409": "Bac A Bank",
    "970452": "Kienlongbank",
    "970425": "ABBANK",
    "970438": "BaoViet Bank",
    "970412": "PVcomBank",
    "970427": "VietABank",
    "970433": "Vietbank",
    "970454": "Viet Capital Bank",
    "970400": "Saigonbank",
    "970429": "SCB",
}
