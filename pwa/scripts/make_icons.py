"""Draw the app icons (PNG) with the standard library only: run once, the PNGs are committed.

python3 pwa/scripts/make_icons.py
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

BLUE = (11, 61, 145)
WHITE = (255, 255, 255)
ORANGE = (255, 153, 0)
PUBLIC = Path(__file__).resolve().parent.parent / "public"


def _png(size: int, pixel) -> bytes:  # type: ignore[no-untyped-def]
    rows = b"".join(b"\0" + bytes(c for x in range(size) for c in pixel(x / size, y / size)) for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _logo(scale: float):  # type: ignore[no-untyped-def]
    """An 'F' of stacked pallets with a sync dot; ``scale`` < 1 keeps it inside a maskable safe zone."""

    def pixel(x: float, y: float) -> tuple[int, int, int]:
        u, v = (x - 0.5) / scale + 0.5, (y - 0.5) / scale + 0.5
        bars = ((0.24, 0.20, 0.76, 0.34), (0.24, 0.43, 0.62, 0.57), (0.24, 0.20, 0.38, 0.82))
        if any(x0 <= u <= x1 and y0 <= v <= y1 for x0, y0, x1, y1 in bars):
            return WHITE
        if (u - 0.68) ** 2 + (v - 0.72) ** 2 <= 0.08**2:
            return ORANGE
        return BLUE

    return pixel


def main() -> None:
    sizes = (("icon-192.png", 192, 1.0), ("icon-512.png", 512, 1.0), ("icon-maskable-512.png", 512, 0.72))
    for name, size, scale in sizes:
        (PUBLIC / name).write_bytes(_png(size, _logo(scale)))


if __name__ == "__main__":
    main()
