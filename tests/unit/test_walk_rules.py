"""The pure rules of safety walks: geo: URIs, how a point is written, which point a photo or a location belongs to,
what makes a photo unreadable, and the day of the follow-up walk."""

from __future__ import annotations

from datetime import date

import pytest

from bot.errors import UsageError
from bot.geo import GeoPoint, osm_link, parse_geo_uri
from bot.walks import PointRef, PointSpec, followup_day, parse_point, photo_fault, point_for


@pytest.mark.parametrize(
    ("uri", "point"),
    [
        ("geo:55.83,13.30;u=35", GeoPoint(55.83, 13.30, 35.0)),  # as Element's mobile app sends it
        ("geo:55.83,13.30", GeoPoint(55.83, 13.30, None)),
        ("geo:55.8312,13.3045;u=12.5", GeoPoint(55.8312, 13.3045, 12.5)),
        ("GEO:-33.86,151.21,40;crs=WGS84;u=0", GeoPoint(-33.86, 151.21, 0.0)),  # altitude, case, crs
        ("geo:90,-180", GeoPoint(90.0, -180.0, None)),
        ("  geo:55.83,13.3;u=35  ", GeoPoint(55.83, 13.3, 35.0)),
        ("geo:55.83,13.3;foo=bar;u=3", GeoPoint(55.83, 13.3, 3.0)),  # an unknown parameter is no harm
    ],
)
def test_a_geo_uri_with_or_without_uncertainty_is_read(uri: str, point: GeoPoint) -> None:
    assert parse_geo_uri(uri) == point


@pytest.mark.parametrize(
    "uri",
    [
        "geo:91,13.3",  # latitude out of range
        "geo:55.8,180.5",  # longitude out of range
        "geo:55.8,13.3;u=-5",  # a negative uncertainty
        "geo:55.8,13.3;u=",
        "geo:55.8,13.3;u",
        "geo:55.8,13.3;u=many",
        "geo:55.8,13.3;u=3;u=4",  # given twice
        "geo:55.8,13.3;crs=utm",  # another reference system
        "geo:55.8",
        "geo:north,east",
        "geo:55.8,13.3,",
        "https://www.openstreetmap.org/?mlat=55.8&mlon=13.3",
        "",
    ],
)
def test_a_bad_geo_uri_is_refused(uri: str) -> None:
    assert parse_geo_uri(uri) is None


