"""Generate the Teams app icons (color.png 192x192, outline.png 32x32) with no dependencies.

Usage: python teams/make_icons.py [--out-dir DIR]   (default: the teams/ folder this script lives in)

Design: a calm teal disc with a white heartbeat ("pulse") line; the outline icon is the same drawing as
white strokes on a transparent background, as Teams requires. Shapes are rendered from signed distance
functions with one pixel of anti-aliasing, and written as 8-bit RGBA PNG files with zlib + struct.
"""

from __future__ import annotations

import argparse
import itertools
import math
import struct
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

Point = tuple[float, float]
RGBA = tuple[int, int, int, int]
Shader = Callable[[float, float], RGBA]

TEAL: tuple[int, int, int] = (0x2C, 0x7A, 0x7B)
WHITE: tuple[int, int, int] = (0xFF, 0xFF, 0xFF)

# The heartbeat line in unit coordinates: the disc is the unit circle, x to the right, y downwards.
PULSE: tuple[Point, ...] = (
    (-0.66, 0.06),
    (-0.34, 0.06),
    (-0.22, -0.18),
    (-0.06, 0.42),
    (0.12, -0.48),
    (0.28, 0.06),
    (0.66, 0.06),
)


def png_bytes(width: int, height: int, rows: Sequence[bytes]) -> bytes:
    """Encode RGBA rows (4 bytes a pixel) as a non-interlaced 8-bit RGBA PNG."""
    if len(rows) != height or any(len(row) != 4 * width for row in rows):
        raise ValueError("rows do not match the image size")

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA, deflate, no interlace
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 (None) on every scanline
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def coverage(distance: float) -> float:
    """Pixel coverage from a signed distance in pixels (negative inside): a one-pixel soft edge."""
    return min(1.0, max(0.0, 0.5 - distance))


def segment_distance(px: float, py: float, a: Point, b: Point) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
    t = min(1.0, max(0.0, t))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def polyline_distance(px: float, py: float, points: Sequence[Point]) -> float:
    return min(segment_distance(px, py, a, b) for a, b in itertools.pairwise(points))


def over(top: tuple[int, int, int], top_alpha: float, bottom: RGBA) -> RGBA:
    """Porter-Duff "over" of a colour with coverage top_alpha onto a straight-alpha RGBA pixel."""
    bottom_alpha = bottom[3] / 255.0
    alpha = top_alpha + bottom_alpha * (1.0 - top_alpha)
    if alpha <= 0.0:
        return (0, 0, 0, 0)
    channels = [
        (t * top_alpha + b * bottom_alpha * (1.0 - top_alpha)) / alpha
        for t, b in zip(top, bottom[:3], strict=True)
    ]
    r, g, b = (round(c) for c in channels)
    return (r, g, b, round(alpha * 255))


def render(size: int, shader: Shader) -> list[bytes]:
    """Sample shader(x, y) at every pixel centre, in pixel coordinates."""
    rows: list[bytes] = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            row.extend(shader(x + 0.5, y + 0.5))
        rows.append(bytes(row))
    return rows


def scaled(points: Sequence[Point], centre: float, radius: float) -> list[Point]:
    return [(centre + x * radius, centre + y * radius) for x, y in points]


def color_icon(size: int = 192) -> list[bytes]:
    """Full-colour icon: teal disc filling the canvas, white heartbeat line, transparent corners."""
    centre = size / 2
    radius = size / 2 - 2
    line = scaled(PULSE, centre, radius)
    half_width = size / 32  # 6 px line at 192 px

    def shade(x: float, y: float) -> RGBA:
        disc = coverage(math.hypot(x - centre, y - centre) - radius)
        pixel = over(TEAL, disc, (0, 0, 0, 0))
        stroke = coverage(polyline_distance(x, y, line) - half_width)
        return over(WHITE, stroke * disc, pixel) if stroke > 0.0 else pixel

    return render(size, shade)


def outline_icon(size: int = 32) -> list[bytes]:
    """Outline icon: white ring and heartbeat line on a fully transparent background."""
    centre = size / 2
    ring_half_width = 1.0
    radius = size / 2 - ring_half_width - 0.5
    line = scaled(PULSE, centre, radius)
    line_half_width = 1.0

    def shade(x: float, y: float) -> RGBA:
        ring = coverage(abs(math.hypot(x - centre, y - centre) - radius) - ring_half_width)
        stroke = coverage(polyline_distance(x, y, line) - line_half_width)
        alpha = max(ring, stroke)
        return (255, 255, 255, round(alpha * 255)) if alpha > 0.0 else (0, 0, 0, 0)

    return render(size, shade)


def write_icons(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, size, draw in (("color.png", 192, color_icon), ("outline.png", 32, outline_icon)):
        path = out_dir / name
        path.write_bytes(png_bytes(size, size, draw(size)))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the steadybot Teams icons.")
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="where to write color.png and outline.png (default: the teams/ folder)",
    )
    args = parser.parse_args(argv)
    for path in write_icons(args.out_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
