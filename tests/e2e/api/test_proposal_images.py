"""Proposal images through the API: its author uploads them as multipart; each is re-encoded
without EXIF data and kept under the media folder; those who see the proposal see them; a fake
image, an oversized one, a wrong type and one too many are problem+json, leaving nothing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from buurt.bootstrap import Buurt
from buurt.domain.cocreation import MAX_IMAGES
from tests.actors import World, register
from tests.images import GPS_IFD, image_bytes, noise

pytestmark = [pytest.mark.frozen_clock(), pytest.mark.settings(max_image_bytes=200_000)]
PROBLEM = "application/problem+json"


def _proposal(world: World) -> dict[str, Any]:
    body = {
        "circle_id": world.circle["id"],
        "title": "A bench by the canal",
        "description": "Where the old one stood, facing the water.",
        "category": "community",
    }
    return world.ann.created("/v1/proposals", body)


def _upload(actor: Any, proposal_id: str, data: bytes, content_type: str = "image/jpeg") -> Any:
    files = {"file": ("photo", data, content_type)}
    return actor.client.post(
        f"/v1/proposals/{proposal_id}/images", files=files, headers=actor.headers
    )


def _files(instance: Buurt) -> list[str]:
    folder: Path = instance.settings.media_folder
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_an_image_loses_its_location_and_is_shown_to_the_circle(
    world: World, instance: Buurt
) -> None:
    proposal = _proposal(world)
    sent = image_bytes("JPEG", gps=True)
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(GPS_IFD)  # the control: it has one
    made = _upload(world.ann, proposal["id"], sent)
    assert made.status_code == 201, made.text
    image = made.json()
    assert (image["content_type"], image["width"], image["height"]) == ("image/jpeg", 64, 48)
    assert _files(instance) == [image["id"]]  # the file, under the media folder
    path = f"/v1/proposals/{proposal['id']}/images/{image['id']}"
    served = world.bob.get(path)
    assert (served.status_code, served.headers["content-type"]) == (200, "image/jpeg")
    back = Image.open(io.BytesIO(served.content))
    assert (back.format, back.size) == ("JPEG", (64, 48))
    assert not back.getexif()
    assert b"Pocket Camera" not in served.content
    listed = world.bob.get(f"/v1/proposals/{proposal['id']}/images").json()["items"]
    assert [i["id"] for i in listed] == [image["id"]]
    stranger = register(world.admin.client, "Stranger")
    assert stranger.get(path).status_code == 404
    assert world.admin.client.get(path).status_code == 401
    assert world.bob.delete(path).status_code == 403
    assert world.ann.delete(path).status_code == 204
    assert world.bob.get(path).status_code == 404
    assert _files(instance) == []


def test_only_its_author_uploads_and_deleting_the_proposal_removes_the_files(
    world: World, instance: Buurt
) -> None:
    proposal = _proposal(world)
    refused = _upload(world.bob, proposal["id"], image_bytes("PNG"), "image/png")
    assert (refused.status_code, refused.headers["content-type"]) == (403, PROBLEM)
    assert _upload(world.ann, proposal["id"], image_bytes("PNG"), "image/png").status_code == 201
    webp = _upload(world.ann, proposal["id"], image_bytes("WEBP"), "image/webp")
    assert webp.status_code == 201, webp.text
    assert len(_files(instance)) == 2
    assert world.ann.delete(f"/v1/proposals/{proposal['id']}").status_code == 204
    assert _files(instance) == []


def test_bad_images_are_refused_and_leave_nothing(world: World, instance: Buurt) -> None:
    proposal = _proposal(world)
    fake = _upload(world.ann, proposal["id"], b"GIF89a not a jpeg at all" * 10)
    assert (fake.status_code, fake.headers["content-type"]) == (422, PROBLEM), fake.text
    lying = _upload(world.ann, proposal["id"], image_bytes("PNG"), "image/jpeg")
    assert lying.status_code == 422, lying.text  # PNG bytes that say they are a JPEG
    kind = _upload(world.ann, proposal["id"], b"<svg/>", "image/svg+xml")
    assert (kind.status_code, kind.headers["content-type"]) == (415, PROBLEM), kind.text
    big = noise(250_000)
    assert len(big) > 200_000
    oversized = _upload(world.ann, proposal["id"], big, "image/png")
    assert (oversized.status_code, oversized.headers["content-type"]) == (413, PROBLEM)
    assert world.ann.get(f"/v1/proposals/{proposal['id']}/images").json()["items"] == []
    assert _files(instance) == []
    for _ in range(MAX_IMAGES):
        assert _upload(world.ann, proposal["id"], image_bytes()).status_code == 201
    over = _upload(world.ann, proposal["id"], image_bytes())
    assert (over.status_code, over.headers["content-type"]) == (409, PROBLEM), over.text
    assert len(_files(instance)) == MAX_IMAGES
    no_file = world.ann.client.post(
        f"/v1/proposals/{proposal['id']}/images", headers=world.ann.headers
    )
    assert (no_file.status_code, no_file.headers["content-type"]) == (422, PROBLEM)
