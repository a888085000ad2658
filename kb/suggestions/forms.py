"""Filling the practice form with what its text suggests, marking every value that came from the text."""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import FileStorage

from kb.attachments.extract import AttachmentError
from kb.attachments.services import clean_filename, sent_filename
from kb.practices.forms import PracticeForm
from kb.suggestions.services import suggest, text_of_file


@dataclass
class Prefilled:
    """What the form got from the text (labels, for the notes beside the fields), or why nothing was read."""

    source: str = ""
    error: str | None = None
    region: str | None = None
    municipality: str | None = None
    levels: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    other_regions: list[str] = field(default_factory=list)  # named too, but the form keeps its own region

    def is_empty(self) -> bool:
        return not (self.region or self.municipality or self.levels or self.topics)


def prefill(form: PracticeForm, pasted: str, upload: FileStorage | None, form_text: str) -> Prefilled:
    """Add the suggestions from a file, else the pasted text, else the form's own text to the form's
    empty or multiple-choice fields; a value the user chose is never replaced."""
    if upload is not None and upload.filename:
        name = clean_filename(sent_filename(upload))
        try:
            text = text_of_file(name, upload.read())
        except AttachmentError as exc:
            return Prefilled(error=f"«{name}»: {exc}")
        source = f"по файлу «{name}»"
    elif pasted.strip():
        text, source = pasted, "по вставленному тексту"
    else:
        text, source = form_text, "по тексту формы"
    found = suggest(text)
    result = Prefilled(source=source)
    if found.region is not None and not form.region.data:
        form.region.data = found.region.code
        result.region = found.region.name
    result.other_regions = [r.name for r in found.regions if r.code != form.region.data]
    municipality = next((m for m in found.municipalities if m.region_code == form.region.data), None)
    if municipality is not None and not form.municipality.data:
        form.municipality.data = str(municipality.id)
        result.municipality = municipality.name
    for name, items, labels in (("levels", found.levels, result.levels), ("topics", found.topics, result.topics)):
        chosen = list(getattr(form, name).data or [])
        for item in items:
            if item.code not in chosen:
                chosen.append(item.code)
                labels.append(item.name if name == "levels" else item.label)
        getattr(form, name).data = chosen
    return result
