"""Sparse lexical indexes over the catalogue: word-level BM25F and character n-gram TF-IDF."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from scipy import sparse

from .text import char_ngrams


class BM25F:
    """BM25F over several weighted fields of each document.

    ``fields`` maps a field name to a documents × terms matrix of term frequencies (columns as in
    ``vocabulary``); ``weights`` and ``b`` give each field's weight and length normalisation.
    Term frequencies are normalised per field, weighted, summed and saturated with ``k1``
    (Robertson & Zaragoza 2009).
    """

    def __init__(
        self,
        fields: Mapping[str, sparse.csr_matrix],
        vocabulary: Mapping[str, int],
        weights: Mapping[str, float],
        b: Mapping[str, float],
        k1: float = 1.2,
    ) -> None:
        self.vocabulary = dict(vocabulary)
        n_docs = next(iter(fields.values())).shape[0] if fields else 0
        self.n_docs = n_docs
        matrix = sparse.csr_matrix((n_docs, len(self.vocabulary)))
        for name, tf in fields.items():
            lengths = np.asarray(tf.sum(axis=1)).ravel()
            average = float(lengths.mean()) if n_docs and lengths.mean() > 0 else 1.0
            norms = 1.0 - b[name] + b[name] * lengths / average
            matrix = matrix + sparse.diags(weights[name] / norms) @ tf
        matrix = sparse.csr_matrix(matrix)
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        matrix.data = matrix.data * (k1 + 1) / (matrix.data + k1)
        self.matrix = matrix.tocsc()
        df = np.diff(self.matrix.indptr)
        self.idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))

    def idf_of(self, term: str) -> float:
        column = self.vocabulary.get(term)
        return 0.0 if column is None else float(self.idf[column])

    def scores(self, query: Mapping[str, float]) -> np.ndarray:
        """BM25F score of every document for ``{term: query weight}``."""
        result = np.zeros(self.n_docs)
        for term, weight in query.items():
            column = self.vocabulary.get(term)
            if column is None:
                continue
            start, end = self.matrix.indptr[column], self.matrix.indptr[column + 1]
            result[self.matrix.indices[start:end]] += weight * self.idf[column] * self.matrix.data[start:end]
        return result

    def matched(self, query: Mapping[str, float], doc: int) -> set[str]:
        """The query terms that occur in document ``doc``."""
        found = set()
        for term in query:
            column = self.vocabulary.get(term)
            if column is None:
                continue
            start, end = self.matrix.indptr[column], self.matrix.indptr[column + 1]
            if doc in self.matrix.indices[start:end]:
                found.add(term)
        return found


class CharTfidf:
    """Character n-gram TF-IDF (``char_wb``-like) with cosine similarity.

    ``texts`` are one list of ``(text, weight)`` pairs per document, so that a field can count
    less than another inside the same vector. ``sublinear`` uses 1 + log(tf).
    """

    def __init__(
        self,
        texts: Sequence[Sequence[tuple[str, float]]],
        low: int = 3,
        high: int = 5,
        sublinear: bool = True,
        grams: Callable[[str, int, int], list[str]] | None = None,
        counts: tuple[sparse.csr_matrix, dict[str, int]] | None = None,
    ) -> None:
        self.low, self.high, self.sublinear = low, high, sublinear
        self._grams = grams or char_ngrams
        self.vocabulary: dict[str, int] = {}
        if counts is not None:
            self.vocabulary = counts[1]
            self._finish(counts[0])
            return
        vocabulary = self.vocabulary
        cols: list[int] = []
        vals: list[float] = []
        indptr = [0]
        for parts in texts:
            doc = self._counts(parts)
            cols += [vocabulary.setdefault(gram, len(vocabulary)) for gram in doc]
            vals += doc.values()
            indptr.append(len(cols))
        n_docs = len(texts)
        matrix = sparse.csr_matrix(
            (np.array(vals, dtype=float), np.array(cols, dtype=np.int64), np.array(indptr, dtype=np.int64)),
            shape=(n_docs, len(vocabulary)),
        )
        self._finish(matrix)

    def _finish(self, matrix: sparse.csr_matrix) -> None:
        matrix = sparse.csr_matrix(matrix, dtype=float)
        matrix.sum_duplicates()
        n_docs = matrix.shape[0]
        df = np.bincount(matrix.indices, minlength=len(self.vocabulary))
        self.idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
        matrix.data = self._tf(matrix.data) * self.idf[matrix.indices]
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        self.matrix = sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)
        self._columns = self.matrix.tocsc()  # a query touches few columns (its n-grams)
        self.n_docs = n_docs

    def _tf(self, values: np.ndarray) -> np.ndarray:
        if not self.sublinear:
            return values
        return np.where(values >= 1.0, 1.0 + np.log(np.maximum(values, 1.0)), values)

    def _counts(self, parts: Sequence[tuple[str, float]]) -> Counter[str]:
        counts: Counter[str] = Counter()
        for text, weight in parts:
            grams = Counter(self._grams(text, self.low, self.high))
            if weight != 1.0:
                for gram in grams:
                    grams[gram] *= weight  # type: ignore[assignment]
            counts.update(grams)
        return counts

    def similarities(self, parts: Sequence[tuple[str, float]]) -> np.ndarray:
        """Cosine similarity of the query ``parts`` with every document."""
        counts = self._counts(parts)
        columns = [self.vocabulary[g] for g in counts if g in self.vocabulary]
        if not columns or self.n_docs == 0:
            return np.zeros(self.n_docs)
        values = np.array([counts[g] for g in counts if g in self.vocabulary], dtype=float)
        values = self._tf(values) * self.idf[columns]
        # the norm over all grams of the query, known or not, so unknown text lowers similarity
        unknown = np.array([counts[g] for g in counts if g not in self.vocabulary], dtype=float)
        unknown = self._tf(unknown) * (math.log(1.0 + self.n_docs) + 1.0)
        norm = math.sqrt(float(values @ values) + float(unknown @ unknown))
        return np.asarray(self._columns[:, columns] @ (values / norm)).ravel()
