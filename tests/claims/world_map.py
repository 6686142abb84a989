"""Reading the shipped map data back, for the tests: path data to points, places to the
country that covers them."""

import json
import re

from pyproj import Transformer

from claims.maps import WORLD_MAP_PATH

WORLD = json.loads(WORLD_MAP_PATH.read_text(encoding="utf-8"))


def rings(d: str) -> list[list[tuple[int, int]]]:
    """The absolute points of each ring of path data written as M x y l dx dy … z."""
    out = []
    for start, steps in re.findall(r"M(-?\d+ ?-?\d+)l([^z]*)z", d):
        x, y = map(int, re.findall(r"-?\d+", start))
        ring = [(x, y)]
        numbers = list(map(int, re.findall(r"-?\d+", steps)))
        for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = x + dx, y + dy
            ring.append((x, y))
        out.append(ring)
    return out


def contains(d: str, point: tuple[float, float]) -> bool:
    """Whether the point is inside the path (even-odd rule, as the map fills it)."""
    px, py = point
    inside = False
    for ring in rings(d):
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y0 > py) != (y1 > py) and px < x0 + (py - y0) * (x1 - x0) / (y1 - y0):
                inside = not inside
    return inside


def on_the_map(lon: float, lat: float, world: dict = WORLD) -> tuple[float, float]:
    """Where a place falls on the map, by the projection the file records."""
    grid = world["grid"]
    x, y = Transformer.from_crs("EPSG:4326", grid["crs"], always_xy=True).transform(lon, lat)
    return (x - grid["west"]) * grid["scale"], (grid["north"] - y) * grid["scale"]


def painted_at(lon: float, lat: float, world: dict = WORLD) -> list[str]:
    """The countries whose shape covers the place."""
    point = on_the_map(lon, lat, world)
    return [c for c, entry in world["countries"].items() if contains(entry.get("d", ""), point)]
