#!/usr/bin/python3
"""Builds the bundled corpus from Debian packages, byte for byte.

    /usr/bin/python3 datasets/corpus/build.py [OUTDIR]      (default: this folder)

Needs: bible-kjv bible-kjv-text sword-text-web r-cran-janeaustenr jargon-text
dict-devil (`make -C datasets corpus-deps` installs them). Standard library only,
apart from the `bible` reader and `Rscript`, which the packages bring.

Output, per text and split: <text>.<split>.txt.gz (gzip -9, no name, mtime 0).
Corpus text format (what `shang tokenize` reads): ASCII; one paragraph or verse per
line; a document is a run of non-empty lines, ended by one empty line. Documents:
a chapter (Bibles, Austen), a Jargon File entry or chapter, a Devil's Dictionary
entry. Splits are fixed by document and keep whole books out of training: see
SPLITS below and README.md. Also writes verses.tsv.gz (book, chapter, verse, KJV
text, WEB-derived text) for the paraphrase set, and counts.tsv.
"""
import gzip
import io
import os
import re
import struct
import subprocess
import sys
import unicodedata
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else HERE

# The 66 books of the Protestant canon, OSIS ids, in order (KJV's order).
BOOKS = ("Gen Exod Lev Num Deut Josh Judg Ruth 1Sam 2Sam 1Kgs 2Kgs 1Chr 2Chr Ezra Neh Esth Job "
         "Ps Prov Eccl Song Isa Jer Lam Ezek Dan Hos Joel Amos Obad Jonah Mic Nah Hab Zeph Hag "
         "Zech Mal Matt Mark Luke John Acts Rom 1Cor 2Cor Gal Eph Phil Col 1Thess 2Thess 1Tim "
         "2Tim Titus Phlm Heb Jas 1Pet 2Pet 1John 2John 3John Jude Rev").split()

SPLITS = {
    # whole books out of training, the same in both Bibles (paraphrase pairs unseen)
    "bible_test": {"Ruth", "Jonah", "Mark", "Phil"},
    "bible_valid": {"Joel", "Nah", "Titus", "Jude"},
    # a whole novel for test; every 20th chapter (10th, 30th, ...) of the others for validation
    "austen_test": {"persuasion"},
    # Jargon File and Devil's Dictionary entries by headword initial
    "lexicon_test": set("WXYZ"),
    "lexicon_valid": set("KQ"),
}

# Punctuation that NFKD does not reduce to ASCII.
ASCII_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2014": "--", "\u2013": "-", "\u2012": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u00b7": ".", "\u00d7": "x", "\u00a3": "L",
    "\u2022": "*", "\u00b0": " degrees", "\u00bd": "1/2", "\u00bc": "1/4", "\u00be": "3/4",
    "\u2192": "->", "\u2190": "<-", "\u00a7": "S.", "\u00b6": "P.", "\u2020": "+",
}
dropped = {}


def ascii_text(s):
    s = "".join(ASCII_MAP.get(c, c) for c in s)
    s = unicodedata.normalize("NFKD", s)
    out = []
    for c in s:
        if ord(c) < 128:
            out.append(c)
        elif not unicodedata.combining(c):
            dropped[c] = dropped.get(c, 0) + 1
    return "".join(out)


def clean_line(s):
    s = ascii_text(s).replace("\t", " ")
    return re.sub(r"[ \x00-\x08\x0b-\x1f\x7f]+", " ", s).strip()


# ---- KJV ------------------------------------------------------------------------

def kjv_verses():
    """(book, chapter, verse, text) from the `bible` reader of bible-kjv."""
    out = subprocess.run(["bible", "-f", "-l0", "-p", "/usr/lib", "gen1:1-rev22:21"],
                         check=True, capture_output=True).stdout.decode("ascii")
    order, verses = [], []
    for line in out.splitlines():
        m = re.match(r"^(\d?[A-Za-z]+)(\d+):(\d+) (.*)$", line)
        if not m:
            continue
        ab = m.group(1)
        if not order or order[-1] != ab:
            order.append(ab)
        verses.append((BOOKS[len(order) - 1], int(m.group(2)), int(m.group(3)), clean_line(m.group(4))))
    assert len(order) == 66, order
    return verses


# ---- WEB (SWORD zText module) ---------------------------------------------------

WEB_DIR = "/usr/share/sword/modules/texts/ztext/engWEB2015eb/"