def test_the_map_link_marks_the_point_on_openstreetmap() -> None:
    assert osm_link(GeoPoint(55.83, 13.3, 35)) == "https://www.openstreetmap.org/?mlat=55.83&mlon=13.3#map=18/55.83/13.3"
    assert osm_link(GeoPoint(-33.8612345678, 151.2, None)) == (
        "https://www.openstreetmap.org/?mlat=-33.861235&mlon=151.2#map=18/-33.861235/151.2"
    )


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("Parkvägen 3: Trasig belysning", PointSpec("Parkvägen 3", "Trasig belysning", None, None)),
        (
            "Parkvägen 3: Trasig belysning förslag Byt armatur ansvarig Tekniska förvaltningen",
            PointSpec("Parkvägen 3", "Trasig belysning", "Byt armatur", "Tekniska förvaltningen"),
        ),
        (
            "Gångtunneln:  Mörk  och skräpig ansvarig Eslövs kommun förslag: Ny belysning, röj buskarna",
            PointSpec("Gångtunneln", "Mörk och skräpig", "Ny belysning, röj buskarna", "Eslövs kommun"),
        ),
        (
            "Torget: Förslagslådan är trasig proposal Fix it responsible Polisen",
            PointSpec("Torget", "Förslagslådan är trasig", "Fix it", "Polisen"),
        ),
        # The last mention is the clause: a proposal may speak of a proposal.
        ("Torget: Förslag om bänkar förslag Fler bänkar", PointSpec("Torget", "Förslag om bänkar", "Fler bänkar", None)),
        ("Busstationen: Klotter\npå väggen", PointSpec("Busstationen", "Klotter\npå väggen", None, None)),
    ],
)
def test_a_point_is_read_with_its_clauses_in_either_order(text: str, spec: PointSpec) -> None:
    assert parse_point(text) == spec


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Parkvägen 3 Trasig belysning", "point.how"),  # no colon
        (": Trasig belysning", "point.how"),  # no place
        ("Parkvägen 3:", "point.how"),  # nothing seen
        ("Parkvägen 3: förslag Byt armatur", "point.how"),  # a proposal without a what
        ("Parkvägen 3: Mörkt förslag ansvarig Polisen", "point.clause_empty"),
        ("P" * 101 + ": Mörkt", "text.too_long"),
        ("Parkvägen: " + "x" * 2001, "text.too_long"),
    ],
)
def test_a_point_that_cannot_be_read_is_refused(text: str, key: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_point(text)
    assert raised.value.key == key


ANNA, OLLE = "@anna:eslov.se", "@olle:eslov.se"
T = 1_800_000_000_000  # milliseconds
MINUTE = 60_000
POINTS = [
    PointRef(1, ANNA, T, "$point1", "$confirm1"),
    PointRef(2, OLLE, T + MINUTE, "$point2", None),  # its confirmation not sent yet
    PointRef(3, ANNA, T + 2 * MINUTE, "$point3", "$confirm3"),
]


def test_a_reply_to_a_point_or_its_confirmation_attaches_to_it_whoever_sends_it() -> None:
    assert point_for(POINTS, OLLE, T + 60 * MINUTE, "$confirm1").number == 1
    assert point_for(POINTS, ANNA, T + 60 * MINUTE, "$point2").number == 2
    assert point_for(POINTS, OLLE, T + 2 * MINUTE + 1, "$point3").number == 3  # inside Olle's own window too


def test_a_reply_to_anything_else_attaches_to_nothing() -> None:
    assert point_for(POINTS, ANNA, T + 2 * MINUTE + 10, "$some_chat") is None


def test_within_two_minutes_of_ones_own_point_no_reply_is_needed() -> None:
    assert point_for(POINTS, ANNA, T + 2 * MINUTE, None).number == 3  # at once
    assert point_for(POINTS, ANNA, T + 4 * MINUTE, None).number == 3  # two minutes exactly
    assert point_for(POINTS, OLLE, T + 2 * MINUTE, None).number == 2  # Olle's own, though Anna wrote since
    assert point_for(POINTS, ANNA, T + MINUTE + 30_000, None).number == 1  # before Anna's next


def test_outside_the_window_or_after_someone_elses_point_only_nothing() -> None:
    assert point_for(POINTS, ANNA, T + 4 * MINUTE + 1, None) is None  # a moment too late
    assert point_for(POINTS, OLLE, T + 3 * MINUTE + 1, None) is None
    assert point_for(POINTS, "@kim:eslov.se", T + 2 * MINUTE, None) is None  # Kim wrote no point
    assert point_for(POINTS, ANNA, T - 1, None) is None  # before any point of hers
    assert point_for([], ANNA, T, None) is None


def test_a_photo_needs_an_address_and_in_an_encrypted_room_its_keys() -> None:
    keys = {"url": "mxc://eslov.se/abc", "key": {"k": "secret", "alg": "A256CTR"}, "iv": "iv", "hashes": {"sha256": "h"}}
    assert photo_fault("mxc://eslov.se/abc", None) is None
    assert photo_fault(None, keys) is None
    assert photo_fault(None, None) == "no_url"
    assert photo_fault("https://example.org/a.jpg", None) == "no_url"
    assert photo_fault("mxc://eslov.se", None) == "no_url"
    assert photo_fault(None, {**keys, "url": None}) == "no_url"
    assert photo_fault(None, {k: v for k, v in keys.items() if k != "iv"}) == "bad_file"
    assert photo_fault(None, {**keys, "key": "secret"}) == "bad_file"
    assert photo_fault(None, {**keys, "hashes": {}}) == "bad_file"
    assert photo_fault(None, {}) == "bad_file"


@pytest.mark.parametrize(
    ("ended", "followup"),
    [
        (date(2026, 11, 29), date(2027, 5, 29)),
        (date(2026, 8, 31), date(2027, 2, 28)),  # no 31 February: the month's last day
        (date(2027, 8, 31), date(2028, 2, 29)),  # a leap year
        (date(2026, 7, 15), date(2027, 1, 15)),  # across the year end
    ],
)
def test_the_follow_up_walk_is_six_months_later(ended: date, followup: date) -> None:
    assert followup_day(ended, 6) == followup
