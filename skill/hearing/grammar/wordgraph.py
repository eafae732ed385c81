"""Word graphs: finite-state acceptors over words, and what the grammars need from them.

A graph comes from the intent templates (grammar.compile). It is pruned to the words an
engine knows, made deterministic and minimal (PocketSphinx's FSG search slows down in
proportion to the word arcs that are active at once: a template graph has hundreds of
parallel "i" arcs, its minimal DFA one), written as an FSG, covered by a short phrase
list for Vosk's bigram grammar, and sampled for the language model corpus.
"""

from __future__ import annotations

import random
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

Known = Callable[[str], bool]


@dataclass
class WordGraph:
    """An acceptor over words: arcs (to, word or None for epsilon) from each state.

    `weights` holds the arcs that are not weight 1 (fillers are unlikely, not equal).
    """

    arcs: dict[int, list[tuple[int, str | None]]] = field(default_factory=lambda: defaultdict(list))
    weights: dict[tuple[int, int, str | None], float] = field(default_factory=dict)
    finals: set[int] = field(default_factory=set)
    start: int = 0
    size: int = 1

    def new_state(self) -> int:
        self.size += 1
        return self.size - 1

    def add(self, src: int, dst: int, word: str | None, weight: float = 1.0) -> None:
        self.arcs[src].append((dst, word))
        if weight != 1.0:
            self.weights[(src, dst, word)] = weight

    def weight(self, src: int, dst: int, word: str | None) -> float:
        return self.weights.get((src, dst, word), 1.0)

    def add_words(self, src: int, dst: int, words: list[str], weight: float = 1.0) -> None:
        """A chain of arcs spelling `words` from src to dst (epsilon when empty)."""
        state = src
        for i, word in enumerate(words[:-1]):
            nxt = self.new_state()
            self.add(state, nxt, word, weight if i == 0 else 1.0)
            state = nxt
        self.add(state, dst, words[-1] if words else None, weight if len(words) <= 1 else 1.0)

    @property
    def words(self) -> set[str]:
        return {w for arcs in self.arcs.values() for _, w in arcs if w is not None}

    def arc_count(self) -> int:
        return sum(len(a) for a in self.arcs.values())


def prune(graph: WordGraph, known: Known) -> tuple[WordGraph, set[str]]:
    """The graph without arcs on unknown words, trimmed to states on a start→final path.

    Returns the pruned graph and the unknown words that were dropped.
    """
    dropped = {w for w in graph.words if not known(w)}
    forward: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
    backward: dict[int, list[int]] = defaultdict(list)
    for src, arcs in graph.arcs.items():
        for dst, word in arcs:
            if word is None or word not in dropped:
                forward[src].append((dst, word))
                backward[dst].append(src)
    reach = _closure([graph.start], lambda s: (d for d, _ in forward[s]))
    alive = _closure(graph.finals, lambda s: backward[s]) & reach
    out = WordGraph(start=graph.start, size=graph.size)
    for src in alive:
        for dst, word in forward[src]:
            if dst in alive:
                out.add(src, dst, word, graph.weight(src, dst, word))
    out.finals = graph.finals & alive
    return out, dropped