def ztext_entries(testament):
    """Every verse slot of a zText module, in versification order."""
    read = lambda ext: open(WEB_DIR + testament + ext, "rb").read()
    bzs, bzv, bzz = read(".bzs"), read(".bzv"), read(".bzz")
    blocks = [struct.unpack_from("<III", bzs, i) for i in range(0, len(bzs), 12)]
    cache = {}
    for i in range(0, len(bzv), 10):
        b, off, size = struct.unpack_from("<IIH", bzv, i)
        if size == 0:
            yield ""
            continue
        if b not in cache:
            o, c, _ = blocks[b]
            cache = {b: zlib.decompress(bzz[o:o + c])}
        yield cache[b][off:off + size].decode("utf-8")


def osis_text(s):
    s = re.split(r'<div[^>]*type="glossary"', s)[0]       # glossary appended to Rev 22:21
    s = re.sub(r"<note\b.*?</note>", " ", s, flags=re.S)  # footnotes
    s = re.sub(r"<title\b.*?</title>", " ", s, flags=re.S)  # headings
    s = re.sub(r"<[^>]*>", "", s)
    return clean_line(s.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def web_verses():
    """(book, chapter, verse, text); a slot after a chapter heading is verse 1, ...;
    the slot before a book's chapter 1 is that book's heading, not a verse."""
    verses = []
    for testament in ("ot", "nt"):
        cur = None
        for e in ztext_entries(testament):
            m = re.search(r'<chapter\b[^>]*osisID="([0-9A-Za-z]+)\.(\d+)"[^>]*sID=', e)
            if m:
                if m.group(2) == "1" and cur is not None and verses and verses[-1][3] is not None:
                    verses.pop()  # the previous slot was this book's heading
                cur = [m.group(1), int(m.group(2)), 0]
                continue
            if cur is None:
                continue
            cur[2] += 1
            verses.append((cur[0], cur[1], cur[2], osis_text(e)))
    return [v for v in verses if v[3]]


# ---- Austen ---------------------------------------------------------------------

NOVELS = ["sensesensibility", "prideprejudice", "mansfieldpark", "emma", "northangerabbey", "persuasion"]


def austen_chapters(novel):
    """Chapters as lists of paragraphs, from janeaustenr via Rscript."""
    raw = subprocess.run(["Rscript", "-e", "writeLines(janeaustenr::%s)" % novel], check=True,
                         capture_output=True).stdout.decode("utf-8")
    chapters, para, cur = [], [], None
    for line in raw.split("\n"):
        if re.match(r"^\s*(CHAPTER|Chapter) [0-9IVXLC]+\.?\s*$", line):
            if cur is not None:
                if para:
                    cur.append(" ".join(para))
                chapters.append(cur)
            cur, para = [], []
            continue
        if cur is None:
            continue
        if not line.strip():
            if para:
                cur.append(" ".join(para))
            para = []
        elif not re.match(r"^\s*(VOLUME|Volume) [IVX]+\s*$|^\s*THE END\s*$|^\s*Finis\s*$", line):
            para.append(line.strip())
    if para:
        cur.append(" ".join(para))
    chapters.append(cur)
    strip = lambda p: clean_line(re.sub(r"_([^_]*)_", r"\1", p))
    return [[strip(p) for p in ch if strip(p)] for ch in chapters]


# ---- Jargon File ----------------------------------------------------------------

def jargon_documents():
    """(initial, paragraphs): the twelve introduction chapters and the appendices
    (initial None: training), and one document per lexicon entry (headword, then its
    paragraphs). The per-letter headword lists are dropped."""
    lines = gzip.open("/usr/share/doc/jargon-text/jargon.txt.gz", "rt", encoding="utf-8").read().split("\n")
    docs, cur, init, para, mode = [], None, None, [], "skip"

    def flush_para():
        nonlocal para
        if para and cur is not None:
            cur.append(clean_line(" ".join(para)))
        para = []

    def flush_doc():
        flush_para()
        if cur and any(cur):
            docs.append((init, [p for p in cur if p]))

    for line in lines:
        if re.match(r"^(Chapter \d+|Appendix [A-C])\. ", line):
            flush_doc()
            cur, init, mode = [clean_line(line)], None, "prose"
            continue
        if line == "Glossary":
            flush_doc()
            cur, mode = None, "index"
            continue
        m = re.match(r"^   :(.+?):", line)
        if m and mode in ("index", "entry", "lexicon"):
            flush_doc()
            head = clean_line(m.group(1))
            cur, init, mode = [head], (head[:1].upper() if head[:1].isalpha() else None), "entry"
            continue
        if mode == "index" or (mode == "entry" and re.match(r"^  \S$", line)):
            # per-letter headword lists between entries
            if re.match(r"^  \S$", line):
                flush_doc()
                cur, mode = None, "lexicon"
            continue
        if mode == "lexicon":
            continue
        if mode in ("prose", "entry"):
            if not line.strip() or set(line.strip()) <= set("\u2550\u2500\u2502\u250c\u2510\u2514\u2518\u251c\u2524\u252c\u2534\u253c"):
                flush_para()
            else:
                para.append(line.strip())
    flush_doc()
    return docs


# ---- Devil's Dictionary ---------------------------------------------------------

def devil_documents():
    """(initial, paragraphs), one document per dictionary entry; wrapped prose lines
    are joined, indented verse lines kept as lines."""
    index = open("/usr/share/dictd/devil.index", encoding="utf-8").read().split("\n")
    data = gzip.open("/usr/share/dictd/devil.dict.dz").read()
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    dec = lambda s: sum(b64.index(c) * 64 ** i for i, c in enumerate(reversed(s)))
    entries = []
    for row in index:
        f = row.split("\t")
        if len(f) != 3 or f[0].startswith("00database"):
            continue
        entries.append((dec(f[1]), dec(f[2]), f[0]))
    docs = []
    for off, size, word in sorted(entries):
        text = data[off:off + size].decode("utf-8", "replace")
        paras, para = [], []
        for line in text.split("\n"):
            if not line.strip():
                if para:
                    paras.append(" ".join(para))
                para = []
            elif line.startswith("    ") and para == []:
                paras.append(line.strip())
            elif line.startswith("    "):
                paras.append(" ".join(para))
                para = []
                paras.append(line.strip())
            else:
                para.append(line.strip())
        if para:
            paras.append(" ".join(para))
        paras = [clean_line(p) for p in paras if clean_line(p)]
        if paras:
            docs.append((word[:1].upper(), paras))
    return docs


# ---- writing --------------------------------------------------------------------

def write_gz(path, text):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as g:
        g.write(text.encode("ascii"))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)


