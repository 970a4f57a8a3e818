#!/usr/bin/env python3
"""Generate the demo data set ``a14.json`` (Städteverbund A14, Landkreis Ludwigslust-Parchim, MV).

EVERYTHING IN THE OUTPUT IS MADE-UP DEMO DATA (Demo-Datensatz): estates, plots, prices, contacts and
outlines are fictitious. Only the town names, their approximate positions and their official
municipality keys (AGS) are real.

Deterministic and stdlib-only: running ``python3 data/demo/generate_a14.py`` rewrites
``data/demo/a14.json`` byte-for-byte identically. Geometry is built in a local metric frame per
estate (1 deg lat ~ 111,320 m, 1 deg lon ~ 111,320 * cos(lat) m), rotated, then converted to
EPSG:4326 [lon, lat] with at most 7 decimals. Exterior rings are counter-clockwise, holes
clockwise (RFC 7946). Adjacent plots share identical edge vertices, so they touch but never overlap.

Conventions used for the distance fields (all road-distance estimates = straight line x factor):
  dist_motorway_km      nearest A14 junction (AS Neustadt-Glewe / Ludwigslust / Grabow, approximate)
  dist_rail_station_km  nearest station (Ludwigslust, Grabow (Meckl), Neustadt-Glewe)
  dist_port_km          seaport Wismar (Hamburg port is ~125-135 km, mentioned in the texts)
  dist_airport_km       Hamburg Airport (HAM); Schwerin-Parchim is mentioned in the region text
"""

import json
import math
import os
import random

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "a14.json")

M_PER_DEG = 111320.0
DEMO_DE = "Demo-Datensatz: fiktive Angaben, kein reales Angebot."
DEMO_EN = "Demo data: fictitious details, not a real offer."

# --------------------------------------------------------------------------------------------
# Real reference points (approximate) used only for outlines and distance estimates
# --------------------------------------------------------------------------------------------
JUNCTIONS = [  # approximate A14 junction positions (lat, lon)
    ("AS Neustadt-Glewe", 53.3700, 11.5500),
    ("AS Ludwigslust", 53.3380, 11.5630),
    ("AS Grabow", 53.2970, 11.5980),
]
STATIONS = [
    ("Ludwigslust", 53.3340, 11.5070),
    ("Grabow (Meckl)", 53.2815, 11.5600),
    ("Neustadt-Glewe", 53.3770, 11.5870),
]
PORT_WISMAR = (53.8990, 11.4570)
AIRPORT_HAM = (53.6304, 9.9882)

# --------------------------------------------------------------------------------------------
# Municipalities (AGS: Ludwigslust 13076090, Grabow 13076050, Neustadt-Glewe 13076105)
# --------------------------------------------------------------------------------------------
MUNICIPALITIES = [
    {
        "code": "LWL", "ags": "13076090", "name": "Ludwigslust", "lat": 53.3300, "lon": 11.5000,
        "radius_m": 5000.0,
        "contact_name": "Katrin Beispiel (Wirtschaftsförderung, Demo)",
        "contact_phone": "+49 40 66969 101",
        "contact_email": "wirtschaft-ludwigslust@example.org",
    },
    {
        "code": "GRA", "ags": "13076050", "name": "Grabow", "lat": 53.2800, "lon": 11.5700,
        "radius_m": 4200.0,
        "contact_name": "Torsten Mustermann (Bauamt/Wirtschaft, Demo)",
        "contact_phone": "+49 40 66969 102",
        "contact_email": "wirtschaft-grabow@example.org",
    },
    {
        "code": "NSG", "ags": "13076105", "name": "Neustadt-Glewe", "lat": 53.3800, "lon": 11.5900,
        "radius_m": 5400.0,
        "contact_name": "Ulrike Exempel (Wirtschaftsförderung, Demo)",
        "contact_phone": "+49 40 66969 103",
        "contact_email": "wirtschaft-neustadt-glewe@example.org",
    },
]
MUNI_BY_CODE = {m["code"]: m for m in MUNICIPALITIES}

# Irregularity of the town outlines (factor per vertex, 12 vertices each).
OUTLINE_JITTER = {
    "LWL": [1.00, 0.86, 1.08, 0.94, 0.80, 0.97, 1.10, 0.90, 0.84, 1.04, 0.92, 1.07],
    "GRA": [0.92, 1.05, 0.88, 1.00, 0.95, 0.83, 1.06, 0.91, 0.97, 0.86, 1.02, 0.94],
    "NSG": [1.05, 0.90, 0.98, 0.85, 1.02, 0.93, 0.88, 1.08, 0.95, 0.82, 1.00, 0.97],
}


# --------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------
def to_lonlat(lat0, lon0, x, y):
    """Local metres (x east, y north) around (lat0, lon0) -> [lon, lat] rounded to 7 decimals."""
    lat = lat0 + y / M_PER_DEG
    lon = lon0 + x / (M_PER_DEG * math.cos(math.radians(lat0)))
    return [round(lon, 7), round(lat, 7)]


def signed_area(ring):
    """Shoelace over an open or closed ring of [x, y]; > 0 means counter-clockwise."""
    s = 0.0
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        s += x1 * y2 - x2 * y1
    return s / 2.0


def close_ring(pts, ccw):
    """Drop an explicit closing point, orient, then close (first == last)."""
    pts = [list(p) for p in pts]
    if pts[0] == pts[-1]:
        pts = pts[:-1]
    # remove consecutive duplicates produced by rounding (none expected, but be safe)
    clean = []
    for p in pts:
        if not clean or clean[-1] != p:
            clean.append(p)
    if (signed_area(clean) > 0) != ccw:
        clean.reverse()
    clean.append(list(clean[0]))
    assert len(clean) >= 4
    return clean


# WGS84 radii of curvature, for an accurate (ellipsoidal) local area estimate.
_A = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)


def ring_area_m2(ring):
    lat0 = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
    phi = math.radians(lat0)
    w = math.sqrt(1 - _E2 * math.sin(phi) ** 2)
    m_rad = _A * (1 - _E2) / w ** 3  # meridional
    n_rad = _A / w  # prime vertical
    kx = math.radians(1) * n_rad * math.cos(phi)
    ky = math.radians(1) * m_rad
    lon0 = ring[0][0]
    pts = [((p[0] - lon0) * kx, (p[1] - lat0) * ky) for p in ring]
    return abs(signed_area(pts[:-1]))


def polygon_area_m2(poly):
    return ring_area_m2(poly[0]) - sum(ring_area_m2(h) for h in poly[1:])


def geom_area_m2(geom):
    if geom["type"] == "Polygon":
        return polygon_area_m2(geom["coordinates"])
    return sum(polygon_area_m2(p) for p in geom["coordinates"])


def haversine_km(lat1, lon1, lat2, lon2):
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def convex_hull(points):
    pts = sorted(set((p[0], p[1]) for p in points))

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]  # counter-clockwise, open


