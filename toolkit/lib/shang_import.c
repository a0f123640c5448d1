/* shang_import — see shang_import.h. */
#include "shang_import.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shang_mem.h"
#include "shang_safetensors.h"

static int cfg_int(json_t *root, const char *path, const char *a, const char *b, int *out)
{
    json_t *v = json_object_get(root, a);
    if (!v && b) v = json_object_get(root, b);
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > (1 << 24))
        return SHANG_FAIL(SHANG_EFORMAT, "%s: '%s' is missing or not a positive integer", path, a);
    *out = (int)json_integer_value(v);
    return SHANG_OK;
}

int shang_import_gpt2_config(const char *path, shang_gpt_config *c)
{
    json_error_t e;
    json_t *root = json_load_file(path, 0, &e);
    if (!root) return SHANG_FAIL(SHANG_EFORMAT, "%s: line %d: %s", path, e.line, e.text);
    int rc = SHANG_OK;
    if (!json_is_object(root)) rc = SHANG_FAIL(SHANG_EFORMAT, "%s: not a JSON object", path);
    if (!rc) rc = cfg_int(root, path, "n_layer", NULL, &c->L);
    if (!rc) rc = cfg_int(root, path, "n_embd", NULL, &c->C);
    if (!rc) rc = cfg_int(root, path, "n_head", NULL, &c->NH);
    if (!rc) rc = cfg_int(root, path, "n_positions", "n_ctx", &c->T);
    if (!rc) rc = cfg_int(root, path, "vocab_size", NULL, &c->V);
    json_t *eps = json_object_get(root, "layer_norm_epsilon");
    c->eps = json_is_number(eps) ? (float)json_number_value(eps) : 1e-5f;
    json_t *act = json_object_get(root, "activation_function");
    const char *a = json_is_string(act) ? json_string_value(act) : "gelu_new";
    if (!rc && strcmp(a, "gelu_new") && strcmp(a, "gelu_pytorch_tanh"))
        rc = SHANG_FAIL(SHANG_EUNSUPPORTED, "%s: activation '%s'; shang runs GPT-2's tanh GELU (gelu_new)", path, a);
    if (!rc) rc = shang_gpt_config_check(c);
    if (rc) shang_err_prefix("%s", path);
    json_decref(root);
    return rc;
}

/* finds "name" or "transformer.name" */
static const shang_st_tensor *find(const shang_safetensors *s, const char *name)
{
    const shang_st_tensor *t = shang_st_find(s, name);
    if (t) return t;
    char buf[256];
    snprintf(buf, sizeof buf, "transformer.%s", name);
    return shang_st_find(s, buf);
}

/* Reads tensor `name` of shape (rows, cols) (or (rows) if cols == 0) into dst; if
 * `transpose`, the file holds (cols, rows) and dst gets its transpose. */
static int load(const shang_safetensors *s, const char *name, size_t rows, size_t cols, int transpose, float *dst,
                float *scratch)
{
    const shang_st_tensor *t = find(s, name);
    if (!t) return SHANG_FAIL(SHANG_EFORMAT, "%s: tensor '%s' is missing", s->path, name);
    size_t d0 = transpose ? cols : rows, d1 = transpose ? rows : cols;
    int ok = cols ? t->rank == 2 && t->dims[0] == d0 && t->dims[1] == d1 : t->rank == 1 && t->dims[0] == rows;
    if (!ok)
        return SHANG_FAIL(SHANG_EFORMAT, "%s: tensor '%s' has shape (%zu%s%zu), the config implies (%zu%s%zu)", s->path,
                          name, t->dims[0], t->rank > 1 ? ", " : "", t->rank > 1 ? t->dims[1] : 0, d0, cols ? ", " : "",
                          cols ? d1 : 0);
    if (!transpose) return shang_st_read_f32(s, t, dst);
    int rc = shang_st_read_f32(s, t, scratch);
    if (rc) return rc;
    /* scratch (cols, rows) -> dst (rows, cols) */
    for (size_t i = 0; i < cols; i++)
        for (size_t j = 0; j < rows; j++) dst[j * cols + i] = scratch[i * rows + j];
    return SHANG_OK;
}

