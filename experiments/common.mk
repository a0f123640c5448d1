# experiments/common.mk — the pipeline the experiments share, included by each
# experiment's Makefile: extract -> pca -> cluster (per k) -> alias -> export,
# and the token-space n-gram entropies. Outputs go to $(WORK) (not in git),
# shared by the experiments, so E2 and E3 compute the states and clusters once.
# Every step is one shang command whose provenance is stored in its output.
#
#   MODEL   the model file            [datasets/models/shang-6l.h5]
#   SPLIT   corpus split of the texts [test: books the model never saw]
#   TOKENS  positions extracted       [200000]
#   DIMS    PCA components            [50]
#   KS      cluster counts swept      [64 256 1024]
#   BOOT    bootstrap replicates      [100]
#   SEED    every random choice       [42]
#   HELDOUT share of documents held out [0.2]: PCA, k-means and every smoother
#           are fitted on the others only; alias scores the held-out ones
#   PARALLEL files rendering one text  [kjv.,web.]: a chapter's renderings are
#           held out, folded and resampled together
#   SEEDS   repeats of the k = KR chain with other seeds (split, folds, k-means,
#           bootstrap all move) [43 44], KR [256]

.DEFAULT_GOAL := all
ROOT   := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
SHANG  ?= $(ROOT)/build/shang
MODEL  ?= $(ROOT)/datasets/models/shang-6l.h5
SPLIT  ?= test
TOKENS ?= 200000
DIMS   ?= 50
KS     ?= 64 256 1024
BOOT   ?= 100
SEED   ?= 42
HELDOUT ?= 0.2
PARALLEL ?= kjv.,web.
SEEDS  ?= 43 44
KR     ?= 256
SPLITOPTS = --heldout $(HELDOUT) --parallel $(PARALLEL)
WORK   ?= $(ROOT)/experiments/work/$(basename $(notdir $(MODEL)))-$(SPLIT)-$(TOKENS)
TEXTS  := $(sort $(wildcard $(ROOT)/datasets/corpus/*.$(SPLIT).txt.gz))
TRAIN  := $(sort $(wildcard $(ROOT)/datasets/corpus/*.train.txt.gz))
GP     := cd $(ROOT) && gnuplot -c

$(SHANG):
	$(MAKE) -C $(ROOT) build/shang

# states of every layer; the first position of each document is left out of
# PCA and clustering (outlier states), which the outputs record
$(WORK)/states.h5: $(MODEL) | $(SHANG)
	@mkdir -p $(WORK)
	$(SHANG) extract -q -m $(MODEL) --max-tokens $(TOKENS) -o $@ $(TEXTS)

$(WORK)/pca.h5: $(WORK)/states.h5
	$(SHANG) pca -q -i $< -k $(DIMS) --exclude-first $(SPLITOPTS) --seed $(SEED) -o $@

# Lloyd's algorithm: on these 50-dimensional states it gives Yinyang's labels and
# centres bit for bit, faster (k = 256, 7 layers: 159 s against 194 s; k = 1024,
# 30 iterations of one layer: 44 s against 56 s)
$(WORK)/clusters-k%.h5: $(WORK)/states.h5 $(WORK)/pca.h5
	$(SHANG) cluster -q -i $< --pca $(WORK)/pca.h5 -k $* --exclude-first $(SPLITOPTS) --seed $(SEED) --algorithm lloyd -o $@

$(WORK)/alias-k%.h5: $(WORK)/states.h5 $(WORK)/clusters-k%.h5
	$(SHANG) alias -q -s $< -c $(WORK)/clusters-k$*.h5 $(SPLITOPTS) --bootstrap $(BOOT) --seed $(SEED) -o $@

# the k = KR chain again under other seeds: another split, other folds, other
# k-means starts, other replicates (what moves the answer besides resampling)
$(WORK)/seed-%/pca.h5: $(WORK)/states.h5
	@mkdir -p $(@D)
	$(SHANG) pca -q -i $< -k $(DIMS) --exclude-first $(SPLITOPTS) --seed $* -o $@

$(WORK)/seed-%/clusters.h5: $(WORK)/states.h5 $(WORK)/seed-%/pca.h5
	$(SHANG) cluster -q -i $< --pca $(WORK)/seed-$*/pca.h5 -k $(KR) --exclude-first $(SPLITOPTS) --seed $* --algorithm lloyd -o $@

$(WORK)/seed-%/alias.h5: $(WORK)/states.h5 $(WORK)/seed-%/clusters.h5
	$(SHANG) alias -q -s $< -c $(WORK)/seed-$*/clusters.h5 $(SPLITOPTS) --bootstrap $(BOOT) --seed $* -o $@

$(WORK)/seed-%/alias-layers.tsv: $(WORK)/seed-%/alias.h5
	$(SHANG) export -q $< layers -o $@

$(WORK)/alias-k%-layers.tsv: $(WORK)/alias-k%.h5
	$(SHANG) export -q $< layers -o $@

$(WORK)/alias-k%-tokens.tsv: $(WORK)/alias-k%.h5
	$(SHANG) export -q $< tokens -o $@

$(WORK)/alias-k%-clusters.tsv: $(WORK)/alias-k%.h5
	$(SHANG) export -q $< clusters -o $@

# the logit lens over the same texts, in windows of 256 that overlap by one token
# (each position once, positions 1..255 about equally often), with the
# repeated-sequence probe drawn from the 1000 most frequent tokens
LENS_STRIDE ?= 255
$(WORK)/lens.h5: $(MODEL) | $(SHANG)
	@mkdir -p $(WORK)
	$(SHANG) lens -q -m $(MODEL) --max-tokens $(TOKENS) --stride $(LENS_STRIDE) --repeat 50 --repeat-seqs 100 \
	    --repeat-vocab 1000 --bootstrap $(BOOT) --seed $(SEED) -o $@ $(TEXTS)

$(WORK)/lens-%.tsv: $(WORK)/lens.h5
	$(SHANG) export -q $< $* -o $@

# token-space entropies: n-gram models fit on the training split, scored on SPLIT
$(WORK)/ngram.h5: $(MODEL) | $(SHANG)
	@mkdir -p $(WORK)
	$(SHANG) ngram -q -m $(MODEL) --train $(TRAIN) --eval $(TEXTS) -o $@ > /dev/null

$(WORK)/ngram.tsv: $(WORK)/ngram.h5
	$(SHANG) export -q $< ngram -o $@

# make verify: every artefact behind the experiment's figures (its VERIFY list)
# re-run from the provenance recorded in it and compared with it (shang verify)
verify: all
	$(SHANG) verify $(VERIFY)

.PHONY: verify

# Every experiment lists its artefacts in VERIFY and names them as targets
# (`$(VERIFY):` after the list), so none is an intermediate file: make neither
# deletes them after a run nor takes a figure for up to date when they are gone.
# (A blanket .SECONDARY did the second; .PRECIOUS with a folder pattern does not
# stop the first.)
.DELETE_ON_ERROR:
