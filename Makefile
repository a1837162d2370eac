# stp - the STP self-play theorem prover as a pipeline of small C tools
#
#   make                 build every tool into bin/
#   make check           install missing Debian packages, build, run the C unit
#                        tests and the bats tests (tests/)
#   make deps            install missing Debian packages (tools/deps)
#   make SANITIZE=1 ...  build with AddressSanitizer + UndefinedBehaviorSanitizer
#   make data            build data/mm-pc/ from Debian's set.mm
#   make bench-verify    run bench/verify
#
# Developer builds: make DEVELOPER=1 adds -Werror.

CC       ?= cc
CFLAGS   ?= -O2 -g
STP_WARN  = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter -Wpointer-arith -Wformat=2
ifeq ($(DEVELOPER),1)
STP_WARN += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
BUILD     = build/san
else
BUILD     = build/opt
endif

PKGS      = jansson yaml-0.1 libxxhash zlib openblas
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread -Ilib $(STP_WARN) $(PKG_CFLAGS) $(CFLAGS)
LIBS       = $(PKG_LIBS) -lpthread -lm

.DELETE_ON_ERROR:
.SUFFIXES:

# The trusted Metamath kernel depends on libc alone; it is its own archive.
MM_SRC    = $(wildcard lib/mm/*.c)
LIB_SRC   = $(wildcard lib/*.c lib/mmsteps/*.c lib/model/*.c)
MM_OBJ    = $(MM_SRC:%.c=$(BUILD)/%.o)
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/%.o)
TOOLS     = $(patsubst %/main.c,%,$(wildcard stp-*/main.c tools/*/main.c))
BINS      = $(addprefix bin/,$(notdir $(TOOLS)))
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Test tools (tests/tools/X.c -> $(BUILD)/tests/tools/X), used by the bats tests.
TTOOL_SRC = $(wildcard tests/tools/*.c)
TTOOL_BIN = $(TTOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)

all: $(BINS) $(TTOOL_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libmm.a: $(MM_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libstp.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# build/flavour records which build bin/ holds, so that switching between
# SANITIZE=1 and a plain build relinks the tools.
FLAVOUR_NOW := $(shell cat build/flavour 2>/dev/null)
ifneq ($(FLAVOUR_NOW),$(BUILD))
$(shell mkdir -p build && echo $(BUILD) > build/flavour)
endif

# A tool is its folder's main.c (and any other .c in the folder).
define tool_rule
bin/$(notdir $(1)): $$(patsubst %.c,$(BUILD)/%.o,$$(wildcard $(1)/*.c)) $(BUILD)/libstp.a $(BUILD)/libmm.a build/flavour
	@mkdir -p bin
	$$(CC) $$(ALL_CFLAGS) $$(LDFLAGS) -o $$@ $$(filter %.o %.a,$$^) $$(LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libstp.a $(BUILD)/libmm.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libstp.a $(BUILD)/libmm.a $(LIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libstp.a $(BUILD)/libmm.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libstp.a $(BUILD)/libmm.a $(LIBS)

# Unit tests that need the mm-pc database find it through STP_PC_MM
# (make check builds it first).
unit: $(UNIT_BIN)
	@set -e; export STP_PC_MM=$${STP_PC_MM:-$(CURDIR)/data/mm-pc/pc.mm}; \
	for t in $(UNIT_BIN); do echo "unit: $$t"; $$t; done

# check installs what is missing first, then builds in a fresh make (so that
# pkg-config sees the packages just installed).
check:
	tools/deps
	$(MAKE) all
	$(MAKE) data
	$(MAKE) unit
	bats tests

deps:
	tools/deps

data: data/mm-pc/statements.jsonl

SET_MM ?= /usr/share/metamath/databases/set.mm

data/mm-pc/statements.jsonl: bin/stp-mmdata
	@test -r $(SET_MM) || { echo "make data: $(SET_MM) missing: install the Debian package metamath-databases (make deps)" >&2; exit 66; }
	bin/stp-mmdata --set-mm $(SET_MM) --out data/mm-pc

bench-verify: all
	bench/verify

# ---- runs: runs/RUN/iter-NNN/, every stage one file (SPEC §5)
#
#   make sft            iteration 0: supervised training on the human proofs
#   make eval N=k       pass@1, 8, 32 on `test` with iteration k's model
#   make demo           deps, build, data, sft, eval
RUN    ?= demo
CONFIG ?= configs/small.yaml
N      ?= 0
R       = runs/$(RUN)
I0      = $(R)/iter-000
IN      = $(R)/iter-$(shell printf %03d $(N))
DATA    = data/mm-pc

$(R)/config.yaml: $(CONFIG)
	@mkdir -p $(R)
	cp $(CONFIG) $@

# the human proofs, verified (their lemmas feed the conjecturer examples)
$(I0)/human.jsonl: $(DATA)/statements.jsonl bin/stp-verify $(R)/config.yaml
	@mkdir -p $(I0)
	bin/stp-verify -q -c $(R)/config.yaml --db $(DATA)/pc.mm -o $@ $(DATA)/proofs.jsonl

$(I0)/examples.jsonl: $(I0)/human.jsonl bin/stp-sftdata
	bin/stp-sftdata --db $(DATA)/pc.mm -o $@ $(I0)/human.jsonl $(DATA)/statements.jsonl

$(I0)/model.safetensors: $(I0)/examples.jsonl bin/stp-train $(R)/config.yaml
	bin/stp-train -c $(R)/config.yaml --db $(DATA)/pc.mm -o $@ $(I0)/examples.jsonl

$(R)/test.jsonl: $(DATA)/statements.jsonl
	@mkdir -p $(R)
	grep '"split":"test"' $< >$@.tmp && mv $@.tmp $@

$(IN)/eval/attempts.jsonl: $(IN)/model.safetensors $(R)/test.jsonl bin/stp-prove
	@mkdir -p $(IN)/eval
	bin/stp-prove -q -c $(R)/config.yaml --db $(DATA)/pc.mm --model $< -n 32 -o $@ $(R)/test.jsonl

$(IN)/eval/verdicts.jsonl: $(IN)/eval/attempts.jsonl bin/stp-verify
	bin/stp-verify -q -c $(R)/config.yaml --db $(DATA)/pc.mm -o $@ $<

$(IN)/eval/passk.json: $(IN)/eval/verdicts.jsonl bin/stp-passk
	bin/stp-passk -k 1,8,32 $< >$@.tmp && mv $@.tmp $@

sft: $(I0)/model.safetensors

eval: $(IN)/eval/passk.json
	@echo "pass@k on test, iteration $(N) ($(RUN)):"; cat $<

demo:
	tools/deps
	$(MAKE) all
	$(MAKE) data
	$(MAKE) sft eval N=0 RUN=$(RUN) CONFIG=$(CONFIG)

clean:
	rm -rf build bin/stp-*

.PHONY: all unit check deps data clean bench-verify sft eval demo

-include $(shell find build -name '*.d' 2>/dev/null)
