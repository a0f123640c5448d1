/* shang_import — a Hugging Face GPT-2 checkpoint (model.safetensors + config.json)
 * as a shang model. GPT-2's linear layers are "Conv1D" modules that store weights
 * (in, out); shang stores (out, in), so they are transposed. Tensor names with
 * or without the "transformer." prefix are accepted; the attention mask buffers
 * (attn.bias, attn.masked_bias) are ignored; an lm_head.weight must equal wte
 * (shang ties the unembedding). Every tensor's shape is checked against the
 * config, and every model tensor must be found. The tokenizer is loaded
 * separately (shang_bpe_load_gpt2). */
#ifndef SHANG_IMPORT_H
#define SHANG_IMPORT_H

#include "shang_err.h"
#include "shang_gpt.h"

/* Reads n_layer, n_embd, n_head, n_positions (or n_ctx), vocab_size and
 * layer_norm_epsilon from config.json; refuses an activation other than GPT-2's
 * tanh GELU. */
int shang_import_gpt2_config(const char *config_json, shang_gpt_config *cfg) SHANG_MUST_CHECK;
int shang_import_gpt2(const char *safetensors, const char *config_json, shang_gpt **out) SHANG_MUST_CHECK;

#endif
