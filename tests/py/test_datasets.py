"""The bundled datasets: checksums, and the invariants the analyses rely on —
every TSV row has the header's fields, spans point at the target word, WiC pairs
refer to sentences of their own lemma, paraphrase controls are other verses,
corpus documents follow the blank-line rule and are ASCII."""
import gzip
import hashlib
import os
import sys

from tap import check, done


for folder in ("datasets/corpus", "datasets/senses", "datasets/gpt2"):
    bad = []
    for line in open(os.path.join(folder, "SHA256SUMS")):
        digest, name = line.split()
        if hashlib.sha256(open(os.path.join(folder, name), "rb").read()).hexdigest() != digest:
            bad.append(name)
    check("%s matches SHA256SUMS" % folder, not bad, bad)


def rows(name):
    lines = gzip.open("datasets/senses/" + name, "rt", encoding="utf-8").read().split("\n")
    head = lines[0].split("\t")
    body = [l.split("\t") for l in lines[1:] if l]
    check("%s: every row has %d fields" % (name, len(head)), all(len(r) == len(head) for r in body))
    return [dict(zip(head, r)) for r in body]


def whole_word(text, a, b):
    return 0 <= a < b <= len(text) and text[a:b].isalpha() and (a == 0 or not text[a - 1].isalpha()) \
        and (b == len(text) or not text[b].isalpha())


def spans_ok(rs, word):
    """spans are whole words; all but irregular forms (is/was for be, bore for
    bear: WordNet's exception lists) start like the word"""
    whole = all(whole_word(r["sentence"], int(r["target_start"]), int(r["target_end"])) for r in rs)
    like = sum(r["sentence"][int(r["target_start"]):int(r["target_end"])].lower()[:2] == r[word][:2] for r in rs)
    return whole and like >= 0.97 * len(rs), (whole, like, len(rs))


poly = rows("polysemy.tsv.gz")
check("polysemy: spans are whole words, forms of the lemma", *spans_ok(poly, "lemma"))
check("polysemy: ids are row numbers", all(int(r["id"]) == i for i, r in enumerate(poly)))
per_lemma = {}
for r in poly:
    per_lemma.setdefault((r["lemma"], r["pos"]), set()).add(r["sense_key"])
check("polysemy: every lemma has >= 2 senses", all(len(s) >= 2 for s in per_lemma.values()))
check("polysemy: examples have >= 4 words", all(len(r["sentence"].split()) >= 4 for r in poly))
wic = rows("wic_pairs.tsv.gz")
ok = all(poly[int(p["a"])]["lemma"] == p["lemma"] == poly[int(p["b"])]["lemma"] and
         (poly[int(p["a"])]["sense_key"] == poly[int(p["b"])]["sense_key"]) == (p["same_sense"] == "1") for p in wic)
check("wic: pairs join sentences of their lemma, labels agree with sense keys", ok)
syn = rows("synonyms.tsv.gz")
sets = {}
for r in syn:
    sets.setdefault(r["set_id"], set()).add(r["word"])
check("synonyms: every set has >= 2 members", all(len(s) >= 2 for s in sets.values()))
check("synonyms: big and large share a set", any({"big", "large"} <= s for s in sets.values()))
att = rows("synonyms_attested.tsv.gz")
check("synonyms_attested: spans are whole words, forms of the member", *spans_ok(att, "word"))
ant = rows("antonyms.tsv.gz")
check("antonyms: good/bad is there", any(r["word_a"] == "bad" and r["word_b"] == "good" for r in ant))
para = rows("paraphrase.tsv.gz")
check("paraphrase: controls are other verses", all(int(r["control_id"]) != int(r["id"]) for r in para))
check("paraphrase: test split is the held-out books",
      {r["book"] for r in para if r["split"] == "test"} == {"Ruth", "Jonah", "Mark", "Phil"})
for name in sorted(os.listdir("datasets/corpus")):
    if name.endswith(".txt.gz"):
        data = gzip.open("datasets/corpus/" + name).read()
        check("corpus %s is ASCII with no tabs or CR" % name,
              all(b < 128 for b in data) and b"\t" not in data and b"\r" not in data)
        check("corpus %s: documents separated by single empty lines" % name,
              b"\n\n\n" not in data and not data.startswith(b"\n") and data.endswith(b"\n"))
done()