def lerp(p, q, t):
    return (p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t)


# --------------------------------------------------------------------------------------------
# Estates and their plot layout.
#
# Each estate has a local frame (u along the access road, v across it) rotated by `rot` degrees
# (counter-clockwise from east) around the estate origin. A row is a strip of plots on one side
# of the road: `v0` = road edge, `dir` = +1 (plots extend to +v) or -1, `front` = boundary
# positions along the road, `skew` = how far each boundary leans along u at the back, `depth` =
# plot depth at each boundary. Neighbouring plots share exactly the same boundary segment.
# `None` in `plots` is a gap (existing business / rail corridor / green strip, not on offer).
# --------------------------------------------------------------------------------------------
ESTATES = [
    {
        "key": "lwl-techentin", "town": "LWL", "lat": 53.3425, "lon": 11.5290, "rot": 22.0,
        "name": "Gewerbegebiet Am Techentiner Weg",
        "description_de": "Voll erschlossenes Gewerbegebiet am nordöstlichen Stadtrand von Ludwigslust "
                          "Richtung Techentin, rund 2 km bis zur A14-Anschlussstelle Ludwigslust. "
                          "Rechtskräftiger Bebauungsplan, Glasfaser im Gebiet. " + DEMO_DE,
        "description_en": "Fully serviced business park on the north-eastern edge of Ludwigslust towards "
                          "Techentin, about 2 km from the A14 Ludwigslust junction. Legally binding "
                          "zoning plan, fibre in the estate. " + DEMO_EN,
        "rows": [
            {"v0": 8.0, "dir": 1, "front": [0, 70, 140, 235, 330], "skew": [0, 6, 10, 4, 0],
             "depth": [85, 88, 92, 95, 90], "plots": ["LWL-001", "LWL-002", "LWL-003", "LWL-004"]},
            {"v0": -8.0, "dir": -1, "front": [20, 60, 110, 300], "skew": [0, -4, -6, 0],
             "depth": [55, 55, 60, 100], "plots": ["LWL-005", None, "LWL-006"]},
        ],
    },
    {
        "key": "lwl-a14-ost", "town": "LWL", "lat": 53.3340, "lon": 11.5520, "rot": -15.0,
        "name": "Industrie- und Logistikpark Ludwigslust-Ost (A14)",
        "description_de": "Großflächiger Industrie- und Logistikstandort östlich von Ludwigslust, direkt "
                          "an der A14 (Anschlussstelle Ludwigslust unter 2 km). Teilflächen GI und ein "
                          "Sondergebiet Logistik mit rund 12 ha; Erweiterungsfläche in Planung. " + DEMO_DE,
        "description_en": "Large industrial and logistics site east of Ludwigslust, right next to the A14 "
                          "(Ludwigslust junction less than 2 km away). Industrial plots plus a special "
                          "logistics zone of about 12 ha; an extension area is being planned. " + DEMO_EN,
        "rows": [
            {"v0": 10.0, "dir": 1, "front": [0, 120, 240, 360], "skew": [0, 10, 15, 5],
             "depth": [150, 155, 160, 150], "plots": ["LWL-007", "LWL-008", "LWL-009"]},
            {"v0": -10.0, "dir": -1, "front": [0, 400, 470], "skew": [0, 12, 0],
             "depth": [300, 310, 120], "plots": ["LWL-010", "LWL-011"]},
        ],
    },
    {
        "key": "lwl-sued", "town": "LWL", "lat": 53.3135, "lon": 11.5230, "rot": 35.0,
        "name": "Gewerbepark Ludwigslust-Süd an der Bahn",
        "description_de": "Gemischter Standort am südöstlichen Stadtrand entlang der Bahnstrecke "
                          "Hamburg–Berlin: urbane und gemischte Bauflächen zur Stadt hin, Industrieflächen "
                          "mit möglichem Gleisanschluss zur Bahn hin. " + DEMO_DE,
        "description_en": "Mixed site on the south-eastern edge of town along the Hamburg–Berlin railway: "
                          "urban and mixed-use plots towards the town, industrial plots with a possible "
                          "rail siding towards the railway. " + DEMO_EN,
        "rows": [
            {"v0": 8.0, "dir": 1, "front": [0, 60, 115], "skew": [0, 3, 0],
             "depth": [60, 62, 58], "plots": ["LWL-012", "LWL-013"]},
            {"v0": -8.0, "dir": -1, "front": [0, 150, 180, 330], "skew": [0, 8, 8, 10],
             "depth": [140, 145, 145, 150], "plots": ["LWL-014", None, "LWL-015"]},
        ],
    },
    {
        "key": "gra-nord", "town": "GRA", "lat": 53.2935, "lon": 11.5560, "rot": 40.0,
        "name": "Gewerbegebiet Grabow-Nord (Ludwigsluster Chaussee)",
        "description_de": "Gewerbe- und Industriegebiet im Norden von Grabow an der Straße nach "
                          "Ludwigslust, mit Nähe zur Bahnstrecke; zwei Industrieflächen können einen "
                          "Gleisanschluss erhalten. " + DEMO_DE,
        "description_en": "Business and industrial estate north of Grabow on the road to Ludwigslust, "
                          "close to the railway; two industrial plots can get a rail siding. " + DEMO_EN,
        "rows": [
            {"v0": 9.0, "dir": 1, "front": [0, 80, 160, 250], "skew": [0, 5, 5, 0],
             "depth": [100, 100, 105, 110], "plots": ["GRA-001", "GRA-002", "GRA-003"]},
            {"v0": -9.0, "dir": -1, "front": [0, 200, 380], "skew": [0, 10, 20],
             "depth": [180, 185, 190], "plots": ["GRA-004", "GRA-005"]},
        ],
    },
    {
        "key": "gra-a14", "town": "GRA", "lat": 53.2880, "lon": 11.6130, "rot": -30.0,
        "name": "Industriegebiet Grabow-Ost am Autobahnzubringer",
        "description_de": "Industriegebiet östlich von Grabow am Zubringer zur A14-Anschlussstelle "
                          "Grabow. Große Entwicklungsfläche mit geschütztem Kleingewässer (Biotop), "
                          "kleinere Gewerbeflächen für Handwerk und Dienstleistung. " + DEMO_DE,
        "description_en": "Industrial estate east of Grabow on the feeder road to the A14 Grabow "
                          "junction. A large development area with a protected pond (biotope) and "
                          "smaller plots for trades and services. " + DEMO_EN,
        "rows": [
            {"v0": 10.0, "dir": 1, "front": [0, 250, 330, 400], "skew": [0, 15, 5, 0],
             "depth": [260, 270, 120, 110], "plots": ["GRA-006", "GRA-007", "GRA-008"]},
            {"v0": -10.0, "dir": -1, "front": [40, 90, 150], "skew": [0, -3, -5],
             "depth": [50, 52, 45], "plots": ["GRA-009", "GRA-010"]},
        ],
    },
    {
        "key": "nsg-west", "town": "NSG", "lat": 53.3740, "lon": 11.5560, "rot": 10.0,
        "name": "Gewerbegebiet Neustadt-Glewe West (A14/B191)",
        "description_de": "Gewerbegebiet westlich von Neustadt-Glewe zwischen B191 und A14, "
                          "Anschlussstelle Neustadt-Glewe in unter 1 km. Ein Entwässerungsgraben "
                          "quert den südlichen Teil. " + DEMO_DE,
        "description_en": "Business park west of Neustadt-Glewe between the B191 and the A14, with the "
                          "Neustadt-Glewe junction less than 1 km away. A drainage ditch crosses the "
                          "southern part. " + DEMO_EN,
        "rows": [
            {"v0": 8.0, "dir": 1, "front": [0, 90, 180, 300], "skew": [0, 6, 12, 6],
             "depth": [110, 115, 120, 110], "plots": ["NSG-001", "NSG-002", "NSG-003"]},
            {"v0": -8.0, "dir": -1, "front": [0, 100, 130, 260], "skew": [0, -5, -5, 0],
             "depth": [90, 95, 95, 100], "plots": ["NSG-004", None, "NSG-005"]},
        ],
    },
    {
        "key": "nsg-sued", "town": "NSG", "lat": 53.3630, "lon": 11.6010, "rot": 5.0,
        "name": "Energie- und Gewerbepark Neustadt-Glewe Süd",
        "description_de": "Gewerbe- und Industriestandort im Süden von Neustadt-Glewe mit Ausrichtung "
                          "auf energieintensive Betriebe; Anschluss an das örtliche Fernwärmenetz "
                          "möglich, Erweiterungsfläche in Planung. " + DEMO_DE,
        "description_en": "Business and industrial site in the south of Neustadt-Glewe aimed at "
                          "energy-intensive firms; connection to the local district heating network "
                          "possible, extension area being planned. " + DEMO_EN,
        "rows": [
            {"v0": 10.0, "dir": 1, "front": [0, 150, 330], "skew": [0, 10, 20],
             "depth": [200, 210, 220], "plots": ["NSG-006", "NSG-007"]},
            {"v0": -10.0, "dir": -1, "front": [0, 60, 120], "skew": [0, 2, 4],
             "depth": [70, 75, 72], "plots": ["NSG-008", "NSG-009"]},
        ],
    },
]

