# shang — the only build entry point (non-recursive GNU make).
#
#   make            build build/shang, build/libshang.{a,so}
#   make test       build and run the whole test suite (tests/run)
#   make test-kernels  the test suite once under each OpenBLAS kernel this CPU runs
#                   (tests/kernels: Haswell, SkylakeX, Cooperlake); asan-kernels likewise
#   make asan       the test suite under AddressSanitizer + UBSan (build/asan/)
#   make strict     build with -Werror (build/strict/)
#   make fuzz       libFuzzer targets under ASan+UBSan, FUZZ_SECONDS each (clang)
#   make demo       install missing Debian packages, build, smoke run
#   make deps       install missing Debian packages (apt-get; needs root)
#   make bench-gemm sgemm GFLOP/s through shang's BLAS wrapper (experiments/bench/gemm)
#   make bench-tokenize  GPT-2 tokenizer vs the JS reference (experiments/bench/tokenize)
#   make bench-analysis  PCA and k-means vs scikit-learn; bench-alias: shang alias at 1M rows;
#   make bench-lens      shang lens vs a PyTorch logit lens
#   make figures    every experiment's figures (experiments/*/figures), resumable
#   make verify     every artefact behind them re-run from its provenance and compared
#   make install PREFIX=/usr/local
#   make clean

BUILD   ?= build
PREFIX  ?= /usr/local
CC      ?= cc
SAN     ?=
WERROR  ?=

# Debian packages: libraries (-dev), tools used by make test / demo, test oracles
DEB_PKGS := build-essential pkg-config libhdf5-dev hdf5-tools libgsl-dev libopenblas-dev libopenblas-openmp-dev \
            liblapacke-dev nettle-dev zlib1g-dev libpcre2-dev libjansson-dev libcmocka-dev gnuplot-nox \
            python3-numpy python3-h5py python3-sklearn

# commands that may come from elsewhere than Debian (a newer node): command:package
DEB_CMDS := node:nodejs npm:npm

# A fresh machine: any goal but deps/clean first checks the Debian packages (one
# dpkg-query) and, as root, installs what is missing (make deps) before the
# compiler flags below are read from pkg-config; otherwise it stops naming them.
ifneq ($(filter-out deps clean,$(or $(MAKECMDGOALS),all)),)
DEPS_MISSING := $(shell dpkg-query -W -f='$${Package} $${Status}\n' $(DEB_PKGS) 2>/dev/null | \
                  awk '$$NF == "installed" { ok[$$1] = 1 } END { n = split("$(DEB_PKGS)", p, " "); \
                  for (i = 1; i <= n; i++) if (!(p[i] in ok)) printf "%s ", p[i] }')
ifneq ($(strip $(DEPS_MISSING)),)
ifeq ($(shell id -u),0)
$(info make: missing Debian packages: $(DEPS_MISSING)- installing them (make deps))
ifneq ($(shell $(MAKE) --no-print-directory deps >&2; echo $$?),0)
$(error make deps failed: install $(DEPS_MISSING)by hand)
endif
else
$(error missing: $(DEPS_MISSING)- run "make deps" as root (apt-get install))
endif
endif
endif

PKGS      := hdf5 gsl openblas lapacke nettle zlib libpcre2-8 jansson
# Debian's OpenMP build of OpenBLAS: its threads are OpenMP's, so sgemm and shang's
# own OpenMP loops share one pool (the pthread build's spinning threads fight
# OpenMP's on 2 cores), and sgemm calls inside a parallel region run single-threaded.
OPENBLAS_DIR := /usr/lib/x86_64-linux-gnu/openblas-openmp
PKG_CONFIG := PKG_CONFIG_PATH=$(OPENBLAS_DIR)/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH)) pkg-config
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# GSL's pkg-config adds its reference CBLAS; OpenBLAS provides those symbols
PKG_LIBS  := $(filter-out -lgslcblas,$(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)) \
             -Wl,--disable-new-dtags -Wl,-rpath,$(OPENBLAS_DIR)

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
           -Wno-unused-parameter -Wvla -Wpointer-arith
OPT     := -O2 -g
# no fast-math: IEEE semantics; no FMA contraction, so results do not depend on
# which instructions a compiler chose
CFLAGS_ALL := -std=gnu11 -D_GNU_SOURCE $(OPT) -fPIC -fopenmp -ffp-contract=off $(WARN) -MMD -MP \
              -Itoolkit/lib -I$(BUILD)/gen $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL := -fopenmp $(LDFLAGS)
LIBS    := $(PKG_LIBS) -lm

