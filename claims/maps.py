"""The world map: SVG drawn on the server from the country shapes shipped in
claims/data/world.json (Natural Earth through world-atlas; claims/data/WORLD-MAP.md).

Pure functions over that file, no models: the caller decides what each country shows.
`render_world_svg` draws the map (inline in a page, or standalone as an embeddable
`map.svg`), `render_legend_html` the legend for a page. Every text is escaped and every link
checked, so labels and links taken from claims are safe to pass.
"""

import functools
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

WORLD_MAP_PATH = Path(__file__).resolve().parent / "data" / "world.json"

# Okabe & Ito's colour-blind-safe palette, less its yellow and black (too close to the
# neutral fill and to the borders): one colour per position, in the topic's order.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9")
NEUTRAL_FILL = "#D9D9D9"  # countries with no position
INK = "#1A1A1A"  # text, focus and hover outlines

_FILL = re.compile(r"#[0-9A-Fa-f]{6}")
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
# Characters XML 1.0 forbids: one of them would make a standalone map.svg unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Browsers drop these from URLs ("java\tscript:"), or read "\" as "/": refused outright.
_NOT_IN_HREF = re.compile(r"[\x00-\x20\x7f\\]")
_HATCH = 14  # stripe period, in map units (about 5 px at 1366 px wide)


@dataclass(frozen=True, slots=True)
class Region:
    """What one country shows on the map.

    `fill` is a colour "#RRGGBB" (one of PALETTE for a position); `label` names the country
    and its position, and is the link's accessible name and tooltip; `href` is where the
    country leads (a same-site path "/claims/12/" or an http(s) URL; None: not a link);
    `hatched` marks a position that rests only on unverified or disputed claims.
    """

    fill: str
    label: str
    href: str | None = None
    hatched: bool = False

    def __post_init__(self):
        _check_fill(self.fill)
        if self.href is not None:
            _check_href(self.href)


@dataclass(frozen=True, slots=True)
class LegendEntry:
    """One line of the legend: a position (or "unverified", "no position"), its swatch and
    how many countries show it."""

    label: str
    fill: str
    count: int
    hatched: bool = False

    def __post_init__(self):
        _check_fill(self.fill)
        if not isinstance(self.count, int) or self.count < 0:
            raise ValueError(f"count {self.count!r}: a number of countries, 0 or more")


def palette(count: int) -> tuple[str, ...]:
    """The first `count` colours of PALETTE, one per position of a topic."""
    if not 0 <= count <= len(PALETTE):
        raise ValueError(f"a map can tell {len(PALETTE)} positions apart by colour, not {count}")
    return PALETTE[:count]


def world_codes() -> frozenset[str]:
    """The country codes (ISO 3166-1 alpha-2, and XK for Kosovo) the map can draw."""
    return frozenset(_world().countries)