# Shape options per plot (everything else is a plain, usually skewed, quadrilateral):
#   chamfer_left / chamfer_right: metres cut off the front corner (only where no neighbour)
#   bump: back edge gets an extra vertex pushed out by this many metres (pentagon)
#   hole: ("rect", a0, a1, t0, t1) or ("oct", a, t, ra, rt) in plot-parametric coordinates
#   multi: (t1, t2) -> two parts, split by a strip between depth fractions t1..t2
SHAPES = {
    "LWL-001": {"chamfer_left": 12.0},
    "LWL-003": {"hole": ("rect", 0.06, 0.14, 0.07, 0.17)},  # transformer station left out
    "LWL-004": {"bump": 9.0},
    "LWL-006": {"bump": 14.0, "chamfer_right": 10.0},
    "LWL-009": {"chamfer_right": 15.0},
    "LWL-013": {"bump": 5.0},
    "LWL-015": {"chamfer_left": 8.0},
    "GRA-003": {"chamfer_right": 12.0},
    "GRA-005": {"bump": 18.0},
    "GRA-006": {"hole": ("oct", 0.62, 0.58, 0.065, 0.06)},  # protected pond (biotope)
    "GRA-008": {"chamfer_right": 10.0},
    "GRA-010": {"bump": 6.0},
    "NSG-003": {"chamfer_right": 12.0},
    "NSG-005": {"multi": (0.47, 0.55)},  # drainage ditch splits the plot
    "NSG-007": {"bump": 20.0},
    "NSG-009": {"chamfer_right": 6.0},
}


def build_plot_shapes(estate):
    """Return {reference: list of polygons}, each polygon a list of rings in local (x, y) metres."""
    rot = math.radians(estate["rot"])
    cr, sr = math.cos(rot), math.sin(rot)

    def xy(u, v):
        return (u * cr - v * sr, u * sr + v * cr)

    result = {}
    for row in estate["rows"]:
        v0, dr = row["v0"], row["dir"]
        plots = row["plots"]
        assert len(row["front"]) == len(plots) + 1 == len(row["skew"]) == len(row["depth"])

        def uv(u, depth):
            return (u, v0 + dr * depth)

        for i, ref in enumerate(plots):
            if ref is None:
                continue
            opt = SHAPES.get(ref, {})
            has_left = i > 0 and plots[i - 1] is not None
            has_right = i + 1 < len(plots) and plots[i + 1] is not None
            fl = uv(row["front"][i], 0.0)
            fr = uv(row["front"][i + 1], 0.0)
            bl = uv(row["front"][i] + row["skew"][i], row["depth"][i])
            br = uv(row["front"][i + 1] + row["skew"][i + 1], row["depth"][i + 1])

            def param(a, t):
                f = lerp(fl, fr, a)
                b = lerp(bl, br, a)
                return lerp(f, b, t)

            if "multi" in opt:
                assert not has_left and not has_right, ref
                t1, t2 = opt["multi"]
                part_a = [fl, fr, param(1, t1), param(0, t1)]
                part_b = [param(0, t2), param(1, t2), br, bl]
                polys = [[[xy(*p) for p in part_a]], [[xy(*p) for p in part_b]]]
                result[ref] = polys
                continue

            ring = []
            if "chamfer_left" in opt:
                assert not has_left, ref
                c = opt["chamfer_left"]
                side_len = math.dist(fl, bl)
                ring += [lerp(fl, bl, c / side_len), lerp(fl, fr, c / math.dist(fl, fr))]
            else:
                ring.append(fl)
            if "chamfer_right" in opt:
                assert not has_right, ref
                c = opt["chamfer_right"]
                ring += [lerp(fr, fl, c / math.dist(fl, fr)), lerp(fr, br, c / math.dist(fr, br))]
            else:
                ring.append(fr)
            ring.append(br)
            if "bump" in opt:
                mid = lerp(br, bl, 0.45)
                ring.append((mid[0], mid[1] + dr * opt["bump"]))
            ring.append(bl)
            poly = [[xy(*p) for p in ring]]
            if "hole" in opt:
                h = opt["hole"]
                if h[0] == "rect":
                    _, a0, a1, t0, t1 = h
                    hole = [param(a0, t0), param(a1, t0), param(a1, t1), param(a0, t1)]
                else:
                    _, a, t, ra, rt = h
                    hole = [param(a + ra * math.cos(k * math.pi / 4), t + rt * math.sin(k * math.pi / 4))
                            for k in range(8)]
                poly.append([xy(*p) for p in hole])
            result[ref] = [poly]
    return result


