"""Tests of abri.network.map: the inline SVG map of France, pure Python, no database."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from abri.network.map import MapPoint, france_map_svg, project

SVG = "{http://www.w3.org/2000/svg}"

# Coordinates from general knowledge rather than from the shipped data.
PARIS = (48.8566, 2.3522)
NICE = (43.7102, 7.2620)
AJACCIO = (41.9192, 8.7386)
BREST = (48.3904, -4.4861)
SAINT_DENIS_REUNION = (-20.8823, 55.4504)
POINTE_A_PITRE = (16.2411, -61.5331)


def draw(points: list[MapPoint], **kwargs: object) -> str:
    options: dict[str, object] = {"title": "Free places", "description": "Shelters of the network"}
    options.update(kwargs)
    return france_map_svg(points, **options)  # type: ignore[arg-type]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def circles(root: ET.Element) -> list[ET.Element]:
    """The shelters' circles, legend excluded (the legend is aria-hidden)."""
    hidden = {id(c) for g in root.iter(f"{SVG}g") if g.get("aria-hidden") == "true" for c in g.iter()}
    return [c for c in root.iter(f"{SVG}circle") if id(c) not in hidden]


def point(
    lat_lon: tuple[float, float], value: int = 1, label: str = "x", href: str | None = None
) -> MapPoint:
    return MapPoint(lat_lon[0], lat_lon[1], value, label, href)


def test_parses_as_xml_with_title_and_desc_first() -> None:
    root = parse(draw([point(PARIS, 2, "Paris", "/s/1/")]))
    assert root.tag == f"{SVG}svg"
    first, second = list(root)[:2]
    assert first.tag == f"{SVG}title" and first.text == "Free places"
    assert second.tag == f"{SVG}desc" and second.text == "Shelters of the network"
    assert root.get("aria-labelledby") == f"{first.get('id')} {second.get('id')}"


def test_role_is_group_with_links_and_img_without() -> None:
    with_links = parse(draw([point(PARIS, 1, "Paris", "/s/1/")]))
    assert with_links.get("role") == "group"
    links = list(with_links.iter(f"{SVG}a"))
    assert len(links) == 1
    assert links[0].get("href") == "/s/1/"
    assert links[0].get("aria-label") == "Paris"
    assert links[0][0].tag == f"{SVG}title" and links[0][0].text == "Paris"
    without = parse(draw([point(PARIS, 1, "Paris")]))
    assert without.get("role") == "img"
    assert not list(without.iter(f"{SVG}a"))


def test_paris_is_north_and_west_of_nice() -> None:
    root = parse(draw([point(PARIS, 1, "Paris"), point(NICE, 1, "Nice")]))
    by_label = {g.get("aria-label"): g.find(f"{SVG}circle") for g in root.iter(f"{SVG}g")}
    paris, nice = by_label["Paris"], by_label["Nice"]
    assert paris is not None and nice is not None
    assert float(paris.get("cx", "")) < float(nice.get("cx", ""))
    assert float(paris.get("cy", "")) < float(nice.get("cy", ""))


def test_projection_keeps_france_inside_the_frame() -> None:
    svg = parse(draw([]))
    width, height = float(svg.get("width", "")), float(svg.get("height", ""))
    for lat, lon in (PARIS, NICE, AJACCIO, BREST):
        x, y = project(lat, lon, 640)
        assert 0 < x < width and 0 < y < height
    # Brest is the westernmost, Ajaccio the southernmost of these.
    assert project(*BREST) < project(*PARIS)
    assert project(*AJACCIO)[1] > project(*NICE)[1]


def test_area_is_proportional_to_value() -> None:
    points = [point(PARIS, v, f"v{v}") for v in (1, 2, 3, 4, 9)]
    root = parse(draw(points))
    radius = {g.get("aria-label"): float(g[1].get("r", "")) for g in root.iter(f"{SVG}g") if g.get("role")}
    assert radius["v1"] < radius["v2"] < radius["v3"] < radius["v4"] < radius["v9"]
    assert radius["v4"] == pytest.approx(2 * radius["v1"])
    assert radius["v9"] == pytest.approx(3 * radius["v1"])


