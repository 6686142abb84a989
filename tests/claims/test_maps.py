"""The world map: the shipped country shapes (claims/data/world.json) and the SVG drawn from
them (claims/maps.py)."""

import re
import xml.etree.ElementTree as ET

import pytest

from claims.maps import (
    NEUTRAL_FILL,
    PALETTE,
    WORLD_MAP_PATH,
    LegendEntry,
    Region,
    palette,
    render_legend_html,
    render_world_svg,
    world_codes,
)
from tests.claims.world_map import WORLD, painted_at, rings

SVG = "{http://www.w3.org/2000/svg}"

# The 193 member states of the United Nations (ISO 3166-1 alpha-2).
UN_MEMBERS = frozenset(
    """
    AF AL DZ AD AO AG AR AM AU AT AZ BS BH BD BB BY BE BZ BJ BT BO BA BW BR BN BG BF BI CV KH
    CM CA CF TD CL CN CO KM CG CD CR CI HR CU CY CZ DK DJ DM DO EC EG SV GQ ER EE SZ ET FJ FI
    FR GA GM GE DE GH GR GD GT GN GW GY HT HN HU IS IN ID IR IQ IE IL IT JM JP JO KZ KE KI KP
    KR KW KG LA LV LB LS LR LY LI LT LU MG MW MY MV ML MT MH MR MU MX FM MD MC MN ME MA MZ MM
    NA NR NP NL NZ NI NE NG MK NO OM PK PW PA PG PY PE PH PL PT QA RO RU RW KN LC VC WS SM ST
    SA SN RS SC SL SG SK SI SB SO ZA SS ES LK SD SR SE CH SY TJ TZ TH TL TG TO TT TN TR TM TV
    UG UA AE GB US UY UZ VU VE VN YE ZM ZW
    """.split()  # noqa: SIM905 - a table reads better than 193 quoted strings
)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def links(root: ET.Element) -> dict[str, ET.Element]:
    return {a.get("href"): a for a in root.iter(f"{SVG}a")}


# The shipped shapes


def test_every_un_member_state_and_western_sahara_can_be_drawn():
    missing = sorted((UN_MEMBERS | {"EH"}) - world_codes())
    assert not missing, f"no shape for {missing}"
    for code in UN_MEMBERS | {"EH"}:
        entry = WORLD["countries"][code]
        assert entry.get("d") or entry.get("marker"), f"{code} has neither a shape nor a marker"


def test_the_un_member_list_is_the_un_s_193():
    assert len(UN_MEMBERS) == 193


def test_western_sahara_is_drawn_whole_and_apart_from_morocco():
    # Laayoune, Aousserd and Smara lie in Western Sahara; Natural Earth's de facto view draws
    # them inside Morocco.
    for lon, lat in [(-13.20, 27.15), (-14.32, 22.55), (-11.66, 26.74)]:
        assert painted_at(lon, lat) == ["EH"]
    assert painted_at(-7.59, 33.57) == ["MA"]  # Casablanca
    morocco = [p for ring in rings(WORLD["countries"]["MA"]["d"]) for p in ring]
    sahara = [p for ring in rings(WORLD["countries"]["EH"]["d"]) for p in ring]
    # They meet on the parallel, and Morocco reaches no further south.
    assert max(y for _x, y in morocco) == min(y for _x, y in sahara)


def test_crimea_is_drawn_as_ukraine_as_the_un_lists_it():
    assert painted_at(34.10, 44.95) == ["UA"]  # Simferopol
    assert painted_at(37.62, 55.75) == ["RU"]  # Moscow


def test_territories_natural_earth_leaves_without_a_code_are_placed():
    assert painted_at(21.17, 42.67) == ["XK"]  # Pristina: Kosovo stands on its own
    assert painted_at(44.06, 9.56) == ["SO"]  # Hargeisa: Somaliland is Somalia's
    assert painted_at(33.36, 35.19) == ["CY"]  # North Nicosia
    assert "AQ" not in WORLD["countries"]


def test_small_states_get_a_marker_and_large_ones_do_not():
    for code in ["BH", "SG", "MT", "VA", "MC", "SM", "LI", "NR", "TV", "KN", "MV", "LU", "QA"]:
        assert "marker" in WORLD["countries"][code], code
    for code in ["FR", "US", "MA", "EH", "BR", "DZ"]:
        assert "marker" not in WORLD["countries"][code], code


def test_markers_do_not_cover_one_another():
    radius = WORLD["markerRadius"]
    markers = [e["marker"] for e in WORLD["countries"].values() if "marker" in e]
    for i, (x0, y0) in enumerate(markers):
        for x1, y1 in markers[i + 1 :]:
            assert (x1 - x0) ** 2 + (y1 - y0) ** 2 >= (2 * radius) ** 2


