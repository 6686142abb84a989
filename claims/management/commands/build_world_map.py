"""`manage.py build_world_map countries-50m.json`: rebuild claims/data/world.json, the country
shapes that claims.maps draws, from world-atlas' TopoJSON (Natural Earth admin 0).

A developer's tool: it needs pyproj and simplification (requirements-dev.txt); the running
service only reads the JSON it writes. claims/data/WORLD-MAP.md says where the source comes
from, its licences, and the choices made here.

The work is done on TopoJSON's arcs (each border once), so that a border shared by two
countries is simplified once and the two shapes still meet exactly.
"""

import json
import math
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_countries import countries

from claims.maps import WORLD_MAP_PATH

# Natural Earth features that carry no ISO 3166 numeric id, and what each becomes. A nameless
# feature not listed here stops the build: a new edition must be looked at, not guessed.
NAMELESS = {
    # Not a UN member, but recognised by about half of them: drawn as its own territory so that
    # it is never painted with Serbia's position. XK is the user-assigned code the EU and the
    # IMF use; django-countries does not list it, so Kosovo stays neutral unless asked for.
    "Kosovo": "XK",
    # Part of Somalia and of Cyprus as the UN lists them.
    "Somaliland": "SO",
    "N. Cyprus": "CY",
    # Disputed between India and Pakistan: drawn, never painted.
    "Siachen Glacier": None,
    # Australia's Christmas Island and Cocos (Keeling) Islands in one feature, which the
    # ISO codes (CX, CC) cannot split: drawn, never painted.
    "Indian Ocean Ter.": None,
}
# Antarctica: nobody's position, and a third of an equal-area map's height.
DROPPED = {"AQ"}
# Crimea (longitude, latitude box): Natural Earth draws it as Russia's (its "de facto" view);
# the UN lists it as Ukraine's (General Assembly resolution 68/262).
CRIMEA = (32.0, 44.0, 37.0, 46.5)
# Equal Earth (Šavrič, Patterson & Jenny 2018), centred on Greenwich: equal-area, so no
# country looks larger than it is, and close to what readers know from Robinson. Its parallels
# are straight horizontal lines.
PROJECTION = "EPSG:8857"
WIDTH = 1000  # of the map, in the viewBox's units before SCALE
SCALE = 4  # path data is in whole units of 1/SCALE: about a third of a pixel at 1366 px wide
# Visvalingam-Whyatt: a point whose triangle is smaller than this (square units) goes.
SIMPLIFY = 0.05
# A country smaller than this (square units: under 7x7 px at 1366 px wide) gets a marker.
MARKER_AREA = 24.0
MARKER_RADIUS = 3.0
# Islands smaller than this (square units) are left out once simplified, unless they are all
# a country has.
MIN_RING_AREA = 0.06

Point = tuple[float, float]
Ring = list[int]  # arc references: i, or ~i for arc i reversed (TopoJSON)
Polygon = list[Ring]  # outer ring first, then holes


