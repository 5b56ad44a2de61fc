"""An EAN-13 barcode drawn as a Y4M video, for Chromium's fake camera (--use-file-for-fake-video-capture)."""

from __future__ import annotations

from pathlib import Path

_L = ("0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011")
_G = ("0100111", "0110011", "0011011", "0100001", "0011101", "0111001", "0000101", "0010001", "0001001", "0010111")
_R = tuple("".join("1" if bit == "0" else "0" for bit in code) for code in _L)
_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")


def ean13_modules(gtin: str) -> str:
    """The 95 modules (1 = bar) of an EAN-13 code."""
    assert len(gtin) == 13 and gtin.isdigit()
    first, left, right = int(gtin[0]), gtin[1:7], gtin[7:]
    code = "101"
    for digit, parity in zip(left, _PARITY[first], strict=True):
        code += (_L if parity == "L" else _G)[int(digit)]
    code += "01010" + "".join(_R[int(d)] for d in right) + "101"
    return code


def write_y4m(path: Path, gtin: str, *, width: int = 640, height: int = 480, module_px: int = 4) -> None:
    """Two identical grey frames showing the barcode centred on white (Chromium loops the file)."""
    modules = ean13_modules(gtin)
    left = (width - len(modules) * module_px) // 2
    row = bytes(
        0 if 0 <= x - left < len(modules) * module_px and modules[(x - left) // module_px] == "1" else 255
        for x in range(width)
    )
    blank = bytes([255]) * width
    top, bottom = height // 4, height * 3 // 4
    luma = b"".join(row if top <= y < bottom else blank for y in range(height))
    chroma = bytes([128]) * (width // 2 * height // 2 * 2)
    frame = b"FRAME\n" + luma + chroma
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F5:1 Ip A1:1 C420jpeg\n".encode() + frame * 2)
