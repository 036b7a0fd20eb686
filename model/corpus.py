"""The training corpus, rebuilt from public-domain texts in Debian packages (training time only).

- Jane Austen's six novels: r-cran-janeaustenr (an R lazy-load database, read with ``rdata``)
- The World English Bible: sword-text-web (a SWORD module, read with ``pysword``)
- WordNet's glosses: wordnet-base (plain text data files)

Held out for measuring quality: the last 5 % of each novel (prose, the number the model card
leads with) and the last 2 % of the Bible. Documents are joined by ``<|endoftext|>``.
"""
from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

AUSTEN_DIR = Path("/usr/lib/R/site-library/janeaustenr/data")
SWORD_DIR = Path("/usr/share/sword")
WORDNET_DIR = Path("/usr/share/wordnet")
DEBIAN_PACKAGES = ["r-cran-janeaustenr", "sword-text-web", "wordnet-base"]
NOVELS = ["sensesensibility", "prideprejudice", "mansfieldpark", "emma",
          "northangerabbey", "persuasion"]
PROSE_HOLDOUT = 0.05
BIBLE_HOLDOUT = 0.02


@dataclass
class Corpus:
    train: list[str]            # documents
    heldout_prose: list[str]    # Austen, unseen in training
    heldout_bible: list[str]

    def describe(self) -> dict:
        def chars(docs):
            return sum(map(len, docs))
        return {"train_chars": chars(self.train), "heldout_prose_chars": chars(self.heldout_prose),
                "heldout_bible_chars": chars(self.heldout_bible),
                "sources": ["Jane Austen, six novels (Debian r-cran-janeaustenr)",
                            "World English Bible (Debian sword-text-web)",
                            "WordNet 3.0 glosses (Debian wordnet-base)"]}


def _r_object(data: bytes):
    import rdata  # training-time extra
    return rdata.conversion.convert(rdata.parser.parse_data(data))


def austen_novels() -> dict[str, str]:
    """Each novel as paragraphs separated by blank lines, line breaks inside joined."""
    index = _r_object(gzip.decompress((AUSTEN_DIR / "Rdata.rdx").read_bytes()))
    rdb = (AUSTEN_DIR / "Rdata.rdb").read_bytes()
    novels = {}
    for name in NOVELS:
        offset, length = (int(x) for x in index["variables"][name])
        lines = _r_object(zlib.decompress(rdb[offset + 4: offset + length]))  # 4-byte size header
        paragraphs, current = [], []
        for line in list(lines) + [""]:
            line = str(line).strip()
            if line:
                current.append(line)
            elif current:
                paragraphs.append(" ".join(current))
                current = []
        novels[name] = "\n\n".join(paragraphs)
    return novels


def bible_text() -> str:
    from pysword.modules import SwordModules  # training-time extra
    modules = SwordModules(str(SWORD_DIR))
    name = next(iter(modules.parse_modules()))
    text = modules.get_bible_from_module(name).get(clean=True, join="\n")
    return "\n".join(re.sub(r"\s+", " ", line).strip() for line in text.splitlines() if line.strip())


def wordnet_glosses() -> str:
    glosses = []
    for part in ("noun", "verb", "adj", "adv"):
        for line in (WORDNET_DIR / f"data.{part}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  ") or "| " not in line:
                continue  # licence header
            words = line.split()[4:4 + 2 * int(line.split()[3], 16):2]
            lemma = words[0].replace("_", " ") if words else ""
            glosses.append(f"{lemma}: {line.split('| ', 1)[1].strip()}")
    return "\n".join(glosses)


def _split_tail(text: str, fraction: float) -> tuple[str, str]:
    """Split at a paragraph/line boundary so that about ``fraction`` of the text is the tail."""
    cut = text.rfind("\n", 0, int(len(text) * (1 - fraction)))
    return text[:cut].rstrip(), text[cut:].strip()


def build() -> Corpus:
    """The training corpus, from the Debian packages' texts. Raises SystemExit naming the Debian
    packages when their texts are not installed."""
    missing = [p for p in (AUSTEN_DIR, SWORD_DIR, WORDNET_DIR) if not p.exists()]
    if missing:
        raise SystemExit("the corpus comes from Debian packages; install them first:\n"
                         f"  apt-get install {' '.join(DEBIAN_PACKAGES)}")
    train, prose, bible_tail = [], [], []
    for text in austen_novels().values():
        head, tail = _split_tail(text, PROSE_HOLDOUT)
        train.append(head)
        prose.append(tail)
    head, tail = _split_tail(bible_text(), BIBLE_HOLDOUT)
    train.append(head)
    bible_tail.append(tail)
    train.append(wordnet_glosses())
    return Corpus(train, prose, bible_tail)
