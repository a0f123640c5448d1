"""h5py reads a shang.tokens artefact written by `shang tokenize`, and its
contents agree with an independent reading of the corpus: documents per the
blank-line rule, offsets that rebuild every document from the token strings."""
import os
import subprocess
import sys
import gzip

import h5py
import numpy as np

from tap import check, done


tmp = os.environ.get("SHANG_TEST_TMP", "/tmp")
shang = os.environ.get("SHANG", "build/shang")
src = "datasets/corpus/devil.valid.txt.gz"
out = os.path.join(tmp, "devil.gpt2.tokens.h5")
subprocess.run([shang, "tokenize", "-q", "--gpt2", "datasets/gpt2", "-o", out, src], check=True)
text = gzip.open(src, "rb").read()
docs = [d for d in text.split(b"\n\n") if d.strip(b"\n")]
with h5py.File(out, "r") as f:
    check("format", f.attrs["shang_format"] == "shang.tokens")
    tok = f["tokens"][...]
    doc = f["doc"][...]
    off = f["offset"][...]
    first = f["doc_first"][...]
    strs = f["tokenizer/tokens"][...]
    check("int32 tokens", tok.dtype == np.int32)
    check("document count matches the blank-line rule", len(first) == len(docs), (len(first), len(docs)))
    # GPT-2's byte-to-unicode map, written independently here
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:] + [256 + i for i in range(256 - len(bs))]
    bs += [b for b in range(256) if b not in bs]
    dec = {chr(c): b for b, c in zip(bs, cs)}
    to_bytes = lambda s: bytes(dec[ch] for ch in (s.decode() if isinstance(s, bytes) else s))
    ok_docs = True
    for d in range(len(first)):
        a = first[d]
        b = first[d + 1] if d + 1 < len(first) else len(tok)
        rebuilt = b"".join(to_bytes(strs[t]) for t in tok[a:b])
        want = docs[d] + (b"\n" if not docs[d].endswith(b"\n") else b"")
        ok_docs &= rebuilt == want and np.all(doc[a:b] == d) and off[a] == 0
    check("tokens rebuild every document", ok_docs)
    check("provenance names the verb", f["provenance"].attrs["verb"] == "tokenize")
done()
