"""Places as Matrix clients send them: RFC 5870 `geo:` URIs (`geo:55.83,13.30;u=35`), read into coordinates, and
the OpenStreetMap link that shows one."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"-?\d+(?:\.\d+)?"
_URI = re.compile(rf"geo:({_NUMBER}),({_NUMBER})(?:,({_NUMBER}))?((?:;[^;]*)*)", re.IGNORECASE)
_PARAM = re.compile(r"([a-z0-9-]+)(?:=(.*))?", re.IGNORECASE)
_UNCERTAINTY = re.compile(r"\d+(?:\.\d+)?")
MAP_ZOOM = 18
"""Close enough to see the street corner a point is about."""


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float
    uncertainty: float | None = None
    """How far off the point may be, in metres (`u=`), when the client said so."""


def parse_geo_uri(text: str) -> GeoPoint | None:
    """The point a `geo:` URI names in WGS-84 (the only reference system RFC 5870 defines, and what phones send), or
    None for anything else: another scheme or reference system, a latitude or longitude out of range, a negative or
    unreadable uncertainty, a parameter given twice."""
    match = _URI.fullmatch(text.strip())
    if match is None:
        return None
    latitude, longitude = float(match.group(1)), float(match.group(2))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    params: dict[str, str | None] = {}
    for param in match.group(4).split(";")[1:]:
        found = _PARAM.fullmatch(param)
        if found is None or found.group(1).casefold() in params:
            return None
        params[found.group(1).casefold()] = found.group(2)
    crs = params.get("crs", "wgs84")
    if crs is None or crs.casefold() != "wgs84":
        return None
    uncertainty = params.get("u")
    if "u" in params and (uncertainty is None or not _UNCERTAINTY.fullmatch(uncertainty)):
        return None
    return GeoPoint(latitude, longitude, float(uncertainty) if uncertainty is not None else None)


def _degrees(value: float) -> str:
    """Six decimals (about ten centimetres), no trailing zeros."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def osm_link(point: GeoPoint) -> str:
    """`https://www.openstreetmap.org/?mlat=55.83&mlon=13.3#map=18/55.83/13.3`: the map at the point, marked."""
    lat, lon = _degrees(point.latitude), _degrees(point.longitude)
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map={MAP_ZOOM}/{lat}/{lon}"