class Command(BaseCommand):
    help = (
        "Rebuild the world map's country shapes (claims/data/world.json) from world-atlas' "
        "TopoJSON: Equal Earth projection, Visvalingam-Whyatt simplification, ISO 3166 alpha-2 "
        "codes, Western Sahara and Crimea as the UN lists them, a marker for each country too "
        "small to click."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="world-atlas countries-50m.json (TopoJSON).")
        parser.add_argument(
            "--fill-from",
            help="A finer world-atlas file (countries-10m.json) whose countries missing from "
            "SOURCE are added: Natural Earth's 1:50m leaves out Tuvalu.",
        )
        parser.add_argument("--output", default=str(WORLD_MAP_PATH), help="Where to write.")

    def handle(self, *args, source, fill_from=None, output, **options):
        try:
            from pyproj import Transformer
            from simplification.cutil import simplify_coords_vwp
        except ImportError as error:
            raise CommandError(
                f"{error.name} is missing: pip install -r requirements-dev.txt"
            ) from None

        arcs, features = read_topology(source)
        sources = [describe(source)]
        if fill_from:
            more_arcs, more = read_topology(fill_from, coded_only=True)
            have = {code for code, _name, _polygons in features}
            more = [(code, name, shift(polygons, len(arcs))) for code, name, polygons in more]
            added = [feature for feature in more if feature[0] not in have]
            arcs += more_arcs
            features += added
            sources.append(
                f"{describe(fill_from)}, for {', '.join(sorted({f[0] for f in added})) or '-'}"
            )
        shapes, unassigned = by_code(features)
        cut_at_antimeridian(arcs, shapes, unassigned)
        as_the_un_lists(arcs, shapes, unassigned)

        projector = Transformer.from_crs("EPSG:4326", PROJECTION, always_xy=True)
        x_max = projector.transform(180, 0)[0]
        used = {
            ref if ref >= 0 else ~ref for rings in iter_rings(shapes, unassigned) for ref in rings
        }
        projected: dict[int, list[Point]] = {}
        for index in used:
            xs, ys = projector.transform(*zip(*arcs[index], strict=True))
            projected[index] = list(zip(xs, ys, strict=True))
        y_top = max(y for index in used for _x, y in projected[index])
        y_bottom = min(y for index in used for _x, y in projected[index])
        k = WIDTH / (2 * x_max)
        for index, points in projected.items():
            projected[index] = [((x + x_max) * k, (y_top - y) * k) for x, y in points]
        height = math.ceil((y_bottom - y_top) * -k)

        # Each arc simplified once, then snapped to the grid of path data.
        simplified = {}
        for index, points in projected.items():
            kept = simplify_coords_vwp([list(p) for p in points], SIMPLIFY)
            grid: list[tuple[int, int]] = []
            for x, y in kept:
                point = (round(x * SCALE), round(y * SCALE))
                if not grid or point != grid[-1]:
                    grid.append(point)
            simplified[index] = grid

        def shape(polygons: list[Polygon], *, markable: bool) -> dict:
            d = path_data(polygons, simplified)
            result = {"d": d} if d else {}
            exact = [[join(ring, projected) for ring in polygon] for polygon in polygons]
            if markable and (sum(map(polygon_area, exact)) < MARKER_AREA or not d):
                result["marker"] = centroid(max(exact, key=polygon_area)[0])
            return result

        coded = {
            code: {"name": name, **shape(polygons, markable=True)}
            for code, (name, polygons) in sorted(shapes.items())
        }
        markers = {code: entry["marker"] for code, entry in coded.items() if "marker" in entry}
        for code, (x, y) in apart(markers, MARKER_RADIUS * 2 + 0.5).items():
            coded[code]["marker"] = [round(x * SCALE), round(y * SCALE)]
        data = {
            "source": sources,
            "projection": f"Equal Earth ({PROJECTION}), Greenwich-centred",
            "simplification": f"Visvalingam-Whyatt, topology-preserving, {SIMPLIFY} sq. units",
            "viewBox": [0, 0, WIDTH * SCALE, height * SCALE],
            # Where a projected point (metres) falls: x = (e - west) * scale,
            # y = (north - n) * scale; for placing other things on the map.
            "grid": {"crs": PROJECTION, "west": -x_max, "north": y_top, "scale": k * SCALE},
            "markerRadius": round(MARKER_RADIUS * SCALE),
            "countries": coded,
            "unassigned": [
                {"name": name, **shape(polygons, markable=False)} for name, polygons in unassigned
            ],
        }
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        # Written beside, then renamed: the map never reads a half-written file.
        partial = Path(f"{output}.partial")
        try:
            partial.write_text(text + "\n", encoding="utf-8")
            partial.replace(output)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror or error}.") from None
        self.stdout.write(
            f"wrote {output}: {len(coded)} countries, {len(markers)} with a marker, "
            f"{len(text.encode()) // 1024} KB"
        )


def describe(path: str) -> str:
    """Names the file and, when it sits in its npm package, the package and version."""
    try:
        meta = json.loads(Path(path).with_name("package.json").read_text(encoding="utf-8"))
        return f"{meta['name']} {meta['version']} {Path(path).name}"
    except (OSError, ValueError, KeyError):
        return Path(path).name


