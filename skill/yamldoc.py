"""YAML files that can say on which line a key sits, so every error names file, key and line.

Only the safe loader: content and config are data, never code. libyaml's (C) safe loader when
PyYAML has it (its wheels do): the pure-Python one took 0.75 s of a 1.5 s start-up on `intents/`.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from skill.errors import ContentError

SafeLoader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class YamlDoc:
    """A parsed YAML file that can say on which line a key path sits."""

    def __init__(self, path: Path, rel: str) -> None:
        self.path = path
        self.rel = rel
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ContentError(rel, "", None, f"cannot read: {exc}") from None
        loader = SafeLoader(text)
        try:  # parsed once: the node tree gives the lines, and the data is built from it
            self.node = loader.get_single_node()
            self.data = loader.construct_document(self.node) if self.node is not None else None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            raise ContentError(rel, "", line, f"broken YAML: {exc.problem}") from None
        finally:
            loader.dispose()
        _no_key_twice(self.node, rel)

    def line(self, *path: str | int) -> int | None:
        node = self.node
        if node is None:
            return None
        for part in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == part:
                        child = v
                        break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                child = node.value[part]
            if child is None:
                break
            node = child
        return int(node.start_mark.line) + 1

    def error(self, message: str, *path: str | int) -> ContentError:
        key = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path)
        return ContentError(self.rel, key.replace(".[", "["), self.line(*path), message)


def _no_key_twice(root: yaml.Node | None, rel: str) -> None:
    """A key given twice in one mapping: YAML keeps the last, so a second `idioms:` would
    silently drop every idiom of the first (it did, once, while this was written)."""
    stack = [root] if root is not None else []
    visited: set[int] = set()  # an alias is the node it names: each looked at once
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue  # (a billion laughs is 9**9 visits otherwise: a hang)
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key, value in node.value:
                line = int(key.start_mark.line) + 1
                if isinstance(key, yaml.ScalarNode) and key.value in seen:
                    first = seen[key.value]
                    message = f"the key is given twice (first on line {first}): one would be lost"
                    raise ContentError(rel, str(key.value), line, message)
                if isinstance(key, yaml.ScalarNode):
                    seen[key.value] = line
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