def render_world_svg(
    regions: Mapping[str, Region],
    *,
    title: str,
    description: str,
    legend: Sequence[LegendEntry] = (),
    caption: str = "",
    standalone: bool = False,
    id_prefix: str = "world-map",
) -> str:
    """The world map as one <svg> element, each country of `regions` (keyed by code, see
    world_codes) painted and linked, every other one neutral.

    Links are in the order given, except that countries shown by a marker come last, so that
    their markers are drawn above their neighbours. `legend` and `caption` are drawn below
    the map; `standalone` also draws `title` above it, on a white background, with links that
    open in the top window: an image that stands on its own (map.svg). Inline in a page, give
    each map its own `id_prefix`: its ids, styles and patterns are scoped by it.
    Raises ValueError for a code the map cannot draw, a colour that is not "#RRGGBB", or a
    link that is neither a same-site path nor an http(s) URL.
    """
    world = _world()
    unknown = sorted(set(regions) - set(world.countries))
    if unknown:
        raise ValueError(f"regions: the map has no country {', '.join(map(repr, unknown))}")
    p = _check_id(id_prefix)
    patterns = _Patterns(f"{p}-hatch")

    width, height = world.view_box[2], world.view_box[3]
    top = 110 if standalone else 0  # room for the title
    bottom = top + height
    legend_markup = _svg_legend(legend, patterns, y=bottom + 40)
    bottom += 40 + 80 * len(legend) if legend else 0
    caption_markup = ""
    if caption:
        caption_markup = f'<text x="0" y="{bottom + 60}" class="c">{_text(caption)}</text>'
        bottom += 80

    neutral = "".join(
        shape.d for code, shape in world.countries.items() if code not in regions and shape.d
    )
    neutral += "".join(world.unassigned)
    items = []
    ordered = sorted(regions.items(), key=lambda item: world.countries[item[0]].marker is not None)
    for code, region in ordered:
        shape = world.countries[code]
        fill = patterns.fill(region.fill, region.hatched)
        body = f"<title>{_text(region.label)}</title>"
        if shape.d:
            body += f'<path d="{shape.d}" fill="{fill}"/>'
        if shape.marker:
            x, y = shape.marker
            body += f'<circle cx="{x}" cy="{y}" r="{world.marker_radius}" fill="{fill}"/>'
        if region.href is None:
            items.append(f"<g>{body}</g>")
        else:
            target = ' target="_top"' if standalone else ""
            items.append(f'<a href="{_text(region.href)}"{target}>{body}</a>')
    linked = any(region.href is not None for region in regions.values())

    # Standalone, a natural size of 1000 px wide (an <img> needs one); inline, the page's CSS.
    size = f'width="1000" height="{round(bottom * 1000 / width)}" ' if standalone else ""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{p}" class="world-map" '
        f"{size}"
        f'viewBox="0 0 {width} {bottom}" role="{"group" if linked else "img"}" '
        f'aria-labelledby="{p}-title" aria-describedby="{p}-desc">',
        f'<title id="{p}-title">{_text(title)}</title>',
        f'<desc id="{p}-desc">{_text(description)}</desc>',
        _style(p),
    ]
    if standalone:
        out.append(f'<rect width="{width}" height="{bottom}" fill="#fff"/>')
        out.append(f'<text x="0" y="70" class="t" aria-hidden="true">{_text(title)}</text>')
    out.append(patterns.defs())
    out.append(f'<g transform="translate(0 {top})">' if top else "<g>")
    out.append(f'<path class="n" d="{neutral}" aria-hidden="true"/>')
    out.append(f'<g class="r">{"".join(items)}</g></g>')
    out.append(legend_markup)
    out.append(caption_markup)
    out.append("</svg>")
    return "".join(out)


def render_legend_html(entries: Sequence[LegendEntry], *, id_prefix: str = "world-map") -> str:
    """The legend as an HTML list: a swatch (hatched where the entry is) and the label with
    its count, so that no entry is told by colour alone."""
    p = _check_id(id_prefix)
    items = []
    for n, entry in enumerate(entries):
        patterns = _Patterns(f"{p}-legend-{n}")
        fill = patterns.fill(entry.fill, entry.hatched)
        items.append(
            '<li><svg class="map-legend-swatch" width="28" height="18" viewBox="0 0 84 54" '
            f'aria-hidden="true" focusable="false">{patterns.defs()}'
            f'<rect x="1" y="1" width="82" height="52" fill="{fill}" stroke="{INK}" '
            f'stroke-width="2"/></svg> {_text(entry.label)} '
            f'<span class="map-legend-count">({entry.count})</span></li>'
        )
    return f'<ul class="map-legend">{"".join(items)}</ul>'


@dataclass(frozen=True, slots=True)
class _Shape:
    d: str  # path data, or "" for a country too small to draw
    marker: tuple[int, int] | None  # centre of the dot drawn for a country too small to click


@dataclass(frozen=True, slots=True)
class _World:
    view_box: tuple[int, int, int, int]
    marker_radius: int
    countries: dict[str, _Shape]
    unassigned: tuple[str, ...]  # path data of territories never painted