def read_topology(path: str, *, coded_only: bool = False):
    """The arcs as (lon, lat) points, and (alpha-2 code or None, name, polygons) for each
    country; with `coded_only`, only the features that have an ISO 3166 id."""
    try:
        with open(path, encoding="utf-8") as handle:
            topology = json.load(handle)
        geometries = topology["objects"]["countries"]["geometries"]
        arcs = decode_arcs(topology)
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
    except (ValueError, KeyError, TypeError) as error:
        raise CommandError(
            f"{path} is not world-atlas TopoJSON with a 'countries' object ({error!r})."
        ) from None
    features = []
    for geometry in geometries:
        name = geometry.get("properties", {}).get("name", "")
        if geometry.get("id"):
            code = countries.alpha2(int(geometry["id"]))
            if not code:
                raise CommandError(f"{path}: {name} has id {geometry['id']}, not ISO 3166-1.")
            name = str(countries.name(code))
        elif coded_only:
            continue
        elif name in NAMELESS:
            code = NAMELESS[name]
        else:
            raise CommandError(f"{path}: {name!r} has no id; say what it is in NAMELESS.")
        if code in DROPPED or geometry["type"] not in ("Polygon", "MultiPolygon"):
            continue
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        features.append((code, name, polygons))
    return arcs, features


def decode_arcs(topology: dict) -> list[list[Point]]:
    """TopoJSON arcs as absolute (lon, lat) points (quantized arcs are delta-encoded)."""
    transform = topology.get("transform")
    if not transform:
        return [[(p[0], p[1]) for p in arc] for arc in topology["arcs"]]
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def shift(polygons: list[Polygon], offset: int) -> list[Polygon]:
    """The same polygons referring to arcs appended `offset` places further on."""
    return [
        [[ref + offset if ref >= 0 else ref - offset for ref in ring] for ring in polygon]
        for polygon in polygons
    ]


def by_code(features):
    """{code: (name, polygons)} with the features of one code together, and the features
    that belong to no code as [(name, polygons)]."""
    shapes: dict[str, tuple[str, list[Polygon]]] = {}
    unassigned = []
    for code, name, polygons in features:
        if code is None:
            unassigned.append((name, polygons))
        elif code in shapes:
            shapes[code][1].extend(polygons)
        else:
            shapes[code] = (name, list(polygons))
    return shapes, unassigned


def iter_rings(shapes, unassigned):
    for _name, polygons in [*shapes.values(), *unassigned]:
        for polygon in polygons:
            yield from polygon


def cut_at_antimeridian(arcs: list[list[Point]], shapes: dict, unassigned: list) -> None:
    """Splits each polygon that crosses the 180th meridian (Russia's Chukotka and Wrangel
    Island, an island of Fiji) in two, one at each edge of the map: world-atlas leaves that
    to the renderer (d3-geo cuts them as it projects)."""

    def crossing(a: Point, b: Point):
        if abs(a[0] - b[0]) <= 180:
            return None
        east, west = (a, b) if a[0] > 0 else (b, a)
        span = west[0] + 360 - east[0]
        t = (180 - east[0]) / span if span else 0.0
        latitude = east[1] + t * (west[1] - east[1])
        edge = 180 if a[0] > 0 else -180
        return (edge, latitude), (-edge, latitude)

    def meridian(longitude: float, start: Point, end: Point) -> list[Point]:
        # The map's edge is a curve: a point each degree of latitude follows it.
        steps = max(1, math.ceil(abs(end[1] - start[1])))
        return [(longitude, start[1] + (end[1] - start[1]) * i / steps) for i in range(steps + 1)]

    for _name, polygons in [*shapes.values(), *unassigned]:
        for polygon in list(polygons):
            points = join(polygon[0], arcs)
            if not any(abs(a[0] - b[0]) > 180 for a, b in zip(points, points[1:], strict=False)):
                continue
            if len(polygon) > 1:
                raise CommandError("A polygon with holes crosses the 180th meridian.")
            replace_arcs(split_arcs(polygon[0], arcs, crossing), shapes, unassigned)
            east, west = two_runs(polygon[0], arcs, lambda ref: arc_mean(arcs, ref, 0) > 0)
            polygons.remove(polygon)
            for run, longitude in ((east, 180), (west, -180)):
                end, start = join(run, arcs)[-1], join(run, arcs)[0]
                arcs.append(meridian(longitude, end, start))
                polygons.append([[*run, len(arcs) - 1]])


