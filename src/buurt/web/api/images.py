"""``/v1/proposals/{proposal_id}/images``: a proposal's images, uploaded by its author as
multipart form data, checked and stripped of EXIF data, served to those who see the proposal."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Path, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from buurt.ports.media import Media
from buurt.services.cocreation import images
from buurt.web.api.deps import PrincipalDep, ServicesDep
from buurt.web.api.schemas import Page
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/proposals/{proposal_id}/images",
    tags=["proposals"],
    responses=responses(400, 401, 404, 413, 422),
)
# The upload's path, which may carry a larger body than JSON requests (see ``limits``).
UPLOADS = re.compile(r"^/v1/proposals/[^/]+/images/?$")
ProposalId = Annotated[str, Path(max_length=64)]
ImageId = Annotated[str, Path(max_length=64)]


class ImageOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    proposal_id: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    created_at: datetime


def _media(request: Request) -> Media:
    media: Media = request.app.state.instance.media
    return media


@router.post("", status_code=201, responses=responses(403, 409, 415))
async def upload(
    proposal_id: ProposalId,
    file: Annotated[UploadFile, File(description="A JPEG, PNG or WebP image.")],
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
) -> ImageOut:
    """Add an image to your proposal (at most 6): its EXIF data, location included, is dropped."""
    limit = request.app.state.instance.settings.max_image_bytes
    data = await file.read(limit + 1)
    made = images.upload(
        services,
        _media(request),
        principal,
        proposal_id,
        data,
        (file.content_type or "").split(";")[0].strip().lower(),
        limit,
    )
    return ImageOut.model_validate(made)


@router.get("")
def list_images(
    proposal_id: ProposalId, services: ServicesDep, principal: PrincipalDep
) -> Page[ImageOut]:
    """The proposal's images, oldest first."""
    found = images.listing(services, principal, proposal_id)
    return Page[ImageOut](items=[ImageOut.model_validate(i) for i in found], next_cursor=None)


@router.get(
    "/{image_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
)
def get_image(
    proposal_id: ProposalId,
    image_id: ImageId,
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
) -> Response:
    """The image itself, for whoever sees the proposal."""
    image, data = images.read(services, _media(request), principal, proposal_id, image_id)
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=image.content_type, headers=headers)


@router.delete("/{image_id}", status_code=204, responses=responses(403))
def delete_image(
    proposal_id: ProposalId,
    image_id: ImageId,
    request: Request,
    services: ServicesDep,
    principal: PrincipalDep,
) -> None:
    """Remove an image from your proposal."""
    images.remove(services, _media(request), principal, proposal_id, image_id)