def _closure(seeds: Iterable[int], step: Callable[[int], Iterable[int]]) -> set[int]:
    seen = set(seeds)
    todo = list(seen)
    while todo:
        for nxt in step(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def sentence_counts(graph: WordGraph) -> dict[int, int] | None:
    """How many sentences complete from each state (None if the graph has a cycle)."""
    counts: dict[int, int] = {}
    visiting: set[int] = set()
    order: list[tuple[int, bool]] = [(graph.start, False)]
    while order:
        state, expanded = order.pop()
        if expanded:
            visiting.discard(state)
            own = 1 if state in graph.finals else 0
            counts[state] = own + sum(counts[d] for d, _ in graph.arcs.get(state, []))
            continue
        if state in counts:
            continue
        if state in visiting:
            return None
        visiting.add(state)
        order.append((state, True))
        for dst, _ in graph.arcs.get(state, []):
            if dst in visiting:
                return None
            if dst not in counts:
                order.append((dst, False))
    return counts


def to_fsg(graph: WordGraph, name: str = "kindly") -> str:
    """PocketSphinx FSG text with one final state.

    In an acyclic graph every sentence gets the same probability (an arc's probability is
    the share of sentences that go through it), so short sentences are not favoured over
    long ones; otherwise the arc weights are normalised per state.
    """
    counts = sentence_counts(graph)
    final = graph.size
    lines = [f"FSG_BEGIN {name}", f"NUM_STATES {graph.size + 1}"]
    lines += [f"START_STATE {graph.start}", f"FINAL_STATE {final}"]
    for src in sorted(set(graph.arcs) | graph.finals):
        arcs: list[tuple[int, str | None, float]]
        if counts is not None:
            arcs = [(d, w, float(counts[d])) for d, w in graph.arcs.get(src, [])]
            arcs += [(final, None, 1.0)] if src in graph.finals else []
        else:
            arcs = [(d, w, graph.weight(src, d, w)) for d, w in graph.arcs.get(src, [])]
            arcs += [(final, None, 1.0)] if src in graph.finals else []
        total = sum(weight for _, _, weight in arcs)
        for dst, word, weight in arcs:
            prob = f"{weight / total:.6g}"
            lines.append(f"TRANSITION {src} {dst} {prob}" + (f" {word}" if word else ""))
    lines.append("FSG_END")
    return "\n".join(lines) + "\n"


def _word_arcs(graph: WordGraph) -> list[tuple[int, int, str]]:
    return [(s, d, w) for s, arcs in graph.arcs.items() for d, w in arcs if w is not None]


def _shortest(graph: WordGraph, seeds: Iterable[int], reverse: bool) -> dict[int, tuple[str, ...]]:
    """0-1 BFS: the fewest words from `seeds` to each state (or from each state to them)."""
    edges: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
    for src, arcs in graph.arcs.items():
        for dst, word in arcs:
            if reverse:
                edges[dst].append((src, word))
            else:
                edges[src].append((dst, word))
    best: dict[int, tuple[str, ...]] = {s: () for s in seeds}
    queue = deque(best)
    while queue:
        state = queue.popleft()
        for nxt, word in edges[state]:
            path = best[state] + ((word,) if word else ())
            if nxt not in best or len(path) < len(best[nxt]):
                best[nxt] = path
                if word:
                    queue.append(nxt)
                else:
                    queue.appendleft(nxt)
    if reverse:
        return {s: tuple(reversed(p)) for s, p in best.items()}
    return best


def cover_phrases(graph: WordGraph) -> list[str]:
    """Sentences that together hold every word pair (and every first and last word) the
    graph allows: all a bigram model needs, in far fewer lines than every sentence."""
    prefix = _shortest(graph, [graph.start], reverse=False)
    suffix = _shortest(graph, graph.finals, reverse=True)
    eps: dict[int, list[int]] = defaultdict(list)
    for src, arcs in graph.arcs.items():
        eps[src].extend(d for d, w in arcs if w is None)
    by_src: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for arc in _word_arcs(graph):
        by_src[arc[0]].append(arc)
    phrases: set[str] = set()
    seen_pairs: set[tuple[str, str]] = set()
    for src, dst, word in _word_arcs(graph):
        if src not in prefix or dst not in suffix:
            continue
        phrases.add(" ".join((*prefix[src], word, *suffix[dst])))
        for mid in _closure([dst], lambda s: eps[s]):
            for _, after, nxt in by_src[mid]:
                if (word, nxt) in seen_pairs or after not in suffix:
                    continue
                seen_pairs.add((word, nxt))
                phrases.add(" ".join((*prefix[src], word, nxt, *suffix[after])))
    return sorted(p for p in phrases if p)


def sample_sentences(graph: WordGraph, count: int, seed: int = 0) -> list[str]:
    """`count` random sentences: a random walk from the start to a final state."""
    rng = random.Random(seed)
    finals = graph.finals
    out: list[str] = []
    for _ in range(count * 3):
        if len(out) >= count:
            break
        state = graph.start
        words: list[str] = []
        for _ in range(200):
            arcs = graph.arcs.get(state, [])
            if state in finals and (not arcs or rng.random() < 1 / (len(arcs) + 1)):
                out.append(" ".join(words))
                break
            if not arcs:
                break
            weights = [graph.weight(state, d, w) for d, w in arcs]
            state, word = rng.choices(arcs, weights)[0]
            if word:
                words.append(word)
    return [s for s in out if s]


def determinize(graph: WordGraph, starts: Iterable[int] | None = None) -> WordGraph:
    """An equivalent deterministic graph without epsilons (subset construction).

    Weights are dropped: in a deterministic graph each word after a prefix is one arc.
    """
    eps: dict[int, list[int]] = defaultdict(list)
    words: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for src, arcs in graph.arcs.items():
        for dst, word in arcs:
            if word is None:
                eps[src].append(dst)
            else:
                words[src].append((dst, word))
    closures: dict[int, frozenset[int]] = {}

    def closure(states: Iterable[int]) -> frozenset[int]:
        out: set[int] = set()
        for state in states:
            if state not in closures:
                closures[state] = frozenset(_closure([state], lambda s: eps[s]))
            out |= closures[state]
        return frozenset(out)

    first = closure([graph.start] if starts is None else starts)
    ids = {first: 0}
    out = WordGraph()
    todo = [first]
    while todo:
        subset = todo.pop()
        src = ids[subset]
        if subset & graph.finals:
            out.finals.add(src)
        moves: dict[str, set[int]] = defaultdict(set)
        for state in subset:
            for dst, word in words[state]:
                moves[word].add(dst)
        for word in sorted(moves):
            target = closure(moves[word])
            if target not in ids:
                ids[target] = out.new_state() if ids else 0
                todo.append(target)
            out.add(src, ids[target], word)
    out.size = max(len(ids), 1)
    return out


def reverse(graph: WordGraph) -> tuple[WordGraph, list[int]]:
    """The graph with every arc turned round; its start states are the old finals."""
    out = WordGraph(start=graph.start, size=graph.size)
    for src, arcs in graph.arcs.items():
        for dst, word in arcs:
            out.add(dst, src, word)
    out.finals = {graph.start}
    return out, sorted(graph.finals)


def minimize(graph: WordGraph) -> WordGraph:
    """The minimal deterministic graph of the same language (Brzozowski)."""
    once, starts = reverse(determinize(graph))
    twice, starts = reverse(determinize(once, starts))
    return determinize(twice, starts)
