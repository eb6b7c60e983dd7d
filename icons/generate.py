#!/usr/bin/env python3
"""Draws gowarden's icons: the tray's four states and the app icon set.

The artwork is the SVG this script writes into icons/src/ (one shield, one glyph per state,
shared here so every size and variant stays in step); the PNGs are rendered from it by
rsvg-convert (Debian: librsvg2-bin), and icon.icns / icon.ico are assembled from those PNGs.

Tray icons (icons/tray/), each at 1x and 2x:
  <state>-template.png  macOS template glyphs, 18 pt: black + alpha, drawn by macOS in the
                        menu bar's colour, so the state shows in the shape: ok = outlined
                        shield with a check, warning = outlined shield with "!", broken = solid
                        shield with an X cut out, checking = dashed shield with three dots.
  <state>.png           the same shapes in colour for Linux panels, 22 px.
App icons (icons/): 32x32.png, 128x128.png, 128x128@2x.png, icon.png (512), icon.icns, icon.ico.

Usage: icons/generate.py   (from anywhere; rewrites icons/src and the PNGs)
"""

import shutil
import struct
import subprocess
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent
SRC = ICONS / "src"
TRAY = ICONS / "tray"

# The shield, in a 36-unit box (18 pt at 2x).
SHIELD = "M18 3 L31 8 V17 C31 25 25.5 30.5 18 33.5 C10.5 30.5 5 25 5 17 V8 Z"

# Each state's glyph inside the shield: stroked paths and filled circles.
GLYPHS = {
    "ok": {"paths": ["M11.5 18.5 L16 23 L24.5 13.5"], "dots": []},
    "warning": {"paths": ["M18 10.5 V19.5"], "dots": [(18, 25, 2.1)]},
    "broken": {"paths": ["M13 12.5 L23 22.5", "M23 12.5 L13 22.5"], "dots": []},
    "checking": {"paths": [], "dots": [(12.5, 18, 2.1), (18, 18, 2.1), (23.5, 18, 2.1)]},
}

COLOURS = {"ok": "#2e9d4f", "warning": "#d98a00", "broken": "#d43b2f", "checking": "#7a8494"}

GO_BLUE = "#00add8"


def glyph(state: str, colour: str, width: float = 3.2) -> str:
    g = GLYPHS[state]
    out = [
        f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="{width}" '
        'stroke-linecap="round" stroke-linejoin="round"/>'
        for d in g["paths"]
    ]
    out += [f'<circle cx="{x}" cy="{y}" r="{r}" fill="{colour}"/>' for x, y, r in g["dots"]]
    return "\n  ".join(out)


def svg(body: str, box: int = 36) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {box} {box}" '
        f'width="{box}" height="{box}">\n  {body}\n</svg>\n'
    )


def template(state: str) -> str:
    """Black and alpha only: macOS tints it."""
    if state == "broken":
        # Solid shield, the X cut out of it.
        return svg(
            '<defs><mask id="cut"><rect width="36" height="36" fill="white"/>\n  '
            + glyph(state, "black", 3.4)
            + f'\n  </mask></defs>\n  <path d="{SHIELD}" fill="black" mask="url(#cut)"/>'
        )
    dash = ' stroke-dasharray="3.2 2.6"' if state == "checking" else ""
    return svg(
        f'<path d="{SHIELD}" fill="none" stroke="black" stroke-width="2.6" '
        f'stroke-linejoin="round"{dash}/>\n  ' + glyph(state, "black")
    )


def coloured(state: str) -> str:
    """A filled badge in the state's colour with a white glyph, for Linux panels."""
    c = COLOURS[state]
    return svg(
        f'<path d="{SHIELD}" fill="{c}" stroke="#00000055" stroke-width="1.2" '
        'stroke-linejoin="round"/>\n  ' + glyph(state, "white")
    )


def app_icon() -> str:
    """A rounded square in Go's blue with a white shield and check."""
    return svg(
        '<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{GO_BLUE}"/><stop offset="1" stop-color="#0b3954"/>'
        "</linearGradient></defs>\n  "
        '<rect x="100" y="100" width="824" height="824" rx="185" fill="url(#bg)"/>\n  '
        '<g transform="translate(152 150) scale(20)">\n  '
        f'<path d="{SHIELD}" fill="white"/>\n  '
        + glyph("ok", "#0b3954", 3.4)
        + "\n  </g>",
        box=1024,
    )


def render(src: Path, out: Path, px: int) -> None:
    subprocess.run(
        ["rsvg-convert", "--width", str(px), "--height", str(px), "--format", "png",
         "--output", str(out), str(src)],
        check=True,
    )


def icns(pngs: dict[str, Path], out: Path) -> None:
    """Apple's icon container: PNG payloads under their type codes."""
    body = b""
    for kind, png in pngs.items():
        data = png.read_bytes()
        body += kind.encode() + struct.pack(">I", 8 + len(data)) + data
    out.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)


def ico(pngs: list[tuple[int, Path]], out: Path) -> None:
    """Windows' icon container with PNG payloads."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries, data = b"", b""
    for size, png in pngs:
        blob = png.read_bytes()
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset + len(data))
        data += blob
    out.write_bytes(header + entries + data)


def main() -> None:
    if not shutil.which("rsvg-convert"):
        sys.exit("generate.py: rsvg-convert is missing: apt-get install librsvg2-bin")
    SRC.mkdir(exist_ok=True)
    TRAY.mkdir(exist_ok=True)
    for state in GLYPHS:
        for name, draw, px in ((f"{state}-template", template, 18), (state, coloured, 22)):
            src = SRC / f"tray-{name}.svg"
            src.write_text(draw(state))
            render(src, TRAY / f"{name}.png", px)
            render(src, TRAY / f"{name}@2x.png", 2 * px)
    src = SRC / "app.svg"
    src.write_text(app_icon())
    sizes = {"32x32.png": 32, "128x128.png": 128, "128x128@2x.png": 256, "icon.png": 512}
    for name, px in sizes.items():
        render(src, ICONS / name, px)
    tmp = ICONS / ".build"
    tmp.mkdir(exist_ok=True)
    parts = {}
    for px in (16, 32, 48, 64, 1024):
        parts[px] = tmp / f"{px}.png"
        render(src, parts[px], px)
    icns(
        {"icp4": parts[16], "icp5": parts[32], "icp6": parts[64], "ic07": ICONS / "128x128.png",
         "ic08": ICONS / "128x128@2x.png", "ic09": ICONS / "icon.png", "ic10": parts[1024]},
        ICONS / "icon.icns",
    )
    ico([(16, parts[16]), (32, parts[32]), (48, parts[48]), (256, ICONS / "128x128@2x.png")],
        ICONS / "icon.ico")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