def chapters_of(verses):
    docs, key = [], None
    for b, c, v, t in verses:
        if (b, c) != key:
            docs.append((b, []))
            key = (b, c)
        docs[-1][1].append(t)
    return docs


def bible_split(book):
    return "test" if book in SPLITS["bible_test"] else "valid" if book in SPLITS["bible_valid"] else "train"


def lexicon_split(initial):
    if initial in SPLITS["lexicon_test"]:
        return "test"
    return "valid" if initial in SPLITS["lexicon_valid"] else "train"


def main():
    kjv, web = kjv_verses(), web_verses()
    texts = {}  # name -> split -> list of documents (lists of lines)
    texts["kjv"] = {}
    for book, lines in chapters_of(kjv):
        texts["kjv"].setdefault(bible_split(book), []).append(lines)
    texts["web"] = {}
    for book, lines in chapters_of(web):
        texts["web"].setdefault(bible_split(book), []).append(lines)
    texts["austen"] = {}
    for novel in NOVELS:
        for i, ch in enumerate(austen_chapters(novel)):
            split = "test" if novel in SPLITS["austen_test"] else "valid" if i % 20 == 9 else "train"
            texts["austen"].setdefault(split, []).append(ch)
    texts["jargon"] = {}
    for init, paras in jargon_documents():
        texts["jargon"].setdefault(lexicon_split(init), []).append(paras)
    texts["devil"] = {}
    for init, paras in devil_documents():
        texts["devil"].setdefault(lexicon_split(init), []).append(paras)

    counts = ["text\tsplit\tdocuments\tlines\twords\tbytes"]
    for name in ("kjv", "web", "austen", "jargon", "devil"):
        for split in ("train", "valid", "test"):
            docs = texts[name].get(split, [])
            body = "\n".join("\n".join(d) + "\n" for d in docs)
            write_gz(os.path.join(OUT, "%s.%s.txt.gz" % (name, split)), body)
            counts.append("%s\t%s\t%d\t%d\t%d\t%d" % (name, split, len(docs), sum(len(d) for d in docs),
                                                   len(body.split()), len(body)))
    # aligned verses for the paraphrase set (datasets/senses)
    webmap = {(b, c, v): t for b, c, v, t in web}
    rows = ["book\tchapter\tverse\tsplit\tkjv\tweb"]
    for b, c, v, t in kjv:
        if (b, c, v) in webmap:
            rows.append("%s\t%d\t%d\t%s\t%s\t%s" % (b, c, v, bible_split(b), t, webmap[(b, c, v)]))
    write_gz(os.path.join(OUT, "verses.tsv.gz"), "\n".join(rows) + "\n")
    with open(os.path.join(OUT, "counts.tsv"), "w") as f:
        f.write("\n".join(counts) + "\n")
    print("\n".join(counts))
    print("aligned verses: %d" % (len(rows) - 1))
    if dropped:
        print("non-ASCII characters dropped: " + ", ".join("U+%04X x%d" % (ord(c), n)
                                                          for c, n in sorted(dropped.items())))


if __name__ == "__main__":
    main()