def test_the_shapes_file_stays_small():
    assert WORLD_MAP_PATH.stat().st_size < 250_000


# The rendered map


def positions() -> dict[str, Region]:
    recognises, autonomy, neutral = palette(3)
    return {
        "US": Region(
            fill=recognises, label="United States: recognises (confirmed)", href="/claims/1/"
        ),
        "FR": Region(fill=autonomy, label="France: autonomy plan", href="/claims/2/"),
        "BH": Region(fill=recognises, label="Bahrain: recognises", href="/claims/3/"),
        "SE": Region(fill=neutral, label="Sweden: neutral (unverified)", hatched=True),
    }


def test_a_rendered_map_links_each_country_with_its_position_as_title():
    svg = render_world_svg(positions(), title="Western Sahara", description="As of 2021-01-01")
    root = parse(svg)
    assert root.get("role") == "group"
    assert root.find(f"{SVG}title").text == "Western Sahara"
    assert root.find(f"{SVG}desc").text == "As of 2021-01-01"
    assert root.get("aria-labelledby") == root.find(f"{SVG}title").get("id")
    assert root.get("aria-describedby") == root.find(f"{SVG}desc").get("id")
    found = links(root)
    assert set(found) == {"/claims/1/", "/claims/2/", "/claims/3/"}
    assert found["/claims/1/"].find(f"{SVG}title").text == "United States: recognises (confirmed)"
    assert found["/claims/1/"].find(f"{SVG}path").get("fill") == PALETTE[0]
    assert found["/claims/2/"].find(f"{SVG}path").get("fill") == PALETTE[1]


def test_a_small_state_is_drawn_with_a_marker_inside_its_link():
    root = parse(render_world_svg(positions(), title="t", description="d"))
    bahrain = links(root)["/claims/3/"]
    marker = bahrain.find(f"{SVG}circle")
    assert marker is not None and marker.get("fill") == PALETTE[0]
    # Drawn after the large countries, so that no neighbour covers it.
    assert list(links(root)) == ["/claims/1/", "/claims/2/", "/claims/3/"]


def test_countries_without_a_position_are_neutral_and_not_links():
    root = parse(render_world_svg(positions(), title="t", description="d"))
    (neutral,) = [p for p in root.iter(f"{SVG}path") if p.get("class") == "n"]
    assert WORLD["countries"]["BR"]["d"] in neutral.get("d")
    assert WORLD["countries"]["US"]["d"] not in neutral.get("d")
    assert f".n{{fill:{NEUTRAL_FILL}}}" in root.find(f"{SVG}style").text


def test_a_position_resting_only_on_unverified_claims_is_hatched_not_only_coloured():
    root = parse(render_world_svg(positions(), title="t", description="d"))
    sweden = next(
        g for g in root.iter(f"{SVG}g") if g.findtext(f"{SVG}title", "").startswith("Sweden")
    )
    fill = sweden.find(f"{SVG}path").get("fill")
    pattern_id = re.fullmatch(r"url\(#(.+)\)", fill).group(1)
    pattern = next(p for p in root.iter(f"{SVG}pattern") if p.get("id") == pattern_id)
    colours = [rect.get("fill") for rect in pattern.iter(f"{SVG}rect")]
    assert colours == [PALETTE[2], "#fff"]  # the position's colour, striped with white
    assert "unverified" in sweden.findtext(f"{SVG}title")


def test_a_map_without_links_is_a_single_image():
    regions = {"FR": Region(fill=PALETTE[0], label="France: recognises")}
    root = parse(render_world_svg(regions, title="t", description="d"))
    assert root.get("role") == "img"
    assert not links(root)


HOSTILE = "</svg><script>alert(1)</script>\"' & <b>"


def test_hostile_text_is_escaped_everywhere():
    regions = {"MA": Region(fill=PALETTE[0], label=HOSTILE, href="/claims/1/?a=1&b=<2>")}
    legend = [LegendEntry(label=HOSTILE, fill=PALETTE[0], count=1)]
    svg = render_world_svg(
        regions,
        title=HOSTILE,
        description=HOSTILE,
        legend=legend,
        caption=HOSTILE,
        standalone=True,
    )
    root = parse(svg)  # still one well-formed SVG document
    assert not list(root.iter(f"{SVG}script")) and "<script" not in svg
    assert root.find(f"{SVG}title").text == HOSTILE
    assert links(root)["/claims/1/?a=1&b=<2>"].findtext(f"{SVG}title") == HOSTILE
    assert [t.text for t in root.iter(f"{SVG}text")] == [HOSTILE, f"{HOSTILE} (1)", HOSTILE]
    html = render_legend_html(legend)
    assert "<script" not in html and "&lt;/svg&gt;&lt;script&gt;" in html


