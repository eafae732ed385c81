"""`kindly check`: validate the content beyond what loading already refuses."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from skill.content.load import load_catalogue
from skill.content.model import Catalogue
from skill.content.rules import content_rule_errors
from skill.errors import ContentError, ContentErrors
from skill.nlu.examples import load_cues, load_examples, load_reader_examples
from skill.nlu.safety import safety_check
from skill.nlu.tables import Canon, compile_templates, iter_samples


def check_content(root: Path | None = None) -> Catalogue:
    """Load `root` and check templates; raises ContentErrors listing every problem."""
    catalogue = load_catalogue(root)
    templates = compile_templates(catalogue)
    safety = safety_check(catalogue)
    owners: dict[str, set[str]] = defaultdict(set)
    errors: list[ContentError] = content_rule_errors(catalogue)  # skill.content.rules
    flagged: set[str] = set()
    canon = Canon(catalogue)
    for intent_id, norm, _ in iter_samples(catalogue, templates):
        owners[canon(norm)].add(intent_id)
        if (
            catalogue.kind_of(intent_id) != "safety"
            and intent_id not in flagged
            and safety.is_crisis_normalized(norm)
        ):
            flagged.add(intent_id)
            intent = catalogue.intents[intent_id]
            errors.append(
                ContentError(
                    _rel(catalogue, intent.source),
                    "sentences",
                    _sentences_line(intent.source),
                    f"a template says something the crisis check flags: '{norm}'",
                )
            )
    for sentence, ids in sorted(owners.items()):
        if len(ids) > 1:
            first = catalogue.intents[sorted(ids)[0]]
            errors.append(
                ContentError(
                    _rel(catalogue, first.source),
                    "sentences",
                    _sentences_line(first.source),
                    f"'{sentence}' is matched by {' and '.join(sorted(ids))}",
                )
            )
    try:
        # The semantic layer reads these at run time: a broken file must fail here too.
        load_examples(catalogue)
        load_reader_examples(catalogue)
        load_cues(catalogue)
    except ContentError as exc:
        errors.append(exc)
    if errors:
        raise ContentErrors(errors)
    return catalogue


def _rel(catalogue: Catalogue, path: Path) -> str:
    return str(path.relative_to(catalogue.root.parent))


def _sentences_line(path: Path) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("sentences:"):
            return number
    return None