def local_polys_to_geojson(estate, polys):
    out = []
    for poly in polys:
        rings = []
        for k, ring in enumerate(poly):
            ll = [to_lonlat(estate["lat"], estate["lon"], x, y) for x, y in ring]
            rings.append(close_ring(ll, ccw=(k == 0)))
        out.append(rings)
    if len(out) == 1:
        return {"type": "Polygon", "coordinates": out[0]}
    return {"type": "MultiPolygon", "coordinates": out}


def estate_outline(estate, polys_by_ref, margin=20.0):
    pts = []
    for polys in polys_by_ref.values():
        for poly in polys:
            for x, y in poly[0]:
                for k in range(8):
                    ang = k * math.pi / 4 + math.pi / 8
                    pts.append((x + margin * math.cos(ang), y + margin * math.sin(ang)))
    hull = convex_hull(pts)
    ll = [to_lonlat(estate["lat"], estate["lon"], x, y) for x, y in hull]
    return {"type": "MultiPolygon", "coordinates": [[close_ring(ll, ccw=True)]]}


def town_outline(muni):
    """12-vertex star polygon around the town, clipped to the Voronoi cell of the three towns."""
    lat0, lon0 = muni["lat"], muni["lon"]
    kx = M_PER_DEG * math.cos(math.radians(lat0))
    others = []
    for m in MUNICIPALITIES:
        if m is muni:
            continue
        ox, oy = (m["lon"] - lon0) * kx, (m["lat"] - lat0) * M_PER_DEG
        others.append((ox, oy))
    pts = []
    for i, f in enumerate(OUTLINE_JITTER[muni["code"]]):
        ang = math.radians(90 - i * 30 + 7)  # start roughly north, any order; oriented later
        dx, dy = math.cos(ang), math.sin(ang)
        r = muni["radius_m"] * f
        for ox, oy in others:  # stay 250 m short of the perpendicular bisector
            d = math.hypot(ox, oy)
            proj = dx * ox / d + dy * oy / d
            if proj > 0:
                r = min(r, (d / 2 - 250.0) / proj)
        pts.append(to_lonlat(lat0, lon0, dx * r, dy * r))
    return {"type": "MultiPolygon", "coordinates": [[close_ring(pts, ccw=True)]]}


# --------------------------------------------------------------------------------------------
# Plot attributes
# --------------------------------------------------------------------------------------------
ZONING_DEFAULTS = {
    "GE": {"grz": 0.8, "gfz": 1.6, "bmz": 8.0, "max_height_m": 15.0, "max_storeys": 3, "operation_24h": False},
    "GI": {"grz": 0.8, "gfz": 2.4, "bmz": 10.0, "max_height_m": 25.0, "max_storeys": None, "operation_24h": True},
    "GE-e": {"grz": 0.6, "gfz": 1.2, "bmz": 6.0, "max_height_m": 12.0, "max_storeys": 2, "operation_24h": False},
    "MI": {"grz": 0.6, "gfz": 1.2, "bmz": None, "max_height_m": 12.0, "max_storeys": 3, "operation_24h": False},
    "MU": {"grz": 0.8, "gfz": 2.4, "bmz": None, "max_height_m": 14.0, "max_storeys": 4, "operation_24h": False},
    "SO": {"grz": 0.8, "gfz": 2.0, "bmz": 10.0, "max_height_m": 20.0, "max_storeys": None, "operation_24h": True},
}

ESTATE_DEFAULTS = {
    "lwl-techentin": {"gas": True, "district_heating": False, "broadband_mbit": 1000, "fibre": True,
                      "electricity_capacity_kva": 400},
    "lwl-a14-ost": {"gas": True, "district_heating": False, "broadband_mbit": 1000, "fibre": True,
                    "electricity_capacity_kva": 2500},
    "lwl-sued": {"gas": True, "district_heating": False, "broadband_mbit": 250, "fibre": False,
                 "electricity_capacity_kva": 630},
    "gra-nord": {"gas": True, "district_heating": False, "broadband_mbit": 500, "fibre": True,
                 "electricity_capacity_kva": 630},
    "gra-a14": {"gas": False, "district_heating": False, "broadband_mbit": 100, "fibre": False,
                "electricity_capacity_kva": 400},
    "nsg-west": {"gas": True, "district_heating": False, "broadband_mbit": 500, "fibre": True,
                 "electricity_capacity_kva": 630},
    "nsg-sued": {"gas": True, "district_heating": True, "broadband_mbit": 1000, "fibre": True,
                 "electricity_capacity_kva": 4000},
}

GRW_RATES = (35, 25, 15)  # illustrative small / medium / large maximum aid rates, in percent

