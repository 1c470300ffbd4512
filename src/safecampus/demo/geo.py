"""Random points inside the demo city's district polygons (the vendored Yantai GeoJSON)."""

import json
import random
from functools import cache
from pathlib import Path

GEOJSON = (
    Path(__file__).resolve().parents[1] / "core" / "static" / "vendor" / "yantai" / "yantai.geojson"
)


@cache
def _polygons() -> dict[str, list[list[tuple[float, float]]]]:
    """Feature name → its outer rings."""
    data = json.loads(GEOJSON.read_text(encoding="utf-8"))
    out: dict[str, list[list[tuple[float, float]]]] = {}
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        out[feature["properties"]["name"]] = [
            [tuple(p) for p in polygon[0]]
            for polygon in polygons
            if polygon and len(polygon[0]) >= 4
        ]
    return out


def _inside(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_feature(rng: random.Random, feature: str) -> tuple[float, float] | None:
    """A uniformly drawn point inside the named feature, or None if there is no such polygon."""
    rings = _polygons().get(feature)
    if not rings:
        return None
    # Pick a ring weighted by its bounding-box area, then sample inside it.
    boxes = []
    for ring in rings:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    weights = [(b[2] - b[0]) * (b[3] - b[1]) for b in boxes]
    for _ in range(500):
        index = rng.choices(range(len(rings)), weights=weights)[0]
        x0, y0, x1, y1 = boxes[index]
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if _inside(x, y, rings[index]):
            return round(x, 6), round(y, 6)
    return None


def point_near(
    rng: random.Random, centre: tuple[float, float], radius: float
) -> tuple[float, float]:
    return round(centre[0] + rng.uniform(-radius, radius), 6), round(
        centre[1] + rng.uniform(-radius, radius) * 0.8, 6
    )
