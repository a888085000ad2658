"""Permanent absolute addresses of the materials, as references and exports print them."""

from __future__ import annotations

from flask import url_for

from kb.attachments.models import Attachment
from kb.citations.services import Citable
from kb.practices.models import Practice
from kb.resolutions.models import Resolution


def permalink(item: Citable) -> str:
    """The stable absolute URL of a practice, a practice's file, a resolution or a recommendation."""
    if isinstance(item, Practice):
        return url_for("practices.detail", practice_id=item.id, _external=True)
    if isinstance(item, Attachment):  # the name is part of the address: a removed file's is never another's
        return url_for("attachments.download", attachment_id=item.id, filename=item.original_name, _external=True)
    if isinstance(item, Resolution):
        return url_for("resolutions.detail", resolution_id=item.id, _external=True)
    return url_for("resolutions.recommendation", recommendation_id=item.id, _external=True)
