/* shang_safetensors — a strict reader of the safetensors format (Hugging Face):
 * 8 bytes little-endian header length N, N bytes of JSON header mapping tensor
 * names to {dtype, shape, data_offsets: [begin, end)} (and optional
 * "__metadata__"), then the data. Checked: N fits the file and is at most 100 MB;
 * the header is a JSON object; every dtype is known; shapes are non-negative;
 * each tensor's byte size is shape x dtype size; offsets lie inside the data and
 * tile it exactly (no gaps, no overlaps). F32, F16 and BF16 tensors are read as
 * float32; other dtypes are refused when read. Errors name the file and tensor.
 */
#ifndef SHANG_SAFETENSORS_H
#define SHANG_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

typedef struct shang_st_tensor {
    char *name;
    char dtype[8]; /* "F32", "F16", "BF16", ... */
    int rank;
    size_t dims[8];
    uint64_t begin, end; /* byte range relative to the data section */
} shang_st_tensor;

typedef struct shang_safetensors {
    char *path;
    int fd;
    uint64_t data_start, data_size;
    size_t n;
    shang_st_tensor *t;
} shang_safetensors;

int shang_st_open(const char *path, shang_safetensors **out) SHANG_MUST_CHECK;
void shang_st_close(shang_safetensors *s);
const shang_st_tensor *shang_st_find(const shang_safetensors *s, const char *name);
/* Reads a tensor as float32 into out (its element count). */
int shang_st_read_f32(const shang_safetensors *s, const shang_st_tensor *t, float *out) SHANG_MUST_CHECK;
size_t shang_st_numel(const shang_st_tensor *t);

/* IEEE half and bfloat16 to float (exact). */
float shang_f16_to_f32(uint16_t h);
float shang_bf16_to_f32(uint16_t h);

#endif