# One entry per plot. Keys: est, zoning, status, bplan, servicing, price (min, max) or None for
# "on request", plus optional overrides and the texts (de/en). Order = output order.
PLOTS = [
    # ---------------- Ludwigslust: Am Techentiner Weg ----------------
    dict(ref="LWL-001", est="lwl-techentin", zoning="GE", status="available", bplan="legally_binding",
         servicing="full", price=("16.50", "18.00"), offer="sale", confirmed="2026-09-15",
         available_from=None, round100=True,
         title=("Eckgrundstück am Techentiner Weg", "Corner plot on Techentiner Weg"),
         text=("Eckgrundstück an der Gebietseinfahrt, gut sichtbar von der Kreisstraße, geeignet für "
               "Handwerk, Kfz-Service oder Showroom.",
               "Corner plot at the estate entrance, well visible from the district road, suitable for "
               "trades, car service or a showroom.")),
    dict(ref="LWL-002", est="lwl-techentin", zoning="GE", status="sold", bplan="legally_binding",
         servicing="full", price=("16.50", "18.00"), offer="sale", confirmed="2026-03-02",
         title=("Baufeld 2 Techentiner Weg", "Building plot 2 Techentiner Weg"),
         text=("Verkauft an einen regionalen Metallbaubetrieb; Fläche dient als Referenz im Monitoring.",
               "Sold to a regional metalworking firm; kept as a reference for the annual monitoring.")),
    dict(ref="LWL-003", est="lwl-techentin", zoning="GE", status="available", bplan="legally_binding",
         servicing="full", price=("15.00", "17.50"), offer="sale_or_lease", confirmed="2026-09-15",
         available_from="2026-01-01",
         title=("Baufeld 3 mit Trafostation", "Building plot 3 with transformer station"),
         text=("Die bestehende Trafostation des Netzbetreibers (ca. 70 m²) ist aus der Fläche "
               "herausgenommen und bleibt über ein Geh-, Fahr- und Leitungsrecht erreichbar.",
               "The grid operator's existing transformer station (approx. 70 m²) is excluded from the "
               "plot and remains accessible through an easement.")),
    dict(ref="LWL-004", est="lwl-techentin", zoning="GE", status="available", bplan="legally_binding",
         servicing="full", price=("15.00", None), offer="sale", confirmed="2026-08-20",
         overrides={"electricity_capacity_kva": 630},
         title=("Baufeld 4 Techentiner Weg", "Building plot 4 Techentiner Weg"),
         text=("Leicht unregelmäßiger Zuschnitt mit rückwärtiger Erweiterung; Preis ab 15 €/m² je nach "
               "Teilung.",
               "Slightly irregular plot with a rear extension; price from EUR 15/m² depending on "
               "subdivision.")),
    dict(ref="LWL-005", est="lwl-techentin", zoning="GE-e", status="reserved", bplan="legally_binding",
         servicing="full", price=("18.00", "19.50"), offer="sale", confirmed="2026-10-01",
         available_from="2027-03-01",
         notes="Reservierung für Tischlerei bis 31.01.2027, Option auf Verlängerung angefragt.",
         title=("Kleinfläche für Handwerk", "Small plot for trades"),
         text=("Kleine Fläche im eingeschränkten Gewerbegebiet, nur nicht wesentlich störendes Gewerbe "
               "zulässig (Nähe Wohnbebauung).",
               "Small plot in a restricted business zone; only businesses without significant "
               "nuisance are permitted (housing nearby).")),
    dict(ref="LWL-006", est="lwl-techentin", zoning="GE", status="available", bplan="legally_binding",
         servicing="full", price=("14.50", "17.00"), offer="sale", confirmed="2025-11-12",
         servicing_cost="2.80",
         title=("Teilbare Gewerbefläche Süd", "Divisible business plot south"),
         text=("Rund 1,7 ha, teilbar ab etwa 5.000 m²; Erschließungsbeitrag für die Stichstraße wird "
               "gesondert erhoben.",
               "About 1.7 ha, divisible from about 5,000 m²; the contribution for the access spur is "
               "charged separately.")),
    # ---------------- Ludwigslust: Ost (A14) ----------------
    dict(ref="LWL-007", est="lwl-a14-ost", zoning="GI", status="available", bplan="legally_binding",
         servicing="full", price=("13.00", "15.00"), offer="sale", confirmed="2026-07-30",
         round100=True,
         title=("Industriefläche A14-Ost, Baufeld 1", "Industrial plot A14 East, building plot 1"),
         text=("Industriefläche mit 24-Stunden-Betrieb, Schwerlastzufahrt und Mittelspannungsanschluss "
               "am Grundstück.",
               "Industrial plot with 24-hour operation, heavy-goods access and a medium-voltage "
               "connection at the boundary.")),
    dict(ref="LWL-008", est="lwl-a14-ost", zoning="GI", status="sold", bplan="legally_binding",
         servicing="full", price=("13.00", "15.00"), offer="sale", confirmed="2025-12-05",
         title=("Industriefläche A14-Ost, Baufeld 2", "Industrial plot A14 East, building plot 2"),
         text=("2025 an einen Hersteller von Holzwerkstoffen verkauft (fiktiv).",
               "Sold in 2025 to a manufacturer of wood-based panels (fictitious).")),
    dict(ref="LWL-009", est="lwl-a14-ost", zoning="GI", status="reserved", bplan="legally_binding",
         servicing="full", price=("13.50", "15.00"), offer="sale", confirmed="2026-10-20",
         notes="Reserviert für Ansiedlungsprojekt 'Nordlicht' (Codename), Entscheidung Q1/2027.",
         title=("Industriefläche A14-Ost, Baufeld 3", "Industrial plot A14 East, building plot 3"),
         text=("Endgrundstück mit abgeschrägter Ecke zur Wendeanlage.",
               "End plot with a cut-off corner at the turning area.")),
    dict(ref="LWL-010", est="lwl-a14-ost", zoning="SO", status="under_negotiation",
         bplan="legally_binding", servicing="full", price=None, offer="sale_or_lease",
         confirmed="2026-11-02",
         overrides={"electricity_capacity_kva": 6000},
         notes="Eigentümer verhandelt mit Logistiker – nicht extern kommunizieren.",
         title=("Sondergebiet Logistik (ca. 12 ha)", "Special logistics zone (approx. 12 ha)"),
         text=("Zusammenhängende Fläche von rund 12 ha im Sondergebiet Logistik, direkt an der A14; "
               "Hafen Hamburg etwa 130 km. Preis auf Anfrage.",
               "Contiguous site of about 12 ha in a special logistics zone right next to the A14; "
               "port of Hamburg about 130 km. Price on request.")),
    dict(ref="LWL-011", est="lwl-a14-ost", zoning="GI", status="planned", bplan="none",
         servicing="none", price=("9.50", None), offer="sale", confirmed="2026-06-18",
         available_from="2028-07-01", servicing_cost="8.50", published=False,
         overrides={"electricity_capacity_kva": None, "broadband_mbit": None, "fibre": False},
         title=("Erweiterungsfläche A14-Ost", "Extension area A14 East"),
         text=("Erweiterungsfläche, Aufstellung eines Bebauungsplans ist beabsichtigt; Erschließung "
               "frühestens 2028. Richtpreis unerschlossen.",
               "Extension area; a zoning plan is intended but not yet started; servicing 2028 at the "
               "earliest. Indicative price unserviced.")),
    # ---------------- Ludwigslust: Süd an der Bahn ----------------
    dict(ref="LWL-012", est="lwl-sued", zoning="MU", status="available", bplan="section_34",
         servicing="full", price=("22.00", "25.00"), offer="sale", confirmed="2026-05-11", grw=False,
         title=("Urbanes Grundstück Bahnhofsnähe", "Urban plot near the station"),
         text=("Innenbereichsfläche nach § 34 BauGB, geeignet für Büro, Praxis und Wohnen über "
               "Gewerbe.",
               "Inner-area plot under section 34 of the Building Code, suitable for offices, practices "
               "and flats above commercial units.")),
    dict(ref="LWL-013", est="lwl-sued", zoning="MI", status="available", bplan="section_34",
         servicing="full", price=("20.00", "23.00"), offer="sale_or_lease", confirmed="2023-04-17",
         grw=False,
         title=("Mischgebietsfläche Süd", "Mixed-use plot south"),
         text=("Fläche für das Wohnen nicht wesentlich störendes Gewerbe. Angaben seit 2023 nicht "
               "bestätigt.",
               "Plot for businesses that do not significantly disturb housing. Details not confirmed "
               "since 2023.")),
    dict(ref="LWL-014", est="lwl-sued", zoning="GI", status="under_negotiation", bplan="legally_binding",
         servicing="full", price=("12.00", "14.00"), offer="sale", confirmed="2026-09-29",
         rail=True, overrides={"electricity_capacity_kva": 1600},
         notes="Bahn-Anschlussvertrag noch offen; Kaufinteressent Agrarhandel, Notartermin nicht vor 03/2027.",
         title=("Industriefläche mit Gleisanschluss", "Industrial plot with rail siding"),
         text=("Gleisanschluss an die Strecke Hamburg–Berlin möglich (Anschlussweiche vorhanden).",
               "A rail siding to the Hamburg–Berlin line is possible (connecting switch in place).")),
    dict(ref="LWL-015", est="lwl-sued", zoning="GE", status="planned", bplan="in_preparation",
         servicing="partial", price=("12.50", "14.50"), offer="sale", confirmed="2026-04-08",
         available_from="2027-10-01", servicing_cost="4.20", published=False,
         title=("Gewerbefläche Süd, 2. Bauabschnitt", "Business plot south, phase 2"),
         text=("Zweiter Bauabschnitt; Bebauungsplan im Verfahren, Straße und Strom liegen an, "
               "Schmutzwasser folgt.",
               "Second phase; zoning plan in preparation, road and power at the boundary, sewage to "
               "follow.")),
    # ---------------- Grabow: Nord ----------------
    dict(ref="GRA-001", est="gra-nord", zoning="GE", status="available", bplan="legally_binding",
         servicing="full", price=("11.00", "13.00"), offer="sale", confirmed="2026-08-04",
         round100=True,
         title=("Gewerbefläche Ludwigsluster Chaussee 1", "Business plot Ludwigsluster Chaussee 1"),
         text=("Straßenseitige Fläche an der Ludwigsluster Chaussee, ideal für Handel mit "
               "Werkstatt (ohne zentrenrelevanten Einzelhandel).",
               "Roadside plot on Ludwigsluster Chaussee, ideal for trade with a workshop (no "
               "town-centre retail).")),
    dict(ref="GRA-002", est="gra-nord", zoning="GE", status="sold", bplan="legally_binding",
         servicing="full", price=("11.00", "13.00"), offer="sale", confirmed="2025-06-30",
         title=("Gewerbefläche Ludwigsluster Chaussee 2", "Business plot Ludwigsluster Chaussee 2"),
         text=("Verkauft; Neubau einer Kfz-Werkstatt (fiktiv).",
               "Sold; a new car workshop is being built (fictitious).")),
    dict(ref="GRA-003", est="gra-nord", zoning="GE-e", status="available", bplan="legally_binding",
         servicing="full", price=("10.50", "12.00"), offer="sale_or_lease", confirmed="2022-10-05",
         published=False,
         notes="Daten veraltet (Stand 2022) – vor Veröffentlichung Preis und Zuschnitt prüfen.",
         title=("Eingeschränktes Gewerbe Grabow-Nord", "Restricted business plot Grabow North"),
         text=("Eingeschränktes Gewerbegebiet am Übergang zur Wohnbebauung.",
               "Restricted business zone at the transition to housing.")),
    dict(ref="GRA-004", est="gra-nord", zoning="GI", status="reserved", bplan="legally_binding",
         servicing="full", price=("9.50", "11.00"), offer="sale", confirmed="2026-10-14",
         rail=True, available_from="2027-01-15", overrides={"electricity_capacity_kva": 1000},
         title=("Industriefläche mit Gleisanschluss West", "Industrial plot with rail siding, west"),
         text=("Rund 3,7 ha mit möglichem Gleisanschluss; reserviert für einen Baustoffhändler.",
               "About 3.7 ha with a possible rail siding; reserved for a building-materials dealer.")),
    dict(ref="GRA-005", est="gra-nord", zoning="GI", status="under_negotiation", bplan="legally_binding",
         servicing="full", price=("9.50", "11.00"), offer="sale_or_lease", confirmed="2026-09-09",
         rail=True, overrides={"electricity_capacity_kva": 1000},
         notes="Zwei Interessenten; Stadtvertretung entscheidet im Dezember.",
         title=("Industriefläche mit Gleisanschluss Ost", "Industrial plot with rail siding, east"),
         text=("Industriefläche mit rückwärtiger Erweiterungsoption und möglichem Gleisanschluss.",
               "Industrial plot with a rear extension option and a possible rail siding.")),
    # ---------------- Grabow: Ost am Autobahnzubringer ----------------
    dict(ref="GRA-006", est="gra-a14", zoning="GI", status="planned", bplan="in_preparation",
         servicing="partial", price=None, offer="sale", confirmed="2026-07-01",
         available_from="2028-01-01", servicing_cost="6.00",
         overrides={"electricity_capacity_kva": 2000},
         title=("Entwicklungsfläche Grabow-Ost mit Biotop", "Development area Grabow East with biotope"),
         text=("Rund 6,8 ha Entwicklungsfläche; das geschützte Kleingewässer (ca. 750 m²) ist "
               "ausgespart und bleibt mit Pufferstreifen erhalten. Preis auf Anfrage.",
               "About 6.8 ha development area; the protected pond (approx. 750 m²) is excluded and "
               "kept with a buffer strip. Price on request.")),
    dict(ref="GRA-007", est="gra-a14", zoning="GE", status="available", bplan="legally_binding",
         servicing="full", price=("10.00", "12.50"), offer="sale", confirmed="2026-02-23",
         available_from="2025-04-01",
         title=("Gewerbefläche am Zubringer", "Business plot on the feeder road"),
         text=("Tiefe Fläche am Zubringer zur A14, geeignet für Lager und Handwerk.",
               "Deep plot on the A14 feeder road, suitable for storage and trades.")),
    dict(ref="GRA-008", est="gra-a14", zoning="GE", status="available", bplan="legally_binding",
         servicing="full", price=("10.00", "12.50"), offer="sale", confirmed="2026-02-23",
         round100=True,
         title=("Gewerbefläche Wendehammer", "Business plot at the turning circle"),
         text=("Grundstück am Ende der Planstraße mit abgeschrägter Ecke.",
               "Plot at the end of the estate road with a cut-off corner.")),
    dict(ref="GRA-009", est="gra-a14", zoning="GE-e", status="reserved", bplan="legally_binding",
         servicing="full", price=("12.00", None), offer="lease", confirmed="2026-05-19",
         title=("Handwerkerhof Parzelle A", "Craft yard unit A"),
         text=("Kleine Parzelle im Handwerkerhof, nur zur Pacht.",
               "Small unit in the craft yard, lease only.")),
    dict(ref="GRA-010", est="gra-a14", zoning="GE-e", status="available", bplan="legally_binding",
         servicing="full", price=("12.00", "13.00"), offer="sale_or_lease", confirmed="2026-05-19",
         title=("Handwerkerhof Parzelle B", "Craft yard unit B"),
         text=("Kleine Parzelle im Handwerkerhof, Kauf oder Pacht.",
               "Small unit in the craft yard, for sale or lease.")),
    # ---------------- Neustadt-Glewe: West (A14/B191) ----------------
    dict(ref="NSG-001", est="nsg-west", zoning="GE", status="available", bplan="legally_binding",
         servicing="full", price=("10.50", "12.00"), offer="sale", confirmed="2026-10-27",
         title=("Gewerbefläche West 1", "Business plot West 1"),
         text=("Fläche an der Einfahrt des Gebiets, unter 1 km zur A14.",
               "Plot at the estate entrance, less than 1 km to the A14.")),
    dict(ref="NSG-002", est="nsg-west", zoning="GE", status="reserved", bplan="legally_binding",
         servicing="full", price=("10.50", "12.00"), offer="sale", confirmed="2026-10-27",
         available_from="2027-02-01", published=False,
         notes="Reservierungsvertrag noch nicht unterschrieben – bis dahin nicht veröffentlichen.",
         title=("Gewerbefläche West 2", "Business plot West 2"),
         text=("Mittlere Gewerbefläche, derzeit reserviert.",
               "Medium-sized business plot, currently reserved.")),
    dict(ref="NSG-003", est="nsg-west", zoning="GI", status="under_negotiation", bplan="legally_binding",
         servicing="full", price=("9.00", "11.00"), offer="sale", confirmed="2026-08-12",
         overrides={"electricity_capacity_kva": 1250},
         title=("Industriefläche West 3", "Industrial plot West 3"),
         text=("Industriefläche mit 24-Stunden-Betrieb, Verhandlungen laufen.",
               "Industrial plot with 24-hour operation; negotiations in progress.")),
    dict(ref="NSG-004", est="nsg-west", zoning="GE", status="sold", bplan="legally_binding",
         servicing="full", price=("10.00", "11.50"), offer="sale", confirmed="2025-09-03",
         title=("Gewerbefläche West 4", "Business plot West 4"),
         text=("Verkauft an einen Landtechnikhändler (fiktiv).",
               "Sold to an agricultural machinery dealer (fictitious).")),
    dict(ref="NSG-005", est="nsg-west", zoning="GE", status="available", bplan="legally_binding",
         servicing="full", price=("9.50", "11.00"), offer="sale", confirmed="2026-04-22",
         available_from="2025-06-01",
         title=("Gewerbefläche West 5 (zwei Teilflächen)", "Business plot West 5 (two parts)"),
         text=("Die Fläche besteht aus zwei Teilflächen beiderseits eines Entwässerungsgrabens, "
               "die gemeinsam veräußert werden; eine Überfahrt ist genehmigt.",
               "The plot consists of two parts on either side of a drainage ditch, sold together; a "
               "crossing has been approved.")),
    # ---------------- Neustadt-Glewe: Süd ----------------
    dict(ref="NSG-006", est="nsg-sued", zoning="GI", status="available", bplan="legally_binding",
         servicing="full", price=("8.50", "10.50"), offer="lease", confirmed="2026-06-30",
         title=("Industriefläche Energiepark 1", "Industrial plot energy park 1"),
         text=("Industriefläche für energieintensive Produktion, Vergabe im Erbbaurecht oder Pacht; "
               "Fernwärme und hohe Anschlussleistung verfügbar.",
               "Industrial plot for energy-intensive production, offered on a ground lease; district "
               "heating and high grid capacity available.")),
    dict(ref="NSG-007", est="nsg-sued", zoning="GI", status="planned", bplan="in_preparation",
         servicing="none", price=None, offer="sale_or_lease", confirmed="2026-03-16",
         available_from="2027-09-01", published=False,
         overrides={"electricity_capacity_kva": None, "district_heating": False},
         notes="Flächenankauf vom Land noch nicht abgeschlossen.",
         title=("Erweiterung Energiepark", "Energy park extension"),
         text=("Erweiterungsfläche des Energieparks, Bebauungsplan im Verfahren. Preis auf Anfrage.",
               "Extension of the energy park, zoning plan in preparation. Price on request.")),
    dict(ref="NSG-008", est="nsg-sued", zoning="MI", status="available", bplan="section_34",
         servicing="full", price=("14.00", "16.00"), offer="sale", confirmed="2023-08-08", grw=False,
         overrides={"electricity_capacity_kva": 160, "district_heating": False},
         title=("Mischgebietsfläche an der Stadtausfahrt", "Mixed-use plot at the town exit"),
         text=("Kleine Fläche im Innenbereich, geeignet für Büro oder Dienstleistung. Angaben seit "
               "2023 nicht bestätigt.",
               "Small inner-area plot, suitable for offices or services. Details not confirmed since "
               "2023.")),
    dict(ref="NSG-009", est="nsg-sued", zoning="GE", status="available", bplan="legally_binding",
         servicing="full", price=("10.00", None), offer="sale", confirmed="2026-11-10",
         round100=True, overrides={"electricity_capacity_kva": 250},
         title=("Gewerbefläche Süd, Zufahrt", "Business plot south, entrance"),
         text=("Kleine Gewerbefläche an der Gebietszufahrt, ab 10 €/m².",
               "Small business plot at the estate entrance, from EUR 10/m².")),
]

