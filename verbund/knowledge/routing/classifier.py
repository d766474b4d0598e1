"""A classifier of requests learned from labelled examples: multinomial logistic regression.

The router's lexical components know only the catalogue's words and the lexicon. What citizens
write for a service beyond those ("mein Vater ist gestorben" for a death certificate) is learned
from labelled requests: staff corrections and, for a known catalogue, example requests. Each
example is the router's analysis of a request (its weighted stems, lexicon words included),
normalised to unit length; the catalogue's own names and keywords are examples of their service
too, so that a service nobody has corrected yet is still a class.

The model is an L2-regularised softmax regression (one weight per term and service), fitted by
limited-memory BFGS (Nocedal & Wright 2006, algorithm 7.4/7.5, with a backtracking line search).
Pure: numpy and scipy's sparse matrices only; trains in about a second for the Munich catalogue
with 600 examples (``bench/bench_knowledge_routing.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from scipy import sparse

Terms = Mapping[str, float]
#: the label of an example that belongs to none of the classified services
OTHER = -1


class Classifier:
    """Probabilities of the services for a request's terms."""

    def __init__(
        self, vocabulary: Mapping[str, int], weights: np.ndarray, classes: np.ndarray, n_classes: int
    ) -> None:
        self.vocabulary = dict(vocabulary)
        self.weights = weights  # terms × classes
        self.classes = classes  # the service position of each class; OTHER: none of the services
        self.n_classes = n_classes  # services in all; those without examples get probability 0

    @classmethod
    def train(
        cls,
        examples: Sequence[Terms],
        labels: Sequence[int],
        n_classes: int,
        l2: float = 0.1,
        steps: int = 200,
    ) -> Classifier:
        """Fit on ``examples`` (terms of each request) with ``labels`` (service positions below
        ``n_classes``, or :data:`OTHER` for "none of these services"); the services that occur among
        the labels are the classes."""
        if len(examples) != len(labels):
            raise ValueError("examples and labels differ in length")
        if any(not 0 <= label < n_classes and label != OTHER for label in labels):
            raise ValueError("a label is not a service position")
        vocabulary: dict[str, int] = {}
        for terms in examples:
            for term in terms:
                vocabulary.setdefault(term, len(vocabulary))
        x = _matrix(examples, vocabulary).astype(np.float32)
        classes, y = np.unique(np.asarray(labels, dtype=np.int64), return_inverse=True)
        n, d = x.shape
        k = len(classes)
        if n == 0 or d == 0:
            return cls(vocabulary, np.zeros((d, k)), classes, n_classes)
        rows = np.arange(n)
        xt = sparse.csr_matrix(x.T)

        def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
            w = flat.reshape(d, k)
            logits = x @ w
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            loss = -float(np.log(p[rows, y] + 1e-12).sum()) + 0.5 * l2 * float(flat @ flat)
            p[rows, y] -= 1.0
            gradient = xt @ p + l2 * w
            return loss, np.asarray(gradient).ravel()

        # single precision: the model needs no more, and it halves the memory traffic that dominates
        solution = lbfgs(objective, np.zeros(d * k, dtype=np.float32), steps=steps)
        return cls(vocabulary, solution.reshape(d, k), classes, n_classes)

    def probabilities(self, terms: Terms) -> np.ndarray:
        """The probability of each service for ``terms`` (uniform over the classes when no term is
        known; 0 for a service that is not a class; what "none of these" takes is left out)."""
        return self._scores(terms, relative=False)

    def relative(self, terms: Terms) -> np.ndarray:
        """Each service's probability relative to the most likely class: 1 for the most likely
        service, unless "none of these services" is more likely than any."""
        return self._scores(terms, relative=True)

    def _scores(self, terms: Terms, relative: bool) -> np.ndarray:
        result = np.zeros(self.n_classes)
        if not self.classes.size:
            return result
        row = np.asarray(_matrix([terms], self.vocabulary) @ self.weights).ravel()
        row = row - row.max()
        p = np.exp(row)
        p /= p.max() if relative else p.sum()
        real = self.classes != OTHER
        result[self.classes[real]] = p[real]
        return result


def _matrix(examples: Sequence[Terms], vocabulary: Mapping[str, int]) -> sparse.csr_matrix:
    """Examples × terms, each row scaled to unit length; unknown terms left out."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for row, terms in enumerate(examples):
        norm = math.sqrt(sum(w * w for w in terms.values())) or 1.0
        for term, weight in terms.items():
            column = vocabulary.get(term)
            if column is not None:
                rows.append(row)
                cols.append(column)
                vals.append(weight / norm)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(examples), len(vocabulary)))


def lbfgs(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    steps: int = 200,
    memory: int = 5,
    tolerance: float = 1e-5,
) -> np.ndarray:
    """Minimise a smooth function given as ``x → (value, gradient)`` by limited-memory BFGS."""
    x = start.copy()
    value, gradient = objective(x)
    history: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(steps):
        if float(np.abs(gradient).max()) <= tolerance * max(1.0, abs(value)):
            break
        # two-loop recursion: the direction −H·g from the last ``memory`` steps
        q = gradient.copy()
        alphas = []
        for s, t, rho in reversed(history):
            alpha = rho * float(s @ q)
            q -= alpha * t
            alphas.append(alpha)
        if history:
            s, t, _ = history[-1]
            q *= float(s @ t) / float(t @ t)
        else:
            q /= max(1.0, float(np.linalg.norm(gradient)))
        for (s, t, rho), alpha in zip(history, reversed(alphas), strict=True):
            beta = rho * float(t @ q)
            q += (alpha - beta) * s
        direction = -q
        slope = float(gradient @ direction)
        if slope >= 0:  # not a descent direction: start the memory afresh
            history.clear()
            direction = -gradient
            slope = -float(gradient @ gradient)
        step = 1.0
        for _attempt in range(30):  # backtracking until the Armijo condition holds
            candidate = x + step * direction
            new_value, new_gradient = objective(candidate)
            if new_value <= value + 1e-4 * step * slope:
                break
            step *= 0.5
        else:
            break
        s, t = candidate - x, new_gradient - gradient
        curvature = float(s @ t)
        if curvature > 1e-10:
            history.append((s, t, 1.0 / curvature))
            if len(history) > memory:
                history.pop(0)
        improvement = value - new_value
        x, value, gradient = candidate, new_value, new_gradient
        if improvement <= tolerance * 1e-3 * max(1.0, abs(value)):
            break
    return x
