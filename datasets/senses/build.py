#!/usr/bin/python3
"""Builds the sense, synonym, antonym and paraphrase sets, byte for byte.

    /usr/bin/python3 datasets/senses/build.py      (from the repository root)

Sources: WordNet 3.0 (Debian wordnet-base, wordnet-sense-index; /usr/share/wordnet),
the bundled corpus (for word frequencies, training split only: what a model saw)
and datasets/corpus/verses.tsv.gz (made by the corpus recipe) for KJV<->WEB pairs.
Standard library only. Writes gzip TSVs with a header (README.md describes every
column) and counts.tsv. WordNet text never enters the training corpus.
"""
import collections
import gzip
import hashlib
import io
import itertools
import os
import random
import re

WN = "/usr/share/wordnet/"
HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "corpus")
MIN_FREQ = 20     # a word must occur this often in the training split
MIN_WORDS = 4     # example sentences shorter than this are dropped
SEED = 20261128   # the paraphrase control's shuffle

LEXNAMES = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute "
            "noun.body noun.cognition noun.communication noun.event noun.feeling noun.food noun.group "
            "noun.location noun.motive noun.object noun.person noun.phenomenon noun.plant "
            "noun.possession noun.process noun.quantity noun.relation noun.shape noun.state "
            "noun.substance noun.time verb.body verb.change verb.cognition verb.communication "
            "verb.competition verb.consumption verb.contact verb.creation verb.emotion verb.motion "
            "verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl").split()
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
SS_TYPE = {"n": 1, "v": 2, "a": 3, "s": 5, "r": 4}


def split_of(lemma):
    """train or test by lemma (so a WiC threshold is fit on other lemmas)."""
    return "train" if hashlib.sha256(lemma.encode()).digest()[0] < 128 else "test"


# ---- corpus frequencies -----------------------------------------------------------

def corpus_counts():
    c = collections.Counter()
    for name in sorted(os.listdir(CORPUS)):
        if name.endswith(".train.txt.gz"):
            c.update(re.findall(r"[a-z]+", gzip.open(os.path.join(CORPUS, name), "rt").read().lower()))
    return c


# ---- WordNet ----------------------------------------------------------------------

class Synset:
    __slots__ = ("pos", "offset", "lexfile", "ss_type", "words", "ptrs", "examples")


def read_data():
    synsets = {}
    for pos, fname in POS_FILES.items():
        for line in open(WN + "data." + fname, encoding="latin-1"):
            if line.startswith("  "):
                continue
            head, _, gloss = line.partition(" | ")
            f = head.split()
            s = Synset()
            s.pos, s.offset, s.lexfile, s.ss_type = pos, f[0], LEXNAMES[int(f[1])], f[2]
            w_cnt = int(f[3], 16)
            s.words = [re.sub(r"\((a|p|ip)\)$", "", f[4 + 2 * i]).lower() for i in range(w_cnt)]
            k = 4 + 2 * w_cnt
            p_cnt = int(f[k])
            s.ptrs = [tuple(f[k + 1 + 4 * i:k + 5 + 4 * i]) for i in range(p_cnt)]
            s.examples = [e.strip() for e in re.findall(r'"([^"]+)"', gloss)]
            synsets[(pos, s.offset)] = s
    return synsets


def read_senses():
    """(lemma, ss_type digit, offset) -> (sense key, sense number, SemCor count)"""
    out = {}
    for line in open(WN + "index.sense", encoding="latin-1"):
        key, offset, num, cnt = line.split()
        lemma, rest = key.split("%", 1)
        out[(lemma, rest[0], offset)] = (key, int(num), int(cnt))
    return out


def read_exceptions():
    """base word -> irregular forms, per pos"""
    exc = {p: collections.defaultdict(set) for p in POS_FILES}
    for pos, fname in POS_FILES.items():
        for line in open(WN + fname + ".exc", encoding="latin-1"):
            f = line.split()
            for base in f[1:]:
                exc[pos][base].add(f[0])
    return exc


VOWELS = set("aeiou")


def inflections(lemma, pos, exc):
    forms = {lemma} | exc[pos].get(lemma, set())
    if pos == "n":
        forms |= {lemma + "s", lemma + "es"}
        if lemma.endswith("y") and lemma[-2:-1] not in VOWELS:
            forms.add(lemma[:-1] + "ies")
    elif pos == "v":
        forms |= {lemma + "s", lemma + "es", lemma + "ed", lemma + "ing"}
        if lemma.endswith("e"):
            forms |= {lemma + "d", lemma[:-1] + "ing"}
        if lemma.endswith("y") and lemma[-2:-1] not in VOWELS:
            forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
        if len(lemma) >= 3 and lemma[-1] not in VOWELS | set("wxy") and lemma[-2] in VOWELS and lemma[-3] not in VOWELS:
            forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    elif pos in ("a", "s"):
        forms |= {lemma + "er", lemma + "est"}
        if lemma.endswith("e"):
            forms |= {lemma + "r", lemma + "st"}
        if lemma.endswith("y"):
            forms |= {lemma[:-1] + "ier", lemma[:-1] + "iest"}
    return forms


