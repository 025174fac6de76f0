"""Great-circle distances, vectorised."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: The mean Earth radius (IUGG), in kilometres.
EARTH_RADIUS_KM = 6371.0088

FloatArray = npt.NDArray[np.float64]


def haversine_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Great-circle distance in km between points given in degrees; numpy broadcasting applies.

    The haversine form stays accurate for the short distances that matter here (a shelter
    next to a danger zone), where the spherical law of cosines loses precision.
    """
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    out: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


def nearest_km(lat: FloatArray, lon: FloatArray, points: FloatArray, chunk: int = 4096) -> FloatArray:
    """For each (lat, lon), the distance to the nearest of ``points`` (shape (k, 2), degrees).

    Chunked so that a département of a thousand communes against thousands of shelters does
    not allocate one huge matrix.
    """
    out = np.full(lat.shape[0], np.inf)
    for start in range(0, points.shape[0], chunk):
        block = points[start : start + chunk]
        d = haversine_km(lat[:, None], lon[:, None], block[None, :, 0], block[None, :, 1])
        np.minimum(out, d.min(axis=1), out=out)
    return out
