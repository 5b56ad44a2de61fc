"""What a careful handheld user scans at each guided prompt (no I/O: shared by the benchmark and locust)."""

from __future__ import annotations

from typing import Any


def gs1_check_digit(digits: str) -> str:
    """GS1 mod-10 check digit for the digits before it (GTIN, SSCC)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def item_scan(gtin: str, lot: str | None) -> str:
    """The item barcode: the GTIN alone, or a GS1 element string with the lot when the item is lot tracked."""
    gtin14 = gtin.zfill(14)
    return f"(01){gtin14}(10){lot}" if lot else gtin14


def scan_for(prompt: dict[str, Any], gtin_of: dict[str, str]) -> dict[str, Any]:
    """The body sent at a pick prompt: the right bin, item (with its lot), the full quantity, the tote."""
    step = prompt["step"]
    if step == "location":
        return {"scan": prompt["location"]}
    if step == "item":
        return {"scan": item_scan(gtin_of[prompt["sku"]], prompt.get("lot") if prompt.get("lot_required") else None)}
    if step == "quantity":
        return {"qty": prompt["qty_expected"]}
    if step == "tote":
        return {"scan": prompt["tote"]}
    raise ValueError(f"no scan for pick step {step!r}")


def putaway_scan(prompt: dict[str, Any], gtin_of: dict[str, str]) -> dict[str, Any]:
    """The body sent at a putaway prompt: where the pallet is, its item, the suggested bin."""
    step = prompt["step"]
    if step == "location":
        return {"scan": prompt["location"]}
    if step == "item":
        return {"scan": item_scan(gtin_of[prompt["sku"]], prompt.get("lot") if prompt.get("lot_required") else None)}
    if step == "to_location":
        return {"scan": prompt["to_location"]}
    if step == "confirm_location":
        return {"scan": prompt["scanned_location"]}
    raise ValueError(f"no scan for putaway step {step!r}")


def line_for(task: dict[str, Any]) -> dict[str, Any]:
    """A whole pick line as a handheld sends it once every scan passed the task's manifest: the bin,
    the item (its smallest unit, with the lot when one is required), the full quantity, the tote."""
    manifest = task["manifest"]
    lot = manifest["lot"]["lot"] if manifest["lot"]["required"] else None
    return {
        "location": manifest["location"]["barcodes"][0],
        "item": item_scan(manifest["accepted_gtins"][0]["gtin"], lot),
        "qty": manifest["qty_max"],
        "tote": manifest["tote"]["code"] if manifest["tote"] else None,
    }
