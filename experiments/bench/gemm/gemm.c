/* bench/gemm — sgemm GFLOP/s through shang's BLAS wrapper at the Transformer's
 * linear-layer shapes (M = B*T rows, K -> N features), for 1 and 2 threads, and
 * OpenBLAS called directly with its own threads in the same run (the partitioning
 * that depends on the thread count, which shang's fixed tiles replace).
 * Prints a TSV table on stdout (kernel, threads, M, K, N, seconds, GFLOP/s,
 * OpenBLAS's seconds and GFLOP/s) and,
 * with --out, writes it as a shang.bench artefact with provenance. Starts like
 * `shang` does, so it runs under the kernel shang would use. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "shang.h"
#include "shang_mem.h"
#include "shang_cli.h"

#include <cblas.h> /* after shang.h: its complex.h defines I */

static void usage(FILE *out)
{
    fprintf(out, "Usage: gemm [--quick] [--out FILE.h5] [--max-threads N]\n\n"
                 "  --quick          M = 512 and two shapes (a smoke run, about a second)\n"
                 "  --out FILE.h5    also write the table as a shang.bench artefact\n"
                 "  --max-threads N  measure 1..N threads (default 2)\n");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void product(int direct, size_t M, size_t N, size_t K, const float *A, const float *B, float *C)
{
    if (direct)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)N, (int)K, 1, A, (int)K, B, (int)K, 0, C,
                    (int)N);
    else
        shang_sgemm(false, true, M, N, K, 1, A, K, B, K, 0, C, N);
}

/* median seconds of one sgemm over at least 5 runs and 0.5 s (after a warm-up);
 * direct: OpenBLAS's cblas_sgemm with its own threads instead of shang's tiles */
static double time_sgemm(int direct, size_t M, size_t N, size_t K, const float *A, const float *B, float *C)
{
    double t[64];
    int n = 0;
    product(direct, M, N, K, A, B, C); /* warm-up */
    double start = shang_now();
    while (n < 64 && (n < 5 || shang_now() - start < 0.5)) {
        double t0 = shang_now();
        product(direct, M, N, K, A, B, C);
        t[n++] = shang_now() - t0;
    }
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[n / 2];
}

