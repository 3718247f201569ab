"""Proposal images: its author uploads them; each is checked (its bytes must be the image its
content type says, within the size and pixel limits), re-encoded from its pixels alone so no
EXIF data (a phone's location above all) survives, and kept as a file under the media folder,
not in the store. Those who see the proposal see its images.

A file and its row exist together or not at all: the file is written before the row commits
and removed when the commit fails; a crash between the two leaves a file no row names, which
``sweep`` removes at the next upkeep (it is never served: serving goes through the row).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from buurt.domain.cocreation import (
    IMAGE_TYPES,
    MAX_IMAGES,
    MAX_PIXELS,
    Proposal,
    ProposalImage,
)
from buurt.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TooLarge,
    Unavailable,
    UnsupportedType,
)
from buurt.domain.ids import new_id
from buurt.ports.media import Media
from buurt.services.cocreation import proposals
from buurt.services.context import Services
from buurt.services.principals import Principal

JPEG_QUALITY = 85
SWEEP_AFTER_S = 3600.0  # far longer than any upload's transaction


@dataclass(frozen=True)
class Checked:
    data: bytes
    content_type: str
    width: int
    height: int


def checked(data: bytes, content_type: str, max_bytes: int) -> Checked:
    """The image re-encoded from its pixels, or ``InvalidInput`` for what is no such image."""
    if len(data) > max_bytes:
        raise TooLarge(f"an image is at most {max_bytes} bytes", "file")
    wanted = IMAGE_TYPES.get(content_type)
    if wanted is None:
        kinds = ", ".join(sorted(IMAGE_TYPES))
        raise UnsupportedType(f"an image is one of {kinds}, not {content_type!r}", "file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[wanted]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise InvalidInput(f"an image has at most {MAX_PIXELS} pixels", "file")
                image.load()
                upright = ImageOps.exif_transpose(image)  # keep how it was meant to stand
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Warning) as error:
        if isinstance(error, InvalidInput):
            raise
        raise InvalidInput(f"the file is not a readable {content_type} image", "file") from None
    mode = "RGBA" if wanted != "JPEG" and upright.has_transparency_data else "RGB"
    pixels = upright.convert(mode)
    # A new image from the pixels alone: no EXIF, XMP, ICC or text chunk goes with it.
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if wanted == "JPEG":
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        clean.save(out, wanted)
    return Checked(out.getvalue(), content_type, clean.width, clean.height)


def _own(principal: Principal, proposal: Proposal) -> None:
    if not proposals.is_author(principal, proposal):
        raise PermissionDenied("only its author adds or removes a proposal's images")


def upload(
    services: Services,
    media: Media,
    principal: Principal,
    proposal_id: str,
    data: bytes,
    content_type: str,
    max_bytes: int,
) -> ProposalImage:
    """Its author adds an image to a proposal, at most ``MAX_IMAGES`` of them."""
    with services.uow() as uow:
        proposal = proposals.fetch(uow, principal, proposal_id)
        _own(principal, proposal)
    image = checked(data, content_type, max_bytes)
    with services.uow() as uow:
        proposal = proposals.fetch(uow, principal, proposal_id)
        if uow.repo(ProposalImage).count(proposal_id=proposal.id) >= MAX_IMAGES:
            raise Conflict(f"a proposal has at most {MAX_IMAGES} images")
        row = ProposalImage(
            id=new_id("image"),
            proposal_id=proposal.id,
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            size_bytes=len(image.data),
            created_at=services.clock.now(),
        )
        uow.repo(ProposalImage).add(row)
        uow.flush()
        try:
            media.put(row.id, image.data)  # before the row commits: a failure leaves neither
        except OSError:
            media.delete(row.id)
            raise Unavailable("images cannot be kept now; try again later") from None
        try:
            uow.commit()
        except BaseException:
            media.delete(row.id)
            raise
    return row


def listing(services: Services, principal: Principal, proposal_id: str) -> list[ProposalImage]:
    with services.uow() as uow:
        proposal = proposals.fetch(uow, principal, proposal_id)
        found = uow.repo(ProposalImage).find(proposal_id=proposal.id)
    return sorted(found, key=lambda image: image.id)


def read(
    services: Services, media: Media, principal: Principal, proposal_id: str, image_id: str
) -> tuple[ProposalImage, bytes]:
    """An image and its bytes, for whoever sees the proposal."""
    with services.uow() as uow:
        proposal = proposals.fetch(uow, principal, proposal_id)
        image = uow.repo(ProposalImage).get(image_id)
        if image is None or image.proposal_id != proposal.id:
            raise NotFound("image", image_id)
    try:
        return image, media.read(image.id)
    except FileNotFoundError:
        raise NotFound("image", image_id) from None


def remove(
    services: Services, media: Media, principal: Principal, proposal_id: str, image_id: str
) -> None:
    with services.uow() as uow:
        proposal = proposals.fetch(uow, principal, proposal_id)
        _own(principal, proposal)
        image = uow.repo(ProposalImage).get(image_id)
        if image is None or image.proposal_id != proposal.id:
            raise NotFound("image", image_id)
        uow.repo(ProposalImage).delete(image)
        uow.commit()
    media.delete(image_id)  # after the commit: a failed commit keeps the image whole


def sweep(services: Services, media: Media, after_seconds: float = SWEEP_AFTER_S) -> int:
    """Remove the files no image row names (a crash between writing one and committing its
    row); returns how many. Only files older than ``after_seconds`` are looked at: a younger
    one may belong to an upload whose row is about to commit."""
    names = media.stale(after_seconds)
    if not names:
        return 0
    with services.uow() as uow:
        orphans = [n for n in names if uow.repo(ProposalImage).get(n) is None]
    for name in orphans:
        media.delete(name)
    return len(orphans)
