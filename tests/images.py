"""Images made for tests: real JPEG, PNG and WebP bytes, one with a location in its EXIF."""

from __future__ import annotations

import io

from PIL import Image

MAKE, GPS_IFD, GPS_LATITUDE = 0x010F, 0x8825, 2


def image_bytes(kind: str = "JPEG", size: tuple[int, int] = (64, 48), gps: bool = False) -> bytes:
    picture = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[MAKE] = "Pocket Camera"
        exif.get_ifd(GPS_IFD)[GPS_LATITUDE] = (52.0, 21.0, 30.0)
        picture.save(out, kind, exif=exif.tobytes())
    else:
        picture.save(out, kind)
    return out.getvalue()


def noise(size: int) -> bytes:
    """A PNG of random pixels about ``size`` bytes large (noise does not compress)."""
    import os

    side = int((size / 3) ** 0.5) + 1
    picture = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()
