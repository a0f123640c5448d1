/* shang.h — the public C API of libshang, in one include.
 *
 * The map, bottom to top (toolkit/ARCHITECTURE.md says who owns what). **Base**:
 * error codes and the thread-local message every call leaves on failure, seeded
 * random streams, and the one door to BLAS/LAPACK. **I/O**: HDF5 artefacts written
 * through a temporary file and stamped with provenance, result tables, strict TSV and
 * corpus-text readers, and the states file that `shang extract` writes. **Model**:
 * byte-level BPE tokenizers, tokenised corpora, the GPT-2 architecture (forward,
 * backward, training), Hugging Face import, hidden-state extraction, and token-space
 * n-gram models. **Analysis**: PCA and k-means on states, entropy estimators and
 * information between labelings, held-out cross-entropy (add-alpha, and tuned by
 * cross-validation: shang_smooth), exchange token classes, document bootstrap, the
 * aliasing decomposition, geometry, polysemy and synonymy, the logit lens, and weight
 * spectra. A module uses modules of its own layer or below.
 *
 * Link with `pkg-config --cflags --libs shang`. Every function that can fail returns 0
 * or a negative SHANG_E* code and leaves a message in shang_err_msg(); arrays a
 * function hands back are freed with free(). Programs that embed the library should
 * call shang_blas_reexec_if_generic(argv) first thing in main (see shang_blas.h), or
 * at least log shang_blas_kernel_advice().
 *
 * Internal headers (shang_cli.h: number parsing and progress; shang_mem.h: checked
 * allocation; shang_strmap.h: the string map; shang_kernels.h: the Transformer's
 * kernels; shang_bpe_learn.h: learning merges) are used by the library and the
 * `shang` program and are not installed.
 */
#ifndef SHANG_H
#define SHANG_H

/* ---- base ---------------------------------------------------------------------- */
#include "shang_version.h"
#include "shang_err.h"
#include "shang_rng.h"
#include "shang_blas.h"

/* ---- I/O ----------------------------------------------------------------------- */
#include "shang_h5.h"
#include "shang_prov.h"
#include "shang_table.h"
#include "shang_tsv.h"
#include "shang_text.h"
#include "shang_states.h"

/* ---- model --------------------------------------------------------------------- */
#include "shang_bpe.h"
#include "shang_tokens.h"
#include "shang_gpt.h"
#include "shang_safetensors.h"
#include "shang_import.h"
#include "shang_extract.h"
#include "shang_train.h"
#include "shang_ngram.h"

/* ---- analysis ------------------------------------------------------------------ */
#include "shang_pca.h"
#include "shang_kmeans.h"
#include "shang_entropy.h"
#include "shang_metrics.h"
#include "shang_heldout.h"
#include "shang_smooth.h"
#include "shang_exchange.h"
#include "shang_bootstrap.h"
#include "shang_alias.h"
#include "shang_geometry.h"
#include "shang_senses.h"
#include "shang_lens.h"
#include "shang_spectrum.h"

#endif
