/* shang.h — the public C API of libshang, in one include.
 *
 * Link with `pkg-config --libs shang`. Every function that can fail returns 0 or a
 * negative SHANG_E* code and leaves a message in shang_err_msg(). Programs that
 * embed the library should call shang_blas_reexec_if_generic(argv) first thing
 * in main (see shang_blas.h) or at least log shang_blas_kernel_advice().
 */
#ifndef SHANG_H
#define SHANG_H

#include "shang_version.h"
#include "shang_err.h"
#include "shang_mem.h"
#include "shang_rng.h"
#include "shang_blas.h"
#include "shang_h5.h"
#include "shang_prov.h"
#include "shang_cli.h"
#include "shang_strmap.h"
#include "shang_text.h"
#include "shang_bpe.h"
#include "shang_tokens.h"
#include "shang_gpt.h"
#include "shang_safetensors.h"
#include "shang_import.h"
#include "shang_tsv.h"
#include "shang_extract.h"
#include "shang_kernels.h"
#include "shang_train.h"
#include "shang_spectrum.h"
#include "shang_ngram.h"
#include "shang_entropy.h"
#include "shang_metrics.h"
#include "shang_heldout.h"
#include "shang_bootstrap.h"
#include "shang_table.h"
#include "shang_alias.h"
#include "shang_geometry.h"
#include "shang_senses.h"
#include "shang_lens.h"
#include "shang_pca.h"
#include "shang_kmeans.h"
#include "shang_states.h"

#endif