int main(int argc, char **argv)
{
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "gemm: warning: %s\n", shang_err_msg());
    gsl_set_error_handler_off();
    static const struct option opts[] = {{"quick", no_argument, 0, 'q'},
                                         {"out", required_argument, 0, 'o'},
                                         {"max-threads", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int quick = 0, max_threads = 2, c;
    const char *out = NULL;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'q': quick = 1; break;
        case 'o': out = optarg; break;
        case 't':
            if (shang_parse_int(optarg, 1, 256, &max_threads)) {
                fprintf(stderr, "gemm: --max-threads: %s\n", shang_err_msg());
                return SHANG_EXIT_USAGE;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return SHANG_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "gemm: unexpected argument '%s'\n", argv[optind]);
        return SHANG_EXIT_USAGE;
    }
    /* (K, N): qkv, attn proj, MLP up, MLP down at d = 256 and 768, and 1024 */
    static const size_t full[][2] = {{256, 768},  {256, 256},   {256, 1024}, {1024, 256},
                                     {768, 2304}, {768, 768},   {768, 3072}, {3072, 768},
                                     {1024, 1024}, {256, 8192}};
    static const size_t small[][2] = {{256, 768}, {768, 768}};
    const size_t(*shapes)[2] = quick ? small : full;
    size_t n_shapes = quick ? 2 : sizeof full / sizeof *full, M = quick ? 512 : 4096;
    size_t n_rows = n_shapes * (size_t)max_threads;
    int64_t *th = calloc(n_rows, 8), *mm = calloc(n_rows, 8), *kk = calloc(n_rows, 8),
            *nn = calloc(n_rows, 8);
    double *sec = calloc(n_rows, 8), *gf = calloc(n_rows, 8), *osec = calloc(n_rows, 8), *ogf = calloc(n_rows, 8);
    float *A = shang_alloc(M * 3072, 4, "A"), *B = shang_alloc(3072 * 8192, 4, "B"),
          *C = shang_alloc(M * 8192, 4, "C");
    if (!th || !mm || !kk || !nn || !sec || !gf || !osec || !ogf || !A || !B || !C) {
        fprintf(stderr, "gemm: out of memory\n");
        return 1;
    }
    /* open the output first: a bad path fails before minutes of measuring, and a
     * killed run leaves only the temporary file */
    shang_h5_file *f = NULL;
    int rc = out ? shang_h5_create(out, "shang.bench", 1, &f) : 0;
    if (rc) {
        fprintf(stderr, "gemm: %s\n", shang_err_msg());
        return shang_err_exit_status(rc);
    }
    gsl_rng *r;
    if (shang_rng_new(SHANG_DEFAULT_SEED, SHANG_STREAM_TEST, 0, &r)) return 1;
    for (size_t i = 0; i < M * 3072; i++) A[i] = (float)gsl_rng_uniform(r) - 0.5f;
    for (size_t i = 0; i < 3072 * 8192; i++) B[i] = (float)gsl_rng_uniform(r) - 0.5f;
    shang_rng_free(r);
    printf("kernel\tthreads\tM\tK\tN\tseconds\tgflops\topenblas_seconds\topenblas_gflops\n");
    size_t row = 0;
    for (int t = 1; t <= max_threads; t++) {
        shang_threads_set(t);
        for (size_t s = 0; s < n_shapes; s++, row++) {
            size_t K = shapes[s][0], N = shapes[s][1];
            double secs = time_sgemm(0, M, N, K, A, B, C), osecs = time_sgemm(1, M, N, K, A, B, C);
            th[row] = t;
            mm[row] = (int64_t)M;
            kk[row] = (int64_t)K;
            nn[row] = (int64_t)N;
            sec[row] = secs;
            gf[row] = 2.0 * (double)M * (double)N * (double)K / secs / 1e9;
            osec[row] = osecs;
            ogf[row] = 2.0 * (double)M * (double)N * (double)K / osecs / 1e9;
            printf("%s\t%d\t%zu\t%zu\t%zu\t%.6f\t%.1f\t%.6f\t%.1f\n", shang_blas_kernel(), t, M, K, N, secs, gf[row],
                   osecs, ogf[row]);
            fflush(stdout);
        }
    }
    if (out) {
        static const char *const R[] = {"R"};
        size_t d[1] = {n_rows};
        shang_prov *p = NULL;
        rc = shang_prov_new("bench-gemm", argc, argv, &p);
        if (!rc) rc = shang_prov_i64(p, "quick", quick);
        if (!rc) rc = shang_prov_i64(p, "max_threads", max_threads);
        if (!rc) rc = shang_h5_attr_str(f->id, "benchmark", "sgemm C(M,N) = A(M,K) B(N,K)^T, float32, row-major");
        if (!rc) rc = shang_h5_write(f->id, "threads", SHANG_DT_I64, 1, d, th, R, "threads used", NULL);
        if (!rc) rc = shang_h5_write(f->id, "M", SHANG_DT_I64, 1, d, mm, R, "rows of A and C", NULL);
        if (!rc) rc = shang_h5_write(f->id, "K", SHANG_DT_I64, 1, d, kk, R, "inner dimension", NULL);
        if (!rc) rc = shang_h5_write(f->id, "N", SHANG_DT_I64, 1, d, nn, R, "columns of C", NULL);
        if (!rc) rc = shang_h5_write(f->id, "seconds", SHANG_DT_F64, 1, d, sec, R, "median seconds per sgemm", NULL);
        if (!rc) rc = shang_h5_write(f->id, "gflops", SHANG_DT_F64, 1, d, gf, R, "2 M N K / seconds / 1e9", NULL);
        if (!rc)
            rc = shang_h5_write(f->id, "openblas_seconds", SHANG_DT_F64, 1, d, osec, R,
                                "median seconds per cblas_sgemm called directly (OpenBLAS's own threads)", NULL);
        if (!rc)
            rc = shang_h5_write(f->id, "openblas_gflops", SHANG_DT_F64, 1, d, ogf, R,
                                "2 M N K / openblas_seconds / 1e9", NULL);
        if (!rc) rc = shang_prov_commit(p, &f);
        shang_h5_abort(f); /* NULL once committed */
        shang_prov_free(p);
        if (rc) fprintf(stderr, "gemm: %s\n", shang_err_msg());
    }
    free(th); free(mm); free(kk); free(nn); free(sec); free(gf); free(osec); free(ogf);
    free(A); free(B); free(C);
    return rc ? shang_err_exit_status(rc) : 0;
}