def as_the_un_lists(arcs: list[list[Point]], shapes: dict, unassigned: list) -> None:
    """Redraws what Natural Earth's de facto view draws otherwise than the UN lists it:
    Western Sahara whole (Natural Earth gives Morocco everything west of the berm) and
    Crimea as Ukraine's. Refuses a source that does not look as expected."""
    for code in ("EH", "MA", "RU", "UA"):
        if code not in shapes:
            raise CommandError(f"The source has no {code}: cannot draw it as the UN lists it.")
    morocco, sahara = shapes["MA"][1], shapes["EH"][1]
    if len(morocco) != 1 or len(sahara) != 1:
        raise CommandError("Expected Morocco and Western Sahara as one polygon each.")
    # Western Sahara's northern border is a parallel; Natural Earth's own W. Sahara reaches it.
    border = max(y for _x, y in join(sahara[0][0], arcs))

    def crossing(a: Point, b: Point):
        if (a[1] - border) * (b[1] - border) >= 0:
            return None
        point = (a[0] + (border - a[1]) / (b[1] - a[1]) * (b[0] - a[0]), border)
        return point, point

    replace_arcs(split_arcs(morocco[0][0], arcs, crossing), shapes, unassigned)
    north, south = two_runs(morocco[0][0], arcs, lambda ref: arc_mean(arcs, ref, 1) >= border)
    # Equal Earth draws a parallel straight: the new border needs no more than its two ends.
    arcs.append([join(north, arcs)[-1], join(north, arcs)[0]])
    morocco[0][0] = [*north, len(arcs) - 1]
    sahara[0][0] = merge([sahara[0][0], [*south, ~(len(arcs) - 1)]], arcs)

    russia, ukraine = shapes["RU"][1], shapes["UA"][1]
    crimea = [p for p in russia if inside_box(p[0], arcs, CRIMEA)]
    if len(crimea) != 1:
        raise CommandError(f"Expected Crimea as one of Russia's polygons, found {len(crimea)}.")
    russia.remove(crimea[0])
    mainland = max(ukraine, key=lambda p: len(join(p[0], arcs)))
    mainland[0] = merge([mainland[0], crimea[0][0]], arcs)
    mainland.extend(crimea[0][1:])


def inside_box(ring: Ring, arcs, box) -> bool:
    west, south, east, north = box
    return all(west <= x <= east and south <= y <= north for x, y in join(ring, arcs))


def arc_mean(arcs, ref: int, axis: int) -> float:
    """Mean longitude (axis 0) or latitude (axis 1) of an arc's points."""
    points = arcs[ref if ref >= 0 else ~ref]
    return sum(p[axis] for p in points) / len(points)


def split_arcs(ring: Ring, arcs: list[list[Point]], crossing) -> dict[int, list[int]]:
    """Splits each of the ring's arcs where it crosses a line, in place: `crossing(a, b)` is
    None, or where the piece before the segment a-b ends and the next begins. An arc keeps its
    index for its first piece, the others are appended. Returns {index: pieces}."""
    replaced = {}
    for index in {ref if ref >= 0 else ~ref for ref in ring}:
        points = arcs[index]
        runs = [[points[0]]]
        for a, b in zip(points, points[1:], strict=False):
            cut = crossing(a, b)
            if cut:
                runs[-1].append(cut[0])
                runs.append([cut[1]])
            runs[-1].append(b)
        if len(runs) > 1:
            arcs[index] = runs[0]
            arcs.extend(runs[1:])
            replaced[index] = [index, *range(len(arcs) - len(runs) + 1, len(arcs))]
    return replaced


def replace_arcs(replaced: dict[int, list[int]], shapes: dict, unassigned: list) -> None:
    """Every ring that uses a split arc uses its pieces instead (reversed where it ran the
    arc backwards)."""

    def substitute(ring: Ring) -> Ring:
        out = []
        for ref in ring:
            if ref >= 0:
                out += replaced.get(ref, [ref])
            else:
                out += [~piece for piece in reversed(replaced.get(~ref, [~ref]))]
        return out

    for _name, polygons in [*shapes.values(), *unassigned]:
        for polygon in polygons:
            polygon[:] = [substitute(ring) for ring in polygon]