@functools.cache
def _world() -> _World:
    data = json.loads(WORLD_MAP_PATH.read_text(encoding="utf-8"))
    return _World(
        view_box=tuple(data["viewBox"]),
        marker_radius=data["markerRadius"],
        countries={
            code: _Shape(
                d=entry.get("d", ""), marker=tuple(entry["marker"]) if "marker" in entry else None
            )
            for code, entry in data["countries"].items()
        },
        unassigned=tuple(entry["d"] for entry in data["unassigned"] if entry.get("d")),
    )


class _Patterns:
    """The hatch patterns a map or a swatch needs: one per hatched colour."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.ids: dict[str, str] = {}

    def fill(self, colour: str, hatched: bool) -> str:
        if not hatched:
            return colour
        pattern = self.ids.setdefault(colour, f"{self.prefix}-{len(self.ids)}")
        return f"url(#{pattern})"

    def defs(self) -> str:
        if not self.ids:
            return ""
        half = _HATCH // 2
        return (
            "<defs>"
            + "".join(
                f'<pattern id="{pattern}" width="{_HATCH}" height="{_HATCH}" '
                'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
                f'<rect width="{_HATCH}" height="{_HATCH}" fill="{colour}"/>'
                f'<rect width="{half}" height="{_HATCH}" fill="#fff" fill-opacity=".75"/>'
                "</pattern>"
                for colour, pattern in self.ids.items()
            )
            + "</defs>"
        )


def _svg_legend(entries: Sequence[LegendEntry], patterns: _Patterns, *, y: int) -> str:
    """The legend drawn inside the map, 80 units a line from `y` down."""
    rows = []
    for n, entry in enumerate(entries):
        top = y + n * 80
        fill = patterns.fill(entry.fill, entry.hatched)
        rows.append(
            f'<rect x="0" y="{top}" width="96" height="60" fill="{fill}" class="s"/>'
            f'<text x="124" y="{top + 48}" class="l">{_text(entry.label)} ({entry.count})</text>'
        )
    return f'<g class="legend">{"".join(rows)}</g>' if rows else ""


def _style(p: str) -> str:
    # Scoped by the map's id: an SVG's <style> applies to the whole HTML page it sits in.
    return (
        f"<style>#{p} path,#{p} circle{{stroke:#fff;stroke-width:.5px;"
        "vector-effect:non-scaling-stroke;fill-rule:evenodd;stroke-linejoin:round}"
        f"#{p} .n{{fill:{NEUTRAL_FILL}}}"
        f"#{p} circle{{stroke-width:1px}}"
        f"#{p} a:hover>*{{stroke:{INK};stroke-width:2px}}"
        # The focused country is outlined itself: a box around France would reach from
        # French Guiana to Reunion.
        f"#{p} a:focus{{outline:none}}#{p} a:focus>*{{stroke:{INK};stroke-width:3px}}"
        f"#{p} text{{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
        f"fill:{INK}}}"
        f"#{p} .t{{font-size:80px;font-weight:600}}#{p} .l{{font-size:56px}}"
        f"#{p} .c{{font-size:44px}}#{p} .s{{stroke:{INK};stroke-width:1px}}"
        "</style>"
    )


def _text(value: str) -> str:
    """Text or an attribute value, escaped for HTML and XML alike."""
    return html.escape(_NOT_XML.sub("\ufffd", str(value)), quote=True)


def _check_href(href: str) -> None:
    if not _NOT_IN_HREF.search(href):
        if href.startswith("/") and not href.startswith("//"):
            return
        try:
            parts = urlsplit(href)
        except ValueError:  # "http://[" and the like
            parts = None
        if parts and parts.scheme in ("http", "https") and parts.netloc:
            return
    raise ValueError(
        f"href {href!r}: a link must be a same-site path (/…) or an http(s) URL, "
        "without spaces or control characters"
    )


def _check_fill(fill: str) -> None:
    if not _FILL.fullmatch(fill):
        raise ValueError(f"fill {fill!r}: a colour must be written #RRGGBB")


def _check_id(id_prefix: str) -> str:
    if not _ID.fullmatch(id_prefix):
        raise ValueError(f"id_prefix {id_prefix!r}: a letter, then letters, digits, - or _")
    return id_prefix
