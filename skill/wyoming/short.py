"""Short forms: each practice as one spoken response, from `intents/_short_forms.yaml`."""

from __future__ import annotations

import re

from skill.content.model import Catalogue
from skill.errors import ContentError, ContentErrors
from skill.yamldoc import YamlDoc

FILE = "_short_forms.yaml"
ID = re.compile(r"[a-z][a-z0-9_]*")


def load_short_forms(catalogue: Catalogue) -> dict[str, str]:
    """Practice id to its short form; a practice without one gets its summary.

    One file serves any content folder: a form for a practice the content lacks is unused.
    Errors (not a mapping, not text, a key that cannot be an id) name file, key and line.
    """
    forms = {p.id: p.summary or p.title or p.id for p in catalogue.practices.values()}
    path = catalogue.root / FILE
    if not path.exists():
        return forms
    doc = YamlDoc(path, FILE)
    data = doc.data or {}
    if not isinstance(data, dict):
        raise ContentErrors([ContentError(FILE, "", 1, "must map practice ids to text")])
    errors = []
    for key, value in data.items():
        if not isinstance(key, str) or not ID.fullmatch(key):
            errors.append(doc.error("must be a practice id (lower case, digits, _)", str(key)))
        elif not isinstance(value, str) or not value.strip():
            errors.append(doc.error("must be text", key))
        elif key in forms:  # a form for a practice this content lacks is not used
            forms[key] = " ".join(value.split())
    if errors:
        raise ContentErrors(errors)
    return forms
