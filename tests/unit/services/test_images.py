"""Proposal images on the fakes: a failed write leaves no row, a failed commit no file, and the
sweep removes only files no row names."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from buurt.domain.cocreation import MAX_PIXELS, ProposalImage
from buurt.domain.errors import InvalidInput, TooLarge, Unavailable
from buurt.services.cocreation import images, proposals
from buurt.services.context import Services
from buurt.testing import MemoryMedia
from tests.images import image_bytes
from tests.unit.services.conftest import Neighbour

LIMIT = 100_000


def _propose(services: Services, ada: Neighbour, circle_id: str) -> str:
    return proposals.propose(
        services,
        ada.principal,
        circle_id=circle_id,
        title="A bench by the canal",
        description="Facing the water.",
        category="community",
    ).id


def _rows(services: Services) -> list[ProposalImage]:
    with services.uow() as uow:
        return uow.repo(ProposalImage).find()


def test_a_failed_write_leaves_no_row(services: Services, ada: Neighbour, circle_id: str) -> None:
    proposal_id = _propose(services, ada, circle_id)
    media = MemoryMedia()
    media.fail_next_put = True
    with pytest.raises(Unavailable):
        images.upload(
            services, media, ada.principal, proposal_id, image_bytes(), "image/jpeg", LIMIT
        )
    assert (_rows(services), media.files) == ([], {})
    made = images.upload(  # the control
        services, media, ada.principal, proposal_id, image_bytes(), "image/jpeg", LIMIT
    )
    assert [r.id for r in _rows(services)] == [made.id] == list(media.files)


def test_the_sweep_removes_only_files_without_a_row(
    services: Services, ada: Neighbour, circle_id: str
) -> None:
    proposal_id = _propose(services, ada, circle_id)
    media = MemoryMedia()
    kept = images.upload(
        services, media, ada.principal, proposal_id, image_bytes(), "image/jpeg", LIMIT
    )
    media.put("img_01JD3Q9V8N6Y2ZC0K4R7T1B5XW", b"left by a crash before its row committed")
    assert images.sweep(services, media, after_seconds=3600) == 0  # too young to judge
    assert images.sweep(services, media, after_seconds=0) == 1
    assert list(media.files) == [kept.id]


def test_what_is_no_image_of_its_kind_is_refused() -> None:
    with pytest.raises(TooLarge):
        images.checked(image_bytes(), "image/jpeg", 100)
    with pytest.raises(InvalidInput):
        images.checked(image_bytes("PNG"), "image/jpeg", LIMIT)
    with pytest.raises(InvalidInput):
        images.checked(image_bytes()[:200], "image/jpeg", LIMIT)  # cut off halfway
    # A tiny file that would unpack to more pixels than allowed is refused before decoding.
    huge = io.BytesIO()
    Image.new("1", (MAX_PIXELS // 1000 + 1, 1001)).save(huge, "PNG")
    assert len(huge.getvalue()) < LIMIT
    with pytest.raises(InvalidInput, match="pixels"):
        images.checked(huge.getvalue(), "image/png", LIMIT)
    clean = images.checked(image_bytes("PNG", gps=True), "image/png", LIMIT)  # the control
    assert (clean.width, clean.height, clean.content_type) == (64, 48, "image/png")
    assert not Image.open(io.BytesIO(clean.data)).getexif()
