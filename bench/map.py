"""Benchmark of the network map (abri/network/map.py): time to draw the SVG for 60 to 5,000 shelters.

    .venv/bin/python bench/map.py

The first call loads the towns and draws their background once per width (cached); the network
board pays only for the later calls. Prints the median of 20 draws per size, in milliseconds.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abri.network.map import MapPoint, france_map_svg


def points(count: int) -> list[MapPoint]:
    """Shelters spread over a grid covering metropolitan France (synthetic, no real address)."""
    return [
        MapPoint(42.5 + (i % 80) * 0.1, -4 + (i // 80 % 13) * 0.9, i % 4, f"CHRS {i}", f"/s/{i}/")
        for i in range(count)
    ]


def draw(shelters: list[MapPoint]) -> str:
    return france_map_svg(shelters, title="Free places", description="Shelters of the network")


def main() -> None:
    start = time.perf_counter()
    draw(points(1))
    first = (time.perf_counter() - start) * 1000
    print("| shelters | median draw (ms) | SVG size (KB) |")
    print("|---|---|---|")
    print(f"| first call, towns loaded | {first:.1f} | |")
    for count in (60, 500, 1000, 5000):
        shelters = points(count)
        times = []
        for _ in range(20):
            start = time.perf_counter()
            svg = draw(shelters)
            times.append((time.perf_counter() - start) * 1000)
        print(f"| {count:,} | {statistics.median(times):.1f} | {len(svg.encode()) / 1024:.0f} |")


if __name__ == "__main__":
    main()