def test_zero_is_a_hollow_ring_and_others_are_filled() -> None:
    root = parse(draw([point(PARIS, 0, "empty"), point(NICE, 2, "two")]))
    by_label = {g.get("aria-label"): g.find(f"{SVG}circle") for g in root.iter(f"{SVG}g")}
    ring, disc = by_label["empty"], by_label["two"]
    assert ring is not None and disc is not None
    assert ring.get("fill") == "none" and ring.get("stroke") not in (None, "none")
    assert disc.get("fill") not in (None, "none")


def test_larger_circles_are_drawn_first() -> None:
    points = [point(PARIS, v, f"v{v}") for v in (1, 3, 0, 2)]
    root = parse(draw(points))
    order = [g.get("aria-label") for g in root.iter(f"{SVG}g") if g.get("role")]
    assert order == ["v3", "v2", "v1", "v0"]


def test_labels_and_texts_are_escaped() -> None:
    label = "<script>alert(1)</script> Foyer A & B \"quoted\" 'single'\x01"
    svg = draw(
        [point(PARIS, 1, label, "/s/1/?a=1&b=2")],
        title="Map <b>&</b>",
        description="a < b & c",
        legend_title="Places <libres>",
        zero_label="aucune & rien",
    )
    assert "<script" not in svg
    root = parse(svg)
    link = next(root.iter(f"{SVG}a"))
    assert link.get("href") == "/s/1/?a=1&b=2"
    assert link.get("aria-label") == label.replace("\x01", "")
    assert link[0].text == label.replace("\x01", "")
    assert root[0].text == "Map <b>&</b>"
    assert root[1].text == "a < b & c"
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"Places <libres>", "aucune & rien"} <= texts


def test_unsafe_links_and_impossible_values_are_refused() -> None:
    with pytest.raises(ValueError, match="link"):
        MapPoint(48.0, 2.0, 1, "x", "javascript:alert(1)")
    with pytest.raises(ValueError, match="negative"):
        MapPoint(48.0, 2.0, -1, "x")
    with pytest.raises(ValueError, match="finite"):
        MapPoint(float("nan"), 2.0, 1, "x")
    assert MapPoint(48.0, 2.0, 1, "x", "https://example.org/s/1/").href


def test_no_style_or_script_anywhere() -> None:
    svg = draw([point(PARIS, 1, "a", "/s/1/"), point(NICE, 0, "b"), point(SAINT_DENIS_REUNION, 2, "c")])
    root = parse(svg)
    for element in root.iter():
        assert element.tag not in (f"{SVG}style", f"{SVG}script", f"{SVG}foreignObject")
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)


def test_overseas_points_are_skipped_and_counted() -> None:
    points = [
        point(PARIS, 1, "Paris"),
        point(AJACCIO, 1, "Ajaccio"),
        point(SAINT_DENIS_REUNION, 2, "Réunion"),
        point(POINTE_A_PITRE, 0, "Guadeloupe"),
    ]
    root = parse(draw(points, overseas_note="+{count} outre-mer"))
    labels = {g.get("aria-label") for g in root.iter(f"{SVG}g") if g.get("role")}
    assert labels == {"Paris", "Ajaccio"}  # Corsica is metropolitan
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "+2 outre-mer" in texts
    default = parse(draw(points))
    assert "+2 overseas" in [t.text for t in default.iter(f"{SVG}text")]


def test_no_overseas_note_when_all_points_are_metropolitan() -> None:
    root = parse(draw([point(PARIS)]))
    assert not any("overseas" in (t.text or "") for t in root.iter(f"{SVG}text"))


