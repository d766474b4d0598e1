"""Colours of the alliances on a map (pure: no Django): distinct among what is shown, readable.

Every alliance a map shows gets its own colour, named in the legend beside the map. The first
twelve are a fixed qualitative palette (after Paul Tol's "muted" and "bright" schemes, darkened where
needed); further ones are spread around the colour wheel by the golden angle. Each colour has a
contrast of at least 3:1 against white (WCAG 2.2, 1.4.11 non-text contrast), the map's background,
and none repeats: :func:`alliance_colours` checks both.
"""

from __future__ import annotations

import colorsys

#: Qualitative palette, each ≥ 3:1 against white.
PALETTE = (
    "#0b3b8c",  # dark blue
    "#b5121b",  # red
    "#1b7a3a",  # green
    "#8a4f00",  # brown
    "#6b2c91",  # purple
    "#00707a",  # teal
    "#a3297a",  # magenta
    "#4a4d5c",  # slate
    "#b04a00",  # orange
    "#2a62c0",  # blue
    "#5d6b00",  # olive
    "#8c1c4d",  # wine
)
MIN_CONTRAST = 3.0
_GOLDEN_ANGLE = 137.508


def _channel(value: float) -> float:
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """Relative luminance of ``#rrggbb`` (WCAG)."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_with_white(colour: str) -> float:
    return 1.05 / (luminance(colour) + 0.05)


def _hex(r: float, g: float, b: float) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (r, g, b)))


def _generated(index: int, taken: set[str]) -> str:
    """The ``index``-th extra colour: golden-angle hue, darkened until it reaches the contrast."""
    hue = ((index * _GOLDEN_ANGLE) % 360) / 360
    saturation = (0.75, 0.55, 0.9)[index % 3]
    lightness = 0.42
    while True:
        colour = _hex(*colorsys.hls_to_rgb(hue, lightness, saturation))
        if contrast_with_white(colour) >= MIN_CONTRAST and colour not in taken:
            return colour
        lightness -= 0.01
        if lightness < 0.1:  # every shade of this hue taken: move the hue a little
            hue = (hue + 0.003) % 1
            lightness = 0.42


def alliance_colours(count: int) -> list[str]:
    """``count`` distinct colours, each readable on white (in the order of the alliances shown)."""
    colours = list(PALETTE[:count])
    taken = set(colours)
    for index in range(count - len(colours)):
        colour = _generated(index, taken)
        taken.add(colour)
        colours.append(colour)
    return colours