def test_characters_xml_forbids_cannot_break_a_standalone_map():
    label = "Morocco\x00\x0b\x1f\ud800 recognises"
    root = parse(
        render_world_svg(
            {"MA": Region(fill=PALETTE[0], label=label, href="/c/")},
            title=label,
            description="d",
            standalone=True,
        )
    )
    assert root.find(f"{SVG}title").text == "Morocco\ufffd\ufffd\ufffd\ufffd recognises"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/claims/1/",
        "/\\evil.example/",
        "ftp://example.org/",
        "https:/claims/1/",
        "http://[",
        "claims/1/",
        "",
    ],
)
def test_links_other_than_same_site_paths_and_http_are_refused(href):
    with pytest.raises(ValueError, match="href"):
        Region(fill=PALETTE[0], label="Morocco", href=href)


def test_same_site_paths_and_http_links_are_kept():
    for href in ["/claims/12/", "/topics/ws/?as_of=2020-12-10", "https://example.org/a?b=1"]:
        region = Region(fill=PALETTE[0], label="Morocco", href=href)
        root = parse(render_world_svg({"MA": region}, title="t", description="d"))
        assert list(links(root)) == [href]


def test_a_fill_that_is_not_a_colour_is_refused():
    for fill in ["red", "#12345", "#0072B2;stroke:url(x)", "url(#x)", '#000" onload="x']:
        with pytest.raises(ValueError, match="fill"):
            Region(fill=fill, label="Morocco")
        with pytest.raises(ValueError, match="fill"):
            LegendEntry(label="Recognises", fill=fill, count=1)


def test_a_legend_count_must_be_a_number():
    for count in [-1, "3<script>", 2.5, None]:
        with pytest.raises(ValueError, match="count"):
            LegendEntry(label="Recognises", fill=PALETTE[0], count=count)


def test_a_country_the_map_cannot_draw_is_refused_by_name():
    regions = {"XX": Region(fill=PALETTE[0], label="?"), "GP": Region(fill=PALETTE[0], label="?")}
    with pytest.raises(ValueError, match="'GP', 'XX'"):
        render_world_svg(regions, title="t", description="d")


def test_a_standalone_map_carries_its_own_style_and_fetches_nothing():
    legend = [LegendEntry(label="Recognises", fill=PALETTE[0], count=1)]
    svg = render_world_svg(
        positions(),
        title="Western Sahara",
        description="d",
        legend=legend,
        caption="claimtrack, as of 2021-01-01",
        standalone=True,
    )
    root = parse(svg)
    assert root.find(f"{SVG}style") is not None
    assert root.get("width") == "1000"  # a size of its own, for an <img>
    assert {a.get("target") for a in links(root).values()} == {"_top"}
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Western Sahara", "Recognises (1)", "claimtrack, as of 2021-01-01"]
    # No address but the SVG namespace and the regions' own links.
    assert re.findall(r"https?://[^\"]*", svg) == ["http://www.w3.org/2000/svg"]
    assert "@import" not in svg and "url(http" not in svg


def test_the_html_legend_names_each_position_with_its_count_in_order():
    entries = [
        LegendEntry(label="Recognises Moroccan sovereignty", fill=PALETTE[0], count=3),
        LegendEntry(label="Unverified or disputed", fill=PALETTE[0], count=2, hatched=True),
        LegendEntry(label="No position", fill=NEUTRAL_FILL, count=180),
    ]
    root = ET.fromstring(render_legend_html(entries, id_prefix="ws"))
    items = root.findall("li")
    assert ["".join(li.itertext()).strip() for li in items] == [
        "Recognises Moroccan sovereignty (3)",
        "Unverified or disputed (2)",
        "No position (180)",
    ]
    hatched = items[1].find("svg")
    assert "url(#ws-legend-1-0)" in ET.tostring(hatched, encoding="unicode")


def test_two_maps_on_one_page_use_their_own_ids():
    hatched = {"SE": Region(fill=PALETTE[0], label="Sweden", hatched=True)}
    ids = []
    for prefix in ("before", "after"):
        root = parse(render_world_svg(hatched, title="t", description="d", id_prefix=prefix))
        ids.append({e.get("id") for e in root.iter() if e.get("id")})
    assert ids[0] and not ids[0] & ids[1]
    with pytest.raises(ValueError, match="id_prefix"):
        render_world_svg(hatched, title="t", description="d", id_prefix='x"><script>')


def test_the_palette_tells_at_most_six_positions_apart():
    assert len(set(palette(6))) == 6 and NEUTRAL_FILL not in palette(6)
    with pytest.raises(ValueError, match="6 positions"):
        palette(7)
