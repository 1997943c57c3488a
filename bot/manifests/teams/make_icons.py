"""Redraws the Teams icons with Pillow: color.png 192x192 (accent colour), outline.png 32x32 (white on transparent)."""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
ACCENT = (31, 78, 121, 255)  # manifest accentColor #1F4E79
WHITE = (255, 255, 255, 255)


def shield(size: float, inset: float) -> list[tuple[float, float]]:
    """Returns the corners of a shield inside a square of this size."""
    s, i = size, inset
    return [(s * 0.5, i), (s - i, s * 0.2), (s - i, s * 0.5), (s * 0.5, s - i), (i, s * 0.5), (i, s * 0.2)]


def main() -> None:
    """Writes both icons beside this script."""
    color = Image.new("RGBA", (192, 192), ACCENT)
    draw = ImageDraw.Draw(color)
    draw.polygon(shield(192, 36), outline=WHITE, width=10)
    draw.line([(72, 98), (90, 118), (124, 78)], fill=WHITE, width=12, joint="curve")
    color.convert("RGB").save(HERE / "color.png", optimize=True)
    outline = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(outline)
    draw.polygon(shield(32, 3), outline=WHITE, width=2)
    draw.line([(11, 16), (14, 20), (21, 12)], fill=WHITE, width=2)
    outline.save(HERE / "outline.png", optimize=True)


if __name__ == "__main__":
    main()