ifeq ($(SAN),1)
CFLAGS_ALL  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS_ALL += -fsanitize=address,undefined
endif
ifeq ($(WERROR),1)
CFLAGS_ALL  += -Werror
endif

LIB_SRC := $(wildcard toolkit/lib/shang_*.c)
LIB_OBJ := $(LIB_SRC:toolkit/lib/%.c=$(BUILD)/lib/%.o) $(BUILD)/lib/buildinfo.o
BIN_SRC := $(wildcard toolkit/bin/*.c)
BIN_OBJ := $(BIN_SRC:toolkit/bin/%.c=$(BUILD)/bin/%.o)
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_OBJ := $(BUILD)/tests/testutil.o
BENCH_GEMM := $(BUILD)/bench/bench-gemm
# the installed API: every header but these (used by the library and the shang
# program only; shang.h does not include them)
INTERNAL_H := shang_bpe_learn.h shang_cli.h shang_kernels.h shang_mem.h shang_strmap.h
PUBLIC_H := $(filter-out $(addprefix toolkit/lib/,$(INTERNAL_H)),$(wildcard toolkit/lib/shang*.h))
# the example program, built with pkg-config only against a copy installed under
# $(BUILD)/prefix (make test runs it: tests/cli/test_example.sh)
, := ,
EXAMPLE_PREFIX := $(abspath $(BUILD))/prefix
EXAMPLE := $(BUILD)/examples/alias_pipeline

.SECONDARY:
.PHONY: all test test-kernels asan asan-kernels strict fuzz demo deps install clean bench-gemm bench-tokenize bench-extract bench-train bench-analysis bench-alias bench-lens figures verify FORCE
all: $(BUILD)/shang $(BUILD)/libshang.a $(BUILD)/libshang.so

# the git commit goes into provenance; rewrite the file only when it changes
$(BUILD)/gen/buildinfo.c: FORCE
	@mkdir -p $(@D)
	@c=$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown); \
	 if [ "$$c" != unknown ] && ! git diff --quiet HEAD -- toolkit 2>/dev/null; then c="$$c-dirty"; fi; \
	 printf '#include "shang_version.h"\nconst char *shang_git_commit(void) { return "%s"; }\n' "$$c" > $@.new; \
	 if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

$(BUILD)/lib/buildinfo.o: $(BUILD)/gen/buildinfo.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# the Transformer's, k-means' and the lens' kernels vectorise at -O3 (IEEE semantics kept: no fast-math)
$(BUILD)/lib/shang_kernels.o $(BUILD)/lib/shang_kmeans.o $(BUILD)/lib/shang_lens.o: CFLAGS_ALL += -O3

$(BUILD)/lib/%.o: toolkit/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/bin/%.o: toolkit/bin/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/libshang.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libshang.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libshang.so.0 $(LDFLAGS_ALL) $^ -o $@ $(LIBS)

$(BUILD)/shang: $(BIN_OBJ) $(BUILD)/libshang.a
	$(CC) $(LDFLAGS_ALL) $(BIN_OBJ) $(BUILD)/libshang.a -o $@ $(LIBS)

# ---- tests ----------------------------------------------------------------------
$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests/unit -c $< -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(TEST_OBJ) $(BUILD)/libshang.a
	$(CC) $(LDFLAGS_ALL) $< $(TEST_OBJ) $(BUILD)/libshang.a -o $@ $(LIBS) -lcmocka

test: all $(TEST_BIN) $(BENCH_GEMM) $(EXAMPLE)
	@SAN=$(SAN) tests/run $(BUILD)

$(EXAMPLE): toolkit/examples/alias_pipeline.c $(BUILD)/shang $(BUILD)/libshang.a $(BUILD)/libshang.so \
            $(PUBLIC_H) toolkit/shang.pc.in
	@rm -rf $(EXAMPLE_PREFIX)
	@$(MAKE) --no-print-directory install PREFIX=$(EXAMPLE_PREFIX) >/dev/null
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Werror $(if $(filter 1,$(SAN)),-fsanitize=address$(,)undefined) $< \
	  $$(PKG_CONFIG_PATH=$(EXAMPLE_PREFIX)/lib/pkgconfig pkg-config --cflags --libs shang) \
	  -Wl,-rpath,$(EXAMPLE_PREFIX)/lib -o $@

# libFuzzer (clang): the tokenizers, document splitter and merges.txt parser
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,build/fuzz/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang SAN=1 $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do mkdir -p build/fuzz/corpus/$$(basename $$t); \
	  $$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 -artifact_prefix=build/fuzz/ \
	    build/fuzz/corpus/$$(basename $$t) tests/fuzz/seeds || exit 1; done

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libshang.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer $< $(BUILD)/libshang.a -o $@ $(LIBS)

asan:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 test

# the same bits for any thread count must hold on every kernel, not only the one
# OpenBLAS picks here: the whole suite under each kernel this CPU can run
test-kernels: all $(TEST_BIN) $(BENCH_GEMM) $(EXAMPLE)
	@for k in $$(tests/kernels); do echo "== OPENBLAS_CORETYPE=$$k"; \
	  OPENBLAS_CORETYPE=$$k SAN=$(SAN) tests/run $(BUILD) > $(BUILD)/test-$$k.log 2>&1; rc=$$?; \
	  grep -v '^ok ' $(BUILD)/test-$$k.log; [ $$rc -eq 0 ] || exit 1; done

asan-kernels:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 test-kernels

strict:
	@$(MAKE) --no-print-directory BUILD=build/strict WERROR=1 all $(TEST_BIN:$(BUILD)/%=build/strict/%) $(BENCH_GEMM:$(BUILD)/%=build/strict/%)

# ---- benchmarks -----------------------------------------------------------------
$(BUILD)/bench/%.o: experiments/bench/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BENCH_GEMM): $(BUILD)/bench/gemm/gemm.o $(BUILD)/libshang.a
	$(CC) $(LDFLAGS_ALL) $< $(BUILD)/libshang.a -o $@ $(LIBS)

bench-tokenize: $(BUILD)/shang
	experiments/bench/tokenize/run $(BUILD)/shang

bench-extract: $(BUILD)/shang $(BENCH_GEMM)
	experiments/bench/extract/run $(BUILD)/shang

bench-train: $(BUILD)/shang $(BENCH_GEMM)
	experiments/bench/train/run $(BUILD)/shang

bench-analysis: $(BUILD)/shang
	experiments/bench/analysis/run $(BUILD)/shang

bench-alias: $(BUILD)/shang
	experiments/bench/alias/run $(BUILD)/shang

bench-lens: $(BUILD)/shang
	experiments/bench/lens/run $(BUILD)/shang

# every experiment's figures, one after another (they share experiments/work/;
# each step is a file target, so an interrupted run resumes where it stopped)
EXPERIMENTS := e1-token-identity e2-aliasing e3-token-vs-semantic e4-polysemy e5-synonymy e6-geometry e7-logit-lens \
               e8-trajectories e9-training
figures: $(BUILD)/shang
	@for e in $(EXPERIMENTS); do $(MAKE) --no-print-directory -C experiments/$$e SHANG=$(abspath $(BUILD)/shang) || exit 1; done

# every artefact behind every figure re-run from its provenance and compared (shang verify)
verify: $(BUILD)/shang
	@for e in $(EXPERIMENTS); do $(MAKE) --no-print-directory -C experiments/$$e SHANG=$(abspath $(BUILD)/shang) verify || exit 1; done

bench-gemm: $(BENCH_GEMM)
	experiments/bench/gemm/run $(BENCH_GEMM)

# ---- set-up ---------------------------------------------------------------------
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done; for c in $(DEB_CMDS); do command -v $${c%%:*} >/dev/null || echo $${c#*:}; done); \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; exit 0; fi; \
	echo "deps: missing Debian packages:" $$missing; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "deps: run as root: apt-get install -y --no-install-recommends" $$missing; exit 1; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing

# the headline experiments (E2/E3 at k = 256, E4, E7) on the bundled model, with
# the settings of `make figures` (they share experiments/work/); figures in build/demo
demo: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/shang --version
	@$(MAKE) --no-print-directory -C experiments/demo SHANG=$(abspath $(BUILD)/shang) OUT=$(abspath $(BUILD)/demo)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/shang \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(BUILD)/shang $(DESTDIR)$(PREFIX)/bin/shang
	install -m 644 $(BUILD)/libshang.a $(DESTDIR)$(PREFIX)/lib/libshang.a
	install -m 755 $(BUILD)/libshang.so $(DESTDIR)$(PREFIX)/lib/libshang.so.0
	ln -sf libshang.so.0 $(DESTDIR)$(PREFIX)/lib/libshang.so
	install -m 644 $(PUBLIC_H) $(DESTDIR)$(PREFIX)/include/shang/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|'$$(sed -n 's/.*SHANG_VERSION "\(.*\)"/\1/p' toolkit/lib/shang_version.h)'|' \
	  toolkit/shang.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/shang.pc

clean:
	rm -rf build

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)