int shang_import_gpt2(const char *safetensors, const char *config_json, shang_gpt **out)
{
    *out = NULL;
    shang_gpt_config c;
    int rc = shang_import_gpt2_config(config_json, &c);
    if (rc) return rc;
    shang_safetensors *s;
    if ((rc = shang_st_open(safetensors, &s))) return rc;
    shang_gpt *m = NULL;
    float *scratch = NULL;
    if ((rc = shang_gpt_new(&c, &m))) goto done;
    size_t C = (size_t)c.C, F = 4 * C;
    scratch = shang_alloc(F * C > (size_t)c.V * C ? F * C : (size_t)c.V * C, sizeof(float), "import scratch");
    if (!scratch) {
        rc = shang_err_code();
        goto done;
    }
    char n[128];
    if ((rc = load(s, "wte.weight", (size_t)c.V, C, 0, m->p[SHANG_P_WTE], scratch)) ||
        (rc = load(s, "wpe.weight", (size_t)c.T, C, 0, m->p[SHANG_P_WPE], scratch)) ||
        (rc = load(s, "ln_f.weight", C, 0, 0, m->p[SHANG_P_LNF_W], scratch)) ||
        (rc = load(s, "ln_f.bias", C, 0, 0, m->p[SHANG_P_LNF_B], scratch)))
        goto done;
    for (int l = 0; l < c.L && !rc; l++) {
        size_t lc = (size_t)l * C;
#define LOAD(suffix, rows, cols, tr, dst) \
    (snprintf(n, sizeof n, "h.%d.%s", l, suffix), load(s, n, rows, cols, tr, dst, scratch))
        if ((rc = LOAD("ln_1.weight", C, 0, 0, m->p[SHANG_P_LN1_W] + lc)) ||
            (rc = LOAD("ln_1.bias", C, 0, 0, m->p[SHANG_P_LN1_B] + lc)) ||
            (rc = LOAD("attn.c_attn.weight", 3 * C, C, 1, m->p[SHANG_P_QKV_W] + lc * 3 * C)) ||
            (rc = LOAD("attn.c_attn.bias", 3 * C, 0, 0, m->p[SHANG_P_QKV_B] + 3 * lc)) ||
            (rc = LOAD("attn.c_proj.weight", C, C, 1, m->p[SHANG_P_ATTPROJ_W] + lc * C)) ||
            (rc = LOAD("attn.c_proj.bias", C, 0, 0, m->p[SHANG_P_ATTPROJ_B] + lc)) ||
            (rc = LOAD("ln_2.weight", C, 0, 0, m->p[SHANG_P_LN2_W] + lc)) ||
            (rc = LOAD("ln_2.bias", C, 0, 0, m->p[SHANG_P_LN2_B] + lc)) ||
            (rc = LOAD("mlp.c_fc.weight", F, C, 1, m->p[SHANG_P_FC_W] + lc * F)) ||
            (rc = LOAD("mlp.c_fc.bias", F, 0, 0, m->p[SHANG_P_FC_B] + 4 * lc)) ||
            (rc = LOAD("mlp.c_proj.weight", C, F, 1, m->p[SHANG_P_FCPROJ_W] + lc * F)) ||
            (rc = LOAD("mlp.c_proj.bias", C, 0, 0, m->p[SHANG_P_FCPROJ_B] + lc)))
            break;
#undef LOAD
    }
    const shang_st_tensor *head = rc ? NULL : shang_st_find(s, "lm_head.weight");
    if (head) { /* must be the tied embedding */
        if (head->rank != 2 || head->dims[0] != (size_t)c.V || head->dims[1] != C) {
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s: lm_head.weight does not have wte's shape", safetensors);
        } else if (!(rc = shang_st_read_f32(s, head, scratch)) &&
                   memcmp(scratch, m->p[SHANG_P_WTE], (size_t)c.V * C * sizeof(float))) {
            rc = SHANG_FAIL(SHANG_EUNSUPPORTED, "%s: lm_head.weight differs from wte; shang needs a tied unembedding",
                            safetensors);
        }
    }
    for (size_t k = 0; !rc && k < m->n_params; k++)
        if (!isfinite(m->params[k])) rc = SHANG_FAIL(SHANG_ENUMERIC, "%s: a weight is NaN or infinite", safetensors);
done:
    free(scratch);
    shang_st_close(s);
    if (rc) shang_gpt_free(m);
    else *out = m;
    return rc;
}