def find_target(sentence, forms):
    """character span of the first whole-word, case-insensitive form, or None"""
    for m in re.finditer(r"[A-Za-z]+(?:'[A-Za-z]+)?", sentence):
        w = m.group(0).lower().split("'")[0]
        if w in forms:
            return m.start(), m.start() + len(w)
    return None


def gz_write(name, header, rows):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as g:
        g.write(("\t".join(header) + "\n").encode())
        for r in rows:
            g.write(("\t".join(str(x) for x in r) + "\n").encode())
    path = os.path.join(HERE, name)
    with open(path + ".tmp", "wb") as f:
        f.write(buf.getvalue())
    os.replace(path + ".tmp", path)
    return len(rows)


def main():
    freq = corpus_counts()
    synsets = read_data()
    senses = read_senses()
    exc = read_exceptions()
    counts = []
    one_word = lambda w: re.fullmatch(r"[a-z]+", w) is not None
    # word frequency including inflections, per pos
    def wfreq(w, pos):
        return sum(freq[f] for f in inflections(w, "a" if pos == "s" else pos, exc))

    # (a) polysemy set ------------------------------------------------------------
    by_lemma = collections.defaultdict(list)  # (lemma, pos) -> rows without ids
    for (pos, off), s in sorted(synsets.items()):
        for w in dict.fromkeys(s.words):
            if not one_word(w):
                continue
            info = senses.get((w, str(SS_TYPE[s.ss_type]), off))
            if not info:
                continue
            forms = inflections(w, "a" if pos == "s" else pos, exc)
            for ex in s.examples:
                if len(ex.split()) < MIN_WORDS or "\t" in ex:
                    continue
                span = find_target(ex, forms)
                if span:
                    by_lemma[(w, pos)].append((info, s.lexfile, ex, span))
    poly = []
    for (w, pos), rows in sorted(by_lemma.items()):
        if len({r[0][0] for r in rows}) < 2 or wfreq(w, pos) < MIN_FREQ:
            continue
        rows.sort(key=lambda r: (r[0][1], r[2]))
        for info, lexfile, ex, span in rows:
            poly.append([len(poly), w, pos, info[0], info[1], lexfile, info[2], wfreq(w, pos), split_of(w),
                         span[0], span[1], ex])
    counts.append(("polysemy.tsv.gz", "sentences", gz_write("polysemy.tsv.gz",
        ["id", "lemma", "pos", "sense_key", "sense_number", "lexfile", "semcor_count", "corpus_freq",
         "split", "target_start", "target_end", "sentence"], poly)))
    counts.append(("polysemy.tsv.gz", "lemmas", len({(r[1], r[2]) for r in poly})))
    counts.append(("polysemy.tsv.gz", "senses", len({r[3] for r in poly})))

    # (b) WiC-style pairs ----------------------------------------------------------
    pairs = []
    for _, grp in itertools.groupby(poly, key=lambda r: (r[1], r[2])):
        grp = list(grp)
        for a, b in itertools.combinations(grp, 2):
            if a[11].lower() == b[11].lower():
                continue
            pairs.append([len(pairs), a[1], a[2], a[0], b[0], int(a[3] == b[3]), int(a[5] == b[5]), a[8]])
    counts.append(("wic_pairs.tsv.gz", "pairs", gz_write("wic_pairs.tsv.gz",
        ["id", "lemma", "pos", "a", "b", "same_sense", "same_lexfile", "split"], pairs)))
    counts.append(("wic_pairs.tsv.gz", "same-sense pairs", sum(p[5] for p in pairs)))
    counts.append(("wic_pairs.tsv.gz", "different-sense pairs", sum(1 - p[5] for p in pairs)))

    # (c) synonyms: synsets and adjective similar-to clusters ----------------------
    syn = []
    def add_set(set_id, kind, pos, members):
        ok = [(w, k, n, f) for w, k, n, f in members if f >= MIN_FREQ]
        if len({m[0] for m in ok}) < 2:
            return
        seen = set()
        for w, key, num, f in ok:
            if w not in seen:
                seen.add(w)
                syn.append([set_id, kind, pos, w, key, num, f])
    def members_of(s):
        out = []
        for w in dict.fromkeys(s.words):
            info = senses.get((w, str(SS_TYPE[s.ss_type]), s.offset))
            if one_word(w) and info:
                out.append((w, info[0], info[1], wfreq(w, s.pos)))
        return out
    for (pos, off), s in sorted(synsets.items()):
        add_set("%s%s" % (pos, off), "synset", pos, members_of(s))
    for (pos, off), s in sorted(synsets.items()):
        if pos == "a" and s.ss_type == "a":
            members = members_of(s)
            for sym, target, tpos, _ in s.ptrs:
                if sym == "&" and (tpos if tpos != "s" else "a", target) in synsets:
                    members += members_of(synsets[("a", target)])
            add_set("c%s" % off, "similar_cluster", "a", members)
    counts.append(("synonyms.tsv.gz", "members", gz_write("synonyms.tsv.gz",
        ["set_id", "kind", "pos", "word", "sense_key", "sense_number", "corpus_freq"], syn)))
    counts.append(("synonyms.tsv.gz", "synsets", len({r[0] for r in syn if r[1] == "synset"})))
    counts.append(("synonyms.tsv.gz", "similar-to clusters", len({r[0] for r in syn if r[1] == "similar_cluster"})))

    # synonym members attested in real example sentences of their own synset
    att = []
    for (pos, off), s in sorted(synsets.items()):
        found = {}
        for w, key, num, f in members_of(s):
            if f < MIN_FREQ:
                continue
            forms = inflections(w, "a" if pos == "s" else pos, exc)
            for ex in s.examples:
                span = find_target(ex, forms) if len(ex.split()) >= MIN_WORDS and "\t" not in ex else None
                if span and w not in found:
                    found[w] = (key, ex, span)
        if len(found) >= 2:
            for w, (key, ex, span) in found.items():
                att.append(["%s%s" % (pos, off), pos, w, key, span[0], span[1], ex])
    counts.append(("synonyms_attested.tsv.gz", "sentences", gz_write("synonyms_attested.tsv.gz",
        ["set_id", "pos", "word", "sense_key", "target_start", "target_end", "sentence"], att)))
    counts.append(("synonyms_attested.tsv.gz", "synsets", len({r[0] for r in att})))

    # (d) antonyms -----------------------------------------------------------------
    ant = {}
    for (pos, off), s in sorted(synsets.items()):
        for sym, target, tpos, st in s.ptrs:
            if sym != "!" or st == "0000":
                continue
            src, dst = int(st[:2], 16), int(st[2:], 16)
            t = synsets.get(("a" if tpos == "s" else tpos, target))
            if not t or src < 1 or dst < 1 or src > len(s.words) or dst > len(t.words):
                continue
            a, b = s.words[src - 1], t.words[dst - 1]
            if one_word(a) and one_word(b) and a != b:
                fa, fb = wfreq(a, pos), wfreq(b, pos)
                if fa >= MIN_FREQ and fb >= MIN_FREQ:
                    ant.setdefault((min(a, b), max(a, b), pos), (fa, fb) if a < b else (fb, fa))
    rows = [[a, b, pos, fa, fb] for (a, b, pos), (fa, fb) in sorted(ant.items())]
    counts.append(("antonyms.tsv.gz", "pairs", gz_write("antonyms.tsv.gz",
        ["word_a", "word_b", "pos", "freq_a", "freq_b"], rows)))

    # (e) KJV <-> WEB paraphrase pairs with a shuffled control ----------------------
    verses = [l.rstrip("\n").split("\t") for l in gzip.open(os.path.join(CORPUS, "verses.tsv.gz"), "rt")][1:]
    rng = random.Random(SEED)
    perm = list(range(len(verses)))
    while True:  # a derangement: no verse is its own control
        rng.shuffle(perm)
        if all(i != p for i, p in enumerate(perm)):
            break
    jac = lambda x, y: len(x & y) / max(1, len(x | y))
    words = lambda t: set(re.findall(r"[a-z]+", t.lower()))
    para, ja, js = [], 0.0, 0.0
    for i, v in enumerate(verses):
        c = verses[perm[i]]
        para.append([i, v[0], v[1], v[2], v[3], v[4], v[5], perm[i], "%s %s:%s" % (c[0], c[1], c[2])])
        ja += jac(words(v[4]), words(v[5]))
        js += jac(words(v[4]), words(c[5]))
    counts.append(("paraphrase.tsv.gz", "verse pairs", gz_write("paraphrase.tsv.gz",
        ["id", "book", "chapter", "verse", "split", "kjv", "web", "control_id", "control_ref"], para)))
    counts.append(("paraphrase.tsv.gz", "test-split pairs", sum(1 for p in para if p[4] == "test")))
    counts.append(("paraphrase.tsv.gz", "mean word Jaccard x1000, aligned", round(1000 * ja / len(para))))
    counts.append(("paraphrase.tsv.gz", "mean word Jaccard x1000, control", round(1000 * js / len(para))))

    with open(os.path.join(HERE, "counts.tsv"), "w") as f:
        f.write("file\twhat\tcount\n" + "".join("%s\t%s\t%s\n" % c for c in counts))
    for c in counts:
        print("%-26s %-36s %s" % c)


if __name__ == "__main__":
    main()
