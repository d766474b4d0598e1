"""Text handling for German citizen requests: normalisation, tokens, a light stemmer, character
n-grams, edit distance and compound splitting. Standard library only.

Everything works on *folded* text: lower case, NFKC, umlauts written out (``ä`` → ``ae``),
``ß`` → ``ss``, so that "Führerschein", "Fuehrerschein" and "FÜHRERSCHEIN" are the same word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_WORD = re.compile(r"[a-z0-9]+")

#: Function words and the filler of requests ("ich brauche bitte …"); they carry no service.
_STOPWORD_TEXT = """
    a ab aber alle allem allen aller alles als also am an ander andere anderem anderen anderer
    anderes anderm andern anderr anders auch auf aus bei bin bis bist da damit dann das dass dasselbe
    dazu dein deine deinem deinen deiner deines dem demselben den denn denselben der derer derselbe
    derselben des desselben dessen dich die dies diese dieselbe dieselben diesem diesen dieser dieses
    dir doch dort du durch ein eine einem einen einer eines einig einige einigem einigen einiger
    einiges einmal er es etwas euch euer eure eurem euren eurer eures fuer gegen gewesen hab habe
    haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in
    indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann koennen
    koennte machen man manche manchem manchen mancher manches mein meine meinem meinen meiner meines
    mich mir mit muss musste nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen
    seiner seines selbst sich sie sind so solche solchem solchen solcher solches soll sollte sondern
    sonst ueber um und uns unsere unserem unseren unserer unseres unter viel vom von vor waehrend war
    waren warst was weg wegen weil weiter welche welchem welchen welcher welches wenn werde werden wie
    wieder will wir wird wirst wo wollen wollte wuerde wuerden zu zum zur zwar zwischen
    bitte brauche brauchen benoetige benoetigen moechte moechten hallo guten tag danke gerne mal
    ja nein schon gibt geht wer wann wieso warum weshalb welchen bekomme bekommen kriege
    kriegen tun muessen darf duerfen eigentlich gerade leider dringend schnell hilfe frage fragen
    hi hey ok okay eben halt denn etc usw bzw ca wurde wurden worden beim bald immer sei seid seien
    damals heute gestern
    sehr geehrte geehrter geehrten damen herren liebe lieber freundlichen freundliche gruessen gruesse
    gruss mfg lg vg vielen dank beste herzliche herzlichen viele grueezi servus moin
    kosten kostet gebuehr gebuehren termin termine terminvereinbarung unterlagen online wissen
    erfahren infos information informationen irgendwo jemand jemandem sowas sagen erklaeren
    how much cost costs fee appointment documents need get do does there this that with in on at from
    hello dear regards thanks thank just new
    the a an of to for my i me is it we our you please how do can what where and or
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def fold(text: str) -> str:
    """Lower case, NFKC, umlauts written out, ``ß`` → ``ss``; other accents removed."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_TOKEN = re.compile(r"[^\W_]+")


@lru_cache(maxsize=100_000)
def _fold_token(token: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(token)))


def words(text: str) -> list[str]:
    """The folded alphanumeric words of ``text`` (hyphens and punctuation separate words)."""
    result: list[str] = []
    lowered = unicodedata.normalize("NFKC", text).lower()
    lowered = lowered.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    for token in _TOKEN.findall(lowered):
        if token.isascii():
            result.append(token)
        else:
            result.extend(_fold_token(token))
    return result


def content_words(text: str) -> list[str]:
    """:func:`words` without stop words and single characters."""
    return [w for w in words(text) if len(w) > 1 and w not in STOPWORDS]


# participles ("gestohlen", "geklaute"), not nouns like "Gewerbe" or "Gemeinde"
_PARTICIPLE = re.compile(r"^ge[a-z]{3,}(t|te|ten|ter|tes|tem|en|ene|ener|enen|enes|enem)$")
# participles of separable verbs: "umgeschrieben" → "umschrieben", "abgemeldet" → "abmeldet"
_SEPARABLE = re.compile(
    r"^(ab|an|auf|aus|ein|mit|nach|um|vor|weg|zu|zurueck|wieder|her|hin|fest|frei)ge(?=[a-z]{4,})"
)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light German stemmer (CISTEM, Weissweiler & Fraser 2017) for an already folded word.

    Umlauts arrive written out (``ae``), so ``Pässe`` → ``paesse`` → ``paess``; both the catalogue
    and the request go through the same function, so only consistency matters.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    w = word[2:] if _PARTICIPLE.match(word) else _SEPARABLE.sub(r"\1", word)
    # nominalisations meet their verbs: "Anmeldung" ~ "anmelden", "Änderung" ~ "geändert"
    if w.endswith("ungen") and len(w) >= 9:
        w = w[:-5]
    elif w.endswith("ung") and len(w) >= 7:
        w = w[:-3]
    w = w.replace("sch", "$").replace("ei", "%").replace("ie", "&")
    chars = list(w)
    for i in range(1, len(chars)):
        if chars[i] == chars[i - 1] and chars[i - 1] != "*":
            chars[i] = "*"
    w = "".join(chars)
    while len(w) > 3:
        if len(w) > 5 and w[-2:] in ("em", "er", "nd"):
            w = w[:-2]
        elif w[-1] in "tesn":
            w = w[:-1]
        else:
            break
    chars = list(w)
    for i in range(1, len(chars)):
        if chars[i] == "*":
            chars[i] = chars[i - 1]
    return "".join(chars).replace("$", "sch").replace("%", "ei").replace("&", "ie")


def char_ngrams(text: str, low: int = 3, high: int = 5) -> list[str]:
    """Character n-grams inside word boundaries (like scikit-learn's ``char_wb``) of folded text."""
    grams: list[str] = []
    for word in words(text):
        padded = f" {word} "
        size = len(padded)
        for n in range(low, min(high, size) + 1):
            grams += [padded[i : i + n] for i in range(size - n + 1)]
    return grams


def damerau(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance of ``a`` and ``b``, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        best = i
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[len(b)]


_LINKS = ("", "s", "es", "n", "en", "e")


class CompoundSplitter:
    """Splits German compounds into words of a known vocabulary ("anwohnerparkausweis" →
    "anwohner", "park", "ausweis"), allowing the linking elements s/es/n/en/e.

    The fewest parts win; parts have at least ``min_part`` characters. Results are cached.
    """

    def __init__(self, vocabulary: Iterable[str], min_part: int = 4) -> None:
        self.vocabulary = frozenset(w for w in vocabulary if len(w) >= min_part and not w.isdigit())
        self.min_part = min_part
        self._cache: dict[str, tuple[str, ...]] = {}

    def split(self, word: str) -> tuple[str, ...]:
        """The parts of ``word`` (empty when it is not a compound of known words)."""
        if len(word) < 2 * self.min_part:
            return ()
        cached = self._cache.get(word)
        if cached is None:
            parts = self._split(word, True)
            cached = parts if parts is not None and len(parts) > 1 else ()
            self._cache[word] = cached
        return cached

    def _split(self, word: str, whole_allowed: bool) -> tuple[str, ...] | None:
        best: tuple[str, ...] | None = None
        if word in self.vocabulary and not whole_allowed:
            return (word,)
        size = len(word)
        for cut in range(size - self.min_part, self.min_part - 1, -1):
            head = word[:cut]
            for link in _LINKS:
                if link and not head.endswith(link):
                    continue
                stem_part = head[: len(head) - len(link)] if link else head
                if len(stem_part) < self.min_part or stem_part not in self.vocabulary:
                    continue
                rest = self._split(word[cut:], False)
                if rest is None:
                    continue
                candidate = (stem_part, *rest)
                if best is None or len(candidate) < len(best):
                    best = candidate
            if best is not None and len(best) == 2:
                break
        return best