SERVICING_UTILS = {
    "full": {"road_access": True, "water": True, "sewage": True, "electricity": True},
    "partial": {"road_access": True, "water": True, "sewage": False, "electricity": True},
    "none": {"road_access": False, "water": False, "sewage": False, "electricity": False},
}

STATUS_TEXT = {
    "available": ("Status: verfügbar.", "Status: available."),
    "reserved": ("Status: reserviert.", "Status: reserved."),
    "under_negotiation": ("Status: in Verhandlung.", "Status: under negotiation."),
    "sold": ("Status: verkauft.", "Status: sold."),
    "planned": ("Status: in Planung.", "Status: planned."),
}


def centroid(geom):
    ring = geom["coordinates"][0] if geom["type"] == "Polygon" else geom["coordinates"][0][0]
    pts = ring[:-1]
    return sum(p[1] for p in pts) / len(pts), sum(p[0] for p in pts) / len(pts)


def km(x):
    return round(x, 1)


# See "dates_as_of" in main().
DATES_AS_OF = "2026-11-27"


def main():
    rng = random.Random(20260414)  # fixed seed: stated-area deviations only
    estates_by_key = {e["key"]: e for e in ESTATES}
    shapes = {}
    estate_json = []
    for e in ESTATES:
        polys = build_plot_shapes(e)
        shapes.update({ref: (e, p) for ref, p in polys.items()})
        muni = MUNI_BY_CODE[e["town"]]
        estate_json.append({
            "key": e["key"],
            "municipality_ags": muni["ags"],
            "name": e["name"],
            "outline": estate_outline(e, polys),
            "description_de": e["description_de"],
            "description_en": e["description_en"],
        })

    plots_json = []
    seen = set()
    for p in PLOTS:
        ref = p["ref"]
        assert ref not in seen, ref
        seen.add(ref)
        e, local_polys = shapes[ref]
        assert e["key"] == p["est"], ref
        muni = MUNI_BY_CODE[e["town"]]
        assert ref.startswith(muni["code"] + "-"), ref
        geom = local_polys_to_geojson(e, local_polys)
        area = geom_area_m2(geom)
        dev = rng.uniform(-0.022, 0.022)
        stated = round(area / 100.0) * 100 if p.get("round100") else int(round(area * (1 + dev)))

        lat, lon = centroid(geom)
        d_mw = min(haversine_km(lat, lon, j[1], j[2]) for j in JUNCTIONS) * 1.3
        d_st = min(haversine_km(lat, lon, s[1], s[2]) for s in STATIONS) * 1.3
        d_port = haversine_km(lat, lon, *PORT_WISMAR) * 1.25
        d_air = haversine_km(lat, lon, *AIRPORT_HAM) * 1.2

        z = ZONING_DEFAULTS[p["zoning"]]
        ed = ESTATE_DEFAULTS[e["key"]]
        util = SERVICING_UTILS[p["servicing"]]
        section34 = p["bplan"] == "section_34"
        planning = {k: (None if section34 and k in ("grz", "gfz", "bmz") else v) for k, v in z.items()}
        if section34:
            planning["max_height_m"] = None
        grw = p.get("grw", True)
        price = p["price"]
        st_de, st_en = STATUS_TEXT[p["status"]]
        text_de, text_en = p["text"]
        rec = {
            "reference": ref,
            "title_de": p["title"][0],
            "title_en": p["title"][1],
            "description_de": f"{text_de} {st_de} {DEMO_DE}",
            "description_en": f"{text_en} {st_en} {DEMO_EN}",
            "estate_key": e["key"],
            "municipality_ags": muni["ags"],
            "area_stated_m2": stated,
            "status": p["status"],
            "available_from": p.get("available_from"),
            "zoning": p["zoning"],
            "bplan_status": p["bplan"],
            "grz": planning["grz"],
            "gfz": planning["gfz"],
            "bmz": planning["bmz"],
            "max_height_m": planning["max_height_m"],
            "max_storeys": planning["max_storeys"],
            "operation_24h": planning["operation_24h"],
            "servicing": p["servicing"],
            "road_access": util["road_access"],
            # Lorries up to 40 t: industrial and commercial zones with a road; not the mixed ones.
            "heavy_vehicle_access": util["road_access"] and p["zoning"] in ("GI", "GE"),
            "water": util["water"],
            "sewage": util["sewage"],
            "electricity": util["electricity"],
            "gas": ed["gas"] and p["servicing"] != "none",
            "district_heating": ed["district_heating"] and p["servicing"] != "none",
            "electricity_capacity_kva": ed["electricity_capacity_kva"] if util["electricity"] else None,
            "broadband_mbit": ed["broadband_mbit"],
            "fibre": ed["fibre"],
            "rail_siding": p.get("rail", False),
            "dist_motorway_km": km(max(d_mw, 0.5)),
            "dist_rail_station_km": km(d_st),
            "dist_port_km": km(d_port),
            "dist_airport_km": km(d_air),
            "price_on_request": price is None,
            "price_min_eur_m2": price[0] if price else None,
            "price_max_eur_m2": price[1] if price else None,
            "servicing_cost_eur_m2": p.get("servicing_cost"),
            "offer": p["offer"],
            "grw_area": grw,
            "grw_max_rate_small_pct": GRW_RATES[0] if grw else None,
            "grw_max_rate_medium_pct": GRW_RATES[1] if grw else None,
            "grw_max_rate_large_pct": GRW_RATES[2] if grw else None,
            "contact_name": muni["contact_name"],
            "contact_phone": muni["contact_phone"],
            "contact_email": muni["contact_email"],
            "data_confirmed_on": p["confirmed"],
            "published": p.get("published", True),
            "internal_notes": p.get("notes"),
            "geometry": geom,
        }
        for k, v in p.get("overrides", {}).items():
            assert k in rec, k
            rec[k] = v
        plots_json.append(rec)

    assert set(shapes) == seen, set(shapes) ^ seen

    data = {
        # The day the dates below (confirmations, availability) were written for: seed-demo
        # moves them by the days since, so the demo's "Stand" stays as recent as it was then.
        "dates_as_of": DATES_AS_OF,
        "region": {
            "slug": "staedteverbund-a14",
            "name": "Städteverbund A14",
            "description_de": (
                "Demo-Datensatz: Der Städteverbund A14 (Ludwigslust, Grabow, Neustadt-Glewe) im Landkreis "
                "Ludwigslust-Parchim, Mecklenburg-Vorpommern, vermarktet gemeinsam Gewerbe- und "
                "Industrieflächen entlang der A14 zwischen Schwerin und der Prignitz, mit Anbindung an "
                "A24, die Bahnstrecke Hamburg–Berlin und die Metropolregion Hamburg. Alle Gewerbegebiete, "
                "Flächen, Preise, Ansprechpartner und Umrisse sind frei erfunden und dienen nur der "
                "Demonstration; nur Ortsnamen, ungefähre Lage und Gemeindeschlüssel sind real. "
                "Entfernungsangaben sind geschätzte Straßenkilometer: Hafen = Seehafen Wismar "
                "(Hamburger Hafen ca. 125–135 km), Flughafen = Hamburg (Schwerin-Parchim ca. 30–45 km)."),
            "description_en": (
                "Demo data: the A14 town alliance (Ludwigslust, Grabow, Neustadt-Glewe) in the district of "
                "Ludwigslust-Parchim, Mecklenburg-Western Pomerania, jointly markets commercial and "
                "industrial land along the A14 motorway between Schwerin and the Prignitz, close to the "
                "A24, the Hamburg–Berlin railway and the Hamburg metropolitan region. All estates, plots, "
                "prices, contacts and outlines are fictitious and for demonstration only; only the town "
                "names, approximate locations and municipality keys are real. Distances are estimated "
                "road kilometres: port = seaport of Wismar (port of Hamburg approx. 125–135 km), airport = "
                "Hamburg (Schwerin-Parchim approx. 30–45 km)."),
        },
        "municipalities": [
            {
                "ags": m["ags"],
                "name": m["name"],
                "outline": town_outline(m),
                "contact_name": m["contact_name"],
                "contact_phone": m["contact_phone"],
                "contact_email": m["contact_email"],
            }
            for m in MUNICIPALITIES
        ],
        "estates": estate_json,
        "plots": plots_json,
    }
    assert all(k in estates_by_key for k in (r["estate_key"] for r in plots_json))
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"wrote {OUT}: {len(data['municipalities'])} municipalities, {len(estate_json)} estates, "
          f"{len(plots_json)} plots")


if __name__ == "__main__":
    main()
