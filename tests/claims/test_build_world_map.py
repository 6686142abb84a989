"""`manage.py build_world_map`: from world-atlas' TopoJSON to claims/data/world.json, on a
small made-up world with the same traps as Natural Earth's (a de facto Western Sahara,
Crimea drawn as Russia's, a country across the 180th meridian, features without an id)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.claims.world_map import on_the_map, painted_at, rings

# Corners of Morocco and Western Sahara as Natural Earth draws them: Morocco reaches south to
# the berm (longitude -9), its "W. Sahara" lies east of it and ends on the parallel 27.5.
A, B, C, D = (-17, 21), (-9, 21), (-9, 27.5), (-5, 27.5)
E, F, G = (-5, 21), (-5, 36), (-17, 36)
ARCS = [
    [B, C],  # 0: the berm, Morocco | W. Sahara
    [C, D],  # 1: W. Sahara's northern edge, Morocco | W. Sahara
    [D, F, G, A, B],  # 2: the rest of Morocco
    [B, E, D],  # 3: the rest of W. Sahara
    [(33, 45.5), (36, 45.5)],  # 4: Ukraine | Crimea
    [(36, 45.5), (40, 45.5), (40, 52), (22, 52), (22, 45.5), (33, 45.5)],  # 5: Ukraine
    [(33, 45.5), (33, 44.5), (36, 44.5), (36, 45.5)],  # 6: Crimea
    [(170, 64), (-170, 64), (-170, 70), (170, 70), (170, 64)],  # 7: across the antimeridian
    [(40, 50), (60, 50), (60, 60), (40, 60), (40, 50)],  # 8: Russia
    [(20, 42), (21, 42), (21, 43), (20, 43), (20, 42)],  # 9: Kosovo
    [(42, 0), (50, 0), (50, 10), (42, 10), (42, 0)],  # 10: Somalia
    [(43, 10.2), (48, 10.2), (48, 11), (43, 11), (43, 10.2)],  # 11: Somaliland
    [(-60, -80), (-50, -80), (-50, -70), (-60, -70), (-60, -80)],  # 12: Antarctica
    [(50.5, 26.0), (50.6, 26.0), (50.6, 26.1), (50.5, 26.1), (50.5, 26.0)],  # 13: Bahrain
]


def geometry(name, arcs, id=None, kind="Polygon"):
    return {"type": kind, "arcs": arcs, "properties": {"name": name}, **({"id": id} if id else {})}


GEOMETRIES = [
    geometry("Morocco", [[0, 1, 2]], "504"),
    geometry("W. Sahara", [[3, ~1, ~0]], "732"),
    geometry("Ukraine", [[5, 4]], "804"),
    geometry("Russia", [[[8]], [[6, ~4]], [[7]]], "643", "MultiPolygon"),
    geometry("Kosovo", [[9]]),
    geometry("Somalia", [[10]], "706"),
    geometry("Somaliland", [[11]]),
    geometry("Antarctica", [[12]], "010"),
    geometry("Bahrain", [[13]], "048"),
]


def topology(geometries=GEOMETRIES):
    return {
        "type": "Topology",
        "objects": {"countries": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": [[list(p) for p in arc] for arc in ARCS],
    }


def build(tmp_path, source=None) -> dict:
    path = tmp_path / "countries.json"
    path.write_text(json.dumps(source or topology()))
    out = tmp_path / "world.json"
    call_command("build_world_map", str(path), output=str(out), stdout=io.StringIO())
    return json.loads(out.read_text())


def test_western_sahara_is_drawn_whole_and_morocco_ends_at_its_border(tmp_path):
    world = build(tmp_path)
    assert painted_at(-13, 25, world) == ["EH"]  # west of the berm: Morocco's, de facto
    assert painted_at(-7, 24, world) == ["EH"]
    assert painted_at(-13, 30, world) == ["MA"]
    assert painted_at(-7, 30, world) == ["MA"]
    morocco = [p for ring in rings(world["countries"]["MA"]["d"]) for p in ring]
    sahara = [p for ring in rings(world["countries"]["EH"]["d"]) for p in ring]
    assert max(y for _x, y in morocco) == min(y for _x, y in sahara)
    assert len(rings(world["countries"]["EH"]["d"])) == 1  # one outline, no seam on the berm


def test_crimea_joins_ukraine_without_a_seam(tmp_path):
    world = build(tmp_path)
    assert painted_at(34.5, 45, world) == ["UA"]
    assert painted_at(30, 48, world) == ["UA"]
    assert painted_at(50, 55, world) == ["RU"]
    assert len(rings(world["countries"]["UA"]["d"])) == 1


def test_a_country_across_the_180th_meridian_is_cut_at_both_edges_of_the_map(tmp_path):
    world = build(tmp_path)
    width = world["viewBox"][2]
    assert painted_at(175, 67, world) == ["RU"]
    assert painted_at(-175, 67, world) == ["RU"]
    # Two pieces, one at each edge; none drawn as a stripe across the whole map.
    spans = [[x for x, _y in ring] for ring in rings(world["countries"]["RU"]["d"])]
    assert all(max(xs) - min(xs) < width / 4 for xs in spans)
    assert any(max(xs) < width / 4 for xs in spans) and any(min(xs) > width * 3 / 4 for xs in spans)


def test_features_without_an_id_are_placed_and_antarctica_left_out(tmp_path):
    world = build(tmp_path)
    assert set(world["countries"]) == {"MA", "EH", "UA", "RU", "XK", "SO", "BH"}
    assert painted_at(20.5, 42.5, world) == ["XK"]
    assert painted_at(45, 10.6, world) == ["SO"]  # Somaliland, Somalia's as the UN lists it
    assert world["countries"]["XK"]["name"] == "Kosovo"
    assert world["countries"]["EH"]["name"] == "Western Sahara"


def test_a_small_state_gets_a_marker_where_it_lies(tmp_path):
    world = build(tmp_path)
    x, y = world["countries"]["BH"]["marker"]
    ex, ey = on_the_map(50.55, 26.05, world)
    assert abs(x - ex) <= 1 and abs(y - ey) <= 1
    assert "marker" not in world["countries"]["MA"]


def test_the_same_source_gives_the_same_bytes(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    assert build(first) == build(second)
    assert (first / "world.json").read_bytes() == (second / "world.json").read_bytes()


def test_an_unknown_feature_without_an_id_stops_the_build(tmp_path):
    source = topology([*GEOMETRIES, geometry("Atlantis", [[9]])])
    with pytest.raises(CommandError, match="'Atlantis' has no id"):
        build(tmp_path, source)
    assert not (tmp_path / "world.json").exists()


def test_a_source_without_western_sahara_stops_the_build(tmp_path):
    source = topology([g for g in GEOMETRIES if g["properties"]["name"] != "W. Sahara"])
    with pytest.raises(CommandError, match="no EH"):
        build(tmp_path, source)


def test_a_file_that_is_not_world_atlas_topojson_stops_the_build(tmp_path):
    path = tmp_path / "countries.json"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(CommandError, match="not world-atlas TopoJSON"):
        call_command("build_world_map", str(path), output=str(tmp_path / "w.json"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("build_world_map", str(tmp_path / "missing.json"))


def test_an_output_that_cannot_be_written_stops_the_build_with_a_message(tmp_path):
    path = tmp_path / "countries.json"
    path.write_text(json.dumps(topology()))
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("build_world_map", str(path), output=str(tmp_path / "no" / "world.json"))