def two_runs(ring: Ring, arcs, side) -> tuple[Ring, Ring]:
    """The ring's arcs, which each lie on one side of a line it crosses twice, as two open
    runs in ring order: (those for which `side(ref)` is true, the others)."""
    sides = [side(ref) for ref in ring]
    if sum(a != b for a, b in zip(sides, sides[1:] + sides[:1], strict=True)) != 2:
        raise CommandError("An outline to cut does not cross its line exactly twice.")
    start = next(i for i in range(len(ring)) if sides[i] and not sides[i - 1])
    ordered = ring[start:] + ring[:start]
    count = sides.count(True)
    return ordered[:count], ordered[count:]


def merge(rings: list[Ring], arcs) -> Ring:
    """One ring around two neighbouring rings: arcs they share (once each way) cancel out."""
    refs = [ref for ring in rings for ref in ring]
    keys = {ref for ref in refs}
    outer = [ref for ref in refs if ~ref not in keys]
    return chain(outer, arcs)


def chain(refs: list[int], arcs) -> Ring:
    """Orders arc references so that each starts where the previous one ends."""

    def ends(ref):
        points = arcs[ref] if ref >= 0 else arcs[~ref][::-1]
        return points[0], points[-1]

    starting = {}
    for ref in refs:
        starting[ends(ref)[0]] = ref
    ring = [refs[0]]
    while len(ring) < len(refs):
        following = starting.get(ends(ring[-1])[1])
        if following is None or following in ring:
            raise CommandError("Could not join the arcs of a redrawn border into one ring.")
        ring.append(following)
    return ring


def join(ring: Ring, arcs) -> list:
    """The ring's points, from its arcs (each arc starts where the previous one ended)."""
    points: list = []
    for ref in ring:
        arc = arcs[ref] if ref >= 0 else arcs[~ref][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def ring_area(ring) -> float:
    """Unsigned area of a closed ring (shoelace)."""
    return abs(
        sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)) / 2
    )


def polygon_area(polygon) -> float:
    """Area of the outer ring less its holes."""
    return ring_area(polygon[0]) - sum(ring_area(hole) for hole in polygon[1:])


def centroid(ring) -> Point:
    """Centre of mass of a closed ring; its mean point if it has no area."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(a) < 1e-12:
        return sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring)
    return cx / (3 * a), cy / (3 * a)


def apart(points: dict[str, Point], distance: float) -> dict[str, Point]:
    """The points pushed apart, a little at a time, until none is nearer another than
    `distance` (markers of neighbouring small states, such as Bahrain and Qatar, would
    otherwise cover each other)."""
    moved = dict(points)
    for _ in range(200):
        clash = False
        codes = sorted(moved)
        for i, a in enumerate(codes):
            for b in codes[i + 1 :]:
                (ax, ay), (bx, by) = moved[a], moved[b]
                gap = math.hypot(bx - ax, by - ay)
                if gap >= distance:
                    continue
                clash = True
                # Coincident points part along a fixed direction: the result stays reproducible.
                ux, uy = ((bx - ax) / gap, (by - ay) / gap) if gap else (1.0, 0.0)
                push = (distance - gap) / 2 + 0.01
                moved[a] = (ax - ux * push, ay - uy * push)
                moved[b] = (bx + ux * push, by + uy * push)
        if not clash:
            return moved
    raise CommandError("Could not place the markers of small states apart from each other.")


def path_data(polygons: list[Polygon], arcs) -> str:
    """SVG path data: an absolute M, then relative l steps, for each ring big enough to see."""
    rings = []
    for polygon in polygons:
        for ring in polygon:
            points = join(ring, arcs)
            points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
            area = ring_area(points) / SCALE**2
            if len(points) >= 4 and area > 0:
                rings.append((area, points))
    if not rings:
        return ""
    largest = max(area for area, _ in rings)
    parts = []
    for area, points in rings:
        if area < MIN_RING_AREA and area != largest:
            continue
        # The last point repeats the first: "z" closes the ring.
        steps = []
        for (x0, y0), (x1, y1) in zip(points[:-2], points[1:-1], strict=True):
            steps += [x1 - x0, y1 - y0]
        parts.append(f"M{numbers(points[0])}l{numbers(steps)}z")
    return "".join(parts)


def numbers(values) -> str:
    """Numbers as path data writes them shortest: a minus sign separates as well as a space."""
    return "".join(str(v) if i == 0 or v < 0 else f" {v}" for i, v in enumerate(values))