def test_background_shows_france_as_one_path_of_dots() -> None:
    root = parse(draw([]))
    paths = list(root.iter(f"{SVG}path"))
    assert len(paths) == 1
    background = paths[0]
    assert background.get("stroke-linecap") == "round" and background.get("aria-hidden") == "true"
    # One "h0" per town: a few thousand metropolitan towns, none of the overseas ones.
    assert background.get("d", "").count("h0") > 5000
    assert circles(root) == []


def test_legend_shows_values_ring_and_title() -> None:
    root = parse(draw([], legend_title="Places libres", legend_values=(1, 4), zero_label="aucune"))
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    assert legend.get("aria-hidden") == "true"
    assert [t.text for t in legend.iter(f"{SVG}text")] == ["Places libres", "1", "4", "aucune"]
    keys = list(legend.iter(f"{SVG}circle"))
    assert [c.get("fill") == "none" for c in keys] == [False, False, True]
    assert float(keys[1].get("r", "")) == pytest.approx(2 * float(keys[0].get("r", "")))


def test_large_cities_are_named_where_they_are() -> None:
    root = parse(draw([point(PARIS, 2, "CHRS A", "/a/")]))
    landmarks = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "landmarks")
    assert landmarks.get("aria-hidden") == "true"  # orientation only: shelters carry their own names
    names = {t.text: t for t in landmarks.iter(f"{SVG}text")}
    assert {"Paris", "Lyon", "Marseille", "Lille", "Bordeaux", "Strasbourg", "Nice"} <= set(names)
    x, y = project(*PARIS)
    assert float(names["Paris"].get("x", "")) == pytest.approx(x, abs=6)
    assert float(names["Paris"].get("y", "")) == pytest.approx(y, abs=8)
    # Near the eastern edge the name is written to the west, so it stays on the map.
    assert names["Strasbourg"].get("text-anchor") == "end" and names["Paris"].get("text-anchor") == "start"
    # Drawn over the shelters, to stay legible, but a click on a name reaches the shelter under it.
    children = list(root)
    last_link = max(i for i, c in enumerate(children) if c.tag == f"{SVG}a")
    assert children.index(landmarks) > last_link and landmarks.get("pointer-events") == "none"


def test_size_stays_small() -> None:
    points = [point((43 + i * 0.07, -1 + i * 0.08), i % 4, f"Shelter {i}", f"/s/{i}/") for i in range(100)]
    svg = draw(points)
    assert len(parse(svg)) > 100
    assert len(svg.encode()) < 150_000


def test_output_is_deterministic() -> None:
    points = [point(PARIS, 1, "a", "/a/"), point(NICE, 1, "b"), point(BREST, 0, "c")]
    assert draw(points) == draw(list(points))
    assert draw(points, width=800) == draw(points, width=800)
    assert draw(points) != draw(points, width=800)


def test_width_scales_the_drawing() -> None:
    small, large = parse(draw([])), parse(draw([], width=960))
    assert small.get("width") == "640" and large.get("width") == "960"
    ratio_small = float(small.get("height", "")) / 640
    ratio_large = float(large.get("height", "")) / 960
    assert ratio_small == pytest.approx(ratio_large, abs=0.01)
    with pytest.raises(ValueError):
        draw([], width=50)


def test_a_thousand_points_reuse_the_cached_background() -> None:
    """The towns' background is drawn once per width: later maps reuse it (speed is shown by the
    map benchmark, not timed here, where a loaded machine would make the test flaky)."""
    from abri.network import map as map_module

    points = [
        point((42.5 + (i % 80) * 0.1, -4 + (i // 80) * 0.9), i % 4, f"S{i}", f"/s/{i}/") for i in range(1000)
    ]
    draw(points)  # loads the towns and caches the background
    before = map_module._background.cache_info()
    svg = draw(points)
    after = map_module._background.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses
    root = parse(svg)
    assert len(list(root.iter(f"{SVG}a"))) == 1000
