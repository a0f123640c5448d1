/* shang_rng — see shang_rng.h. */
#include "shang_rng.h"

uint64_t shang_rng_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t shang_rng_derive(uint64_t master, int stream, uint64_t index)
{
    uint64_t h = shang_rng_mix64(master);
    h = shang_rng_mix64(h ^ ((uint64_t)(unsigned)stream * 0xd1b54a32d192ed03ULL));
    return shang_rng_mix64(h ^ index);
}

int shang_rng_new(uint64_t master, int stream, uint64_t index, gsl_rng **out)
{
    *out = NULL;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r) return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate a random generator");
    uint64_t s = shang_rng_derive(master, stream, index);
    /* MT19937 takes 32 bits of seed; fold both halves in. GSL maps seed 0 to its
     * default seed, so 0 is replaced by a fixed non-zero value. */
    unsigned long s32 = (unsigned long)((s ^ (s >> 32)) & 0xffffffffULL);
    gsl_rng_set(r, s32 ? s32 : 0x6a09e667UL);
    *out = r;
    return SHANG_OK;
}

void shang_rng_free(gsl_rng *r)
{
    if (r) gsl_rng_free(r);
}
