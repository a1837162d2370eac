# stp - the STP self-play theorem prover as a pipeline of small C tools
#
#   make                 build every tool into bin/ and the man pages into build/man/
#   make check           install missing Debian packages, build, run the C unit
#                        tests, the bats tests, the thread checks and a fuzz smoke run
#   make deps            install missing Debian packages (tools/deps)
#   make SANITIZE=1 ...  build with AddressSanitizer + UndefinedBehaviorSanitizer
#   make data            build data/mm-pc/ and data/mm-pc-hard/ from Debian's set.mm
#   make install         the tools, man pages and configurations under PREFIX (DESTDIR)
#   make fuzz FUZZ_S=60  each libFuzzer harness for FUZZ_S seconds
#   make tsan            the threaded paths under ThreadSanitizer
#   make bench-verify    run bench/verify
#   make help            this list
#
#   make sft | iteration N=k | iterations N=k | reward N=k | eval N=k | ei N=k |
#   ei-eval N=k | final | report | demo     a run in runs/RUN (see below and README)
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

PKGS      = jansson yaml-0.1 libxxhash zlib openblas libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# the version the tools print (--version): the git description at build
# time; build/version changes only when it does, so that lib/cli.o is
# rebuilt then and only then
STP_VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)
VERSION_NOW := $(shell cat build/version 2>/dev/null)
ifneq ($(VERSION_NOW),$(STP_VERSION))
$(shell mkdir -p build && echo '$(STP_VERSION)' > build/version)
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread -Ilib $(STP_WARN) $(PKG_CFLAGS) $(CFLAGS)
LIBS       = $(PKG_LIBS) -lpthread -lm

SHELL = /bin/bash
.DELETE_ON_ERROR:
.SUFFIXES:

# The trusted Metamath kernel depends on libc alone; it is its own archive.
MM_SRC    = $(wildcard lib/mm/*.c)
LIB_SRC   = $(wildcard lib/*.c lib/mmsteps/*.c lib/model/*.c lib/backend/*.c)
MM_OBJ    = $(MM_SRC:%.c=$(BUILD)/%.o)
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/%.o)
TOOLS     = $(patsubst %/main.c,%,$(wildcard stp-*/main.c tools/*/main.c))
BINS      = $(addprefix bin/,$(notdir $(TOOLS)))
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Test tools (tests/tools/X.c -> $(BUILD)/tests/tools/X), used by the bats tests.
TTOOL_SRC = $(wildcard tests/tools/*.c)
TTOOL_BIN = $(TTOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)

# man pages: scdoc sources beside each tool and in docs/ (NAME.SECTION.scd)
MAN_SRC   = $(wildcard stp-*/*.scd tools/*/*.scd docs/*.scd)
MAN_PAGES = $(addprefix build/man/,$(notdir $(MAN_SRC:.scd=)))

all: $(BINS) $(TTOOL_BIN) $(MAN_PAGES)

build/man/%: $(filter %/$*.scd,$(MAN_SRC))
	@mkdir -p build/man
	scdoc <$< >$@.tmp && mv $@.tmp $@
$(foreach m,$(MAN_SRC),$(eval build/man/$(notdir $(m:.scd=)): $(m)))

# make install PREFIX=/usr/local DESTDIR=: the tools, their man pages, the
# configurations (PREFIX/share/stp/configs), the licence (PREFIX/share/doc/stp)
PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/stp/configs $(DESTDIR)$(PREFIX)/share/doc/stp
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 configs/*.yaml $(DESTDIR)$(PREFIX)/share/stp/configs/
	install -m 644 LICENSE $(DESTDIR)$(PREFIX)/share/doc/stp/
	for m in $(MAN_PAGES); do s=$${m##*.}; install -d $(DESTDIR)$(PREFIX)/share/man/man$$s; \
		install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done

help:
	@sed -n '2,/^$$/s/^# \{0,1\}//p' Makefile

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/lib/cli.o: lib/cli.c build/version
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DSTP_VERSION='"$(STP_VERSION)"' -MMD -MP -c -o $@ $<

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

# A tool is its folder's main.c (and any other .c in the folder). Linked
# under a temporary name and renamed: a make killed mid-link (SIGKILL skips
# .DELETE_ON_ERROR) leaves no empty binary newer than its objects.
define tool_rule
bin/$(notdir $(1)): $$(patsubst %.c,$(BUILD)/%.o,$$(wildcard $(1)/*.c)) $(BUILD)/libstp.a $(BUILD)/libmm.a build/flavour
	@mkdir -p bin
	$$(CC) $$(ALL_CFLAGS) $$(LDFLAGS) -o $$@.tmp $$(filter %.o %.a,$$^) $$(LIBS)
	@mv -f $$@.tmp $$@
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libstp.a $(BUILD)/libmm.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@.tmp $< $(BUILD)/libstp.a $(BUILD)/libmm.a $(LIBS)
	@mv -f $@.tmp $@

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libstp.a $(BUILD)/libmm.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@.tmp $< $(BUILD)/libstp.a $(BUILD)/libmm.a $(LIBS)
	@mv -f $@.tmp $@

# Unit tests that need the mm-pc database find it through STP_PC_MM
# (by default data/mm-pc/pc.mm, built first when missing).
unit: $(UNIT_BIN) | data/mm-pc/statements.jsonl
	@set -e; export STP_PC_MM=$${STP_PC_MM:-$(CURDIR)/data/mm-pc/pc.mm}; \
	for t in $(UNIT_BIN); do echo "unit: $$t"; $$t; done

# check installs what is missing first, then builds in a fresh make (so that
# pkg-config sees the packages just installed).
check:
	tools/deps
	$(MAKE) all
	$(MAKE) data
	$(MAKE) unit
	tests/lint-bats
	bats tests
	$(MAKE) tsan
	$(MAKE) fuzz FUZZ_S=3

deps:
	tools/deps

# ---- thread checks: the tools built with ThreadSanitizer (clang) into
# build/tsan/bin, run on every threaded path by tests/tsan (make check runs it)
TSAN_FLAGS = -g -O1 -fsanitize=thread
TSAN_OBJ   = $(MM_SRC:%.c=build/tsan/%.o) $(LIB_SRC:%.c=build/tsan/%.o)
TSAN_BINS  = $(addprefix build/tsan/bin/,$(notdir $(filter stp-%,$(TOOLS))))
.SECONDARY: $(TSAN_OBJ)

build/tsan/%.o: %.c
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -pthread -Ilib $(PKG_CFLAGS) $(TSAN_FLAGS) -MMD -MP -c -o $@ $<

define tsan_rule
build/tsan/bin/$(notdir $(1)): $$(patsubst %.c,build/tsan/%.o,$$(wildcard $(1)/*.c)) $(TSAN_OBJ)
	@mkdir -p build/tsan/bin
	clang -pthread -fsanitize=thread -o $$@ $$^ $$(LIBS)
endef
$(foreach t,$(filter stp-%,$(TOOLS)),$(eval $(call tsan_rule,$(t))))

tsan: $(TSAN_BINS) | data/mm-pc/statements.jsonl
	tests/tsan build/tsan/bin

# ---- fuzzing (libFuzzer, clang): tests/fuzz/fuzz_NAME.c against the library
# built with clang and ASan+UBSan; seed corpora in tests/fuzz/corpus/NAME.
#   make fuzz FUZZ_S=60   each harness for FUZZ_S seconds (make check: 3)
# New inputs go to build/fuzz/corpus/NAME (the seeds are copied there first);
# a crash stops the run and is written to build/fuzz/crash-NAME-*: add it to
# the seed corpus as a regression fixture once fixed.
FUZZ_S    ?= 60
FUZZ_CC    = clang
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJ   = $(MM_SRC:%.c=build/fuzz/%.o) $(LIB_SRC:%.c=build/fuzz/%.o)
FUZZ_NAMES = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  = $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
# harnesses whose reader may die (die() longjmps back) with something held
FUZZ_NOLEAK =
.SECONDARY: $(FUZZ_OBJ)

build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -pthread -Ilib $(PKG_CFLAGS) $(FUZZ_FLAGS) -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJ)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -pthread -Ilib -Itests/fuzz $(PKG_CFLAGS) -g -O1 \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $< \
		$(FUZZ_OBJ) $(LIBS)

fuzz: $(FUZZ_BINS) | data/mm-pc/statements.jsonl
	@set -e; for h in $(FUZZ_NAMES); do \
		mkdir -p build/fuzz/corpus/$$h; \
		cp -n tests/fuzz/corpus/$$h/* build/fuzz/corpus/$$h/ 2>/dev/null || true; \
		leak=1; case " $(FUZZ_NOLEAK) " in *" $$h "*) leak=0 ;; esac; \
		echo "fuzz: $$h, $(FUZZ_S) s"; \
		ASAN_OPTIONS=detect_leaks=$$leak STP_PC_MM=$(CURDIR)/data/mm-pc/pc.mm build/fuzz/fuzz_$$h -max_total_time=$(FUZZ_S) \
			-detect_leaks=$$leak -max_len=262144 -artifact_prefix=build/fuzz/crash-$$h- \
			-print_final_stats=1 build/fuzz/corpus/$$h 2>build/fuzz/$$h.log || \
			{ tail -30 build/fuzz/$$h.log; exit 1; }; \
		grep -E "stat::number_of_executed_units|stat::new_units_added" build/fuzz/$$h.log | \
			sed "s/^/fuzz: $$h: /"; \
	done

data: data/mm-pc/statements.jsonl data/mm-pc-hard/statements.jsonl

SET_MM ?= /usr/share/metamath/databases/set.mm
# mm-pc-hard: a theorem is a target when its human proof has at least this
# many `steps` tokens (docs/data.md)
HARD_MIN_TOKENS = 10

data/mm-pc/statements.jsonl: | bin/stp-mmdata
	@test -r $(SET_MM) || { echo "make data: $(SET_MM) missing: install the Debian package metamath-databases (make deps)" >&2; exit 66; }
	bin/stp-mmdata --set-mm $(SET_MM) --out data/mm-pc

data/mm-pc-hard/statements.jsonl: | bin/stp-mmdata
	@test -r $(SET_MM) || { echo "make data: $(SET_MM) missing: install the Debian package metamath-databases (make deps)" >&2; exit 66; }
	bin/stp-mmdata --set-mm $(SET_MM) --out data/mm-pc-hard --name mm-pc-hard --hard $(HARD_MIN_TOKENS)

bench-verify: all
	bench/verify

# ---- runs: runs/RUN/iter-NNN/, every stage one file (docs/stp.7.scd, THE RUN LAYOUT)
#
#   make sft             iteration 0: supervised training on the human proofs
#   make iteration N=k   every stage of iteration k (iteration k-1 must exist)
#   make iterations N=k  iterations 1..k, in order
#   make reward N=k      only the reward stage of iteration k, from its cached verdicts
#   make eval N=k        pass@1, 8, 32 on `test` with iteration k's model
#                        (EVAL_K=256: from 256 samples, pass@256 too)
#   make ei N=k          round k of the expert-iteration baseline (runs/RUN-ei)
#   make ei-eval N=k     pass@1, 8, 32 on `test` with round k's model
#   make final           re-train from scratch on the SFT data and the proofs found
#                        (make eval N=final: its pass@k)
#   make report          the plot and the table of runs/RUN and runs/RUN-ei
#   make demo            deps, build, data, sft, 3 iterations, 3 EI rounds, eval, report
#
# Stages depend on their inputs and the configuration; the tools are
# order-only prerequisites (a rebuilt tool does not make a finished stage stale).
# DATA selects the benchmark (data/DATA): mm-pc (the default) or mm-pc-hard;
# a run's directory defaults to demo for mm-pc, to DATA otherwise
DATA   ?= mm-pc
RUN    ?= $(if $(filter mm-pc,$(DATA)),demo,$(DATA))
CONFIG ?= configs/small.yaml
N      ?= 0
R       = runs/$(RUN)
REI     = runs/$(RUN)-ei
I0      = $(R)/iter-000
ifeq ($(N),final)
NNN     = final
PPP     = final
QQQ     = final
else
NNN     = $(shell printf %03d $(N))
PPP     = $(shell printf %03d $$(($(N) - 1)))
QQQ     = $(shell printf %03d $$(($(N) - 2)))
endif
ifeq ($(N),final)
IN      = $(R)/final
else
IN      = $(R)/iter-$(NNN)
endif
IP      = $(R)/iter-$(PPP)
IQ      = $(R)/iter-$(QQQ)
EN      = $(REI)/iter-$(NNN)
EP      = $(REI)/iter-$(PPP)
DDIR    = data/$(DATA)
DB      = $(DDIR)/pc.mm
STMTS   = $(DDIR)/statements.jsonl
# K samples per input: 64 in iteration 1 and for the baseline, 32 after (docs/algorithm.md)
K       = $(if $(filter 1,$(N)),64,32)
TOOLS_  = | $(BINS)

# the run's copy of CONFIG: replaced only when the settings differ (stp-config
# --print-config), so that a newer CONFIG with the same settings (a comment, a
# checkout) keeps the copy's time and retrains nothing
$(R)/config.yaml: $(CONFIG) $(TOOLS_)
	@mkdir -p $(R)
	@if [ -e $@ ] && bin/stp-config -c $(CONFIG) --print-config >$@.new 2>/dev/null && \
	    bin/stp-config -c $@ --print-config 2>/dev/null | cmp -s - $@.new; then \
		rm -f $@.new; \
	else \
		rm -f $@.new; echo "cp $(CONFIG) $@"; cp $(CONFIG) $@ && \
		{ echo "commit $$(git describe --always --dirty --tags 2>/dev/null || echo unknown)"; \
		  for t in $(filter bin/stp-%,$(BINS)); do [ -x $$t ] && $$t --version 2>/dev/null; done; \
		  true; } >$(R)/versions.txt; \
	fi

# every stage of a run appends one record to runs/RUN/metrics.jsonl
# (lib/metrics.h): its tool, the iteration, seconds and counts
runs/%: export STP_METRICS = $(abspath $(R))/metrics.jsonl
runs/%: export STP_ITER = $(N)
$(REI)/%: export STP_METRICS = $(abspath $(REI))/metrics.jsonl

# iteration 0: the human proofs verified (their lemmas feed the conjecturer
# examples), the SFT examples, the model, the initial state
$(I0)/human.jsonl: $(STMTS) $(R)/config.yaml $(TOOLS_)
	@mkdir -p $(I0)
	bin/stp-verify -q -c $(R)/config.yaml --db $(DB) -o $@ $(DDIR)/proofs.jsonl

$(I0)/examples.jsonl: $(I0)/human.jsonl $(TOOLS_)
	bin/stp-sftdata --db $(DB) -o $@ $(I0)/human.jsonl $(STMTS)

$(I0)/model.safetensors: $(I0)/examples.jsonl $(R)/config.yaml $(TOOLS_)
	bin/stp-train -c $(R)/config.yaml --db $(DB) --held-out $(STMTS) --resume -o $@ $(I0)/examples.jsonl

$(I0)/state.jsonl: $(STMTS) $(TOOLS_)
	@mkdir -p $(I0)
	bin/stp-reward --init-state --statements $(STMTS) -o $@

$(I0)/verdicts.jsonl:
	@mkdir -p $(I0)
	: >$@

$(I0)/stats.json:
	@mkdir -p $(I0)
	echo '{"iter":0,"proofs_generated":0,"tokens_generated":0}' >$@

ifneq ($(filter-out 0 final,$(N)),)
# iteration N >= 1: seeds, conjectures, the prover's input, attempts,
# verdicts, rewards, the new model
# seeds come from the proof library so far: the correct proofs of every
# earlier iteration (each statement's shortest per lemma), the statements
# reliable by the current state
$(IN)/seeds.jsonl: $(IP)/state.jsonl $(IP)/verdicts.jsonl $(TOOLS_)
	@mkdir -p $(IN)
	bin/stp-seed -q -c $(R)/config.yaml --db $(DB) --state $(IP)/state.jsonl --iter $(N) -o $@ \
		$$(for i in $$(seq 0 $$(($(N) - 1))); do printf '$(R)/iter-%03d/verdicts.jsonl ' $$i; done)

# conjectures kept: at most as many as the dataset statements still unproved
# (conjecture.keep: open) or n (keep: n), counted from the state
$(IN)/conjectures.jsonl $(IN)/conjectures.stats.json &: $(IN)/seeds.jsonl $(IP)/model.safetensors $(IP)/state.jsonl $(TOOLS_)
	bin/stp-conjecture -q -c $(R)/config.yaml --db $(DB) --model $(IP)/model.safetensors \
		--dataset $(STMTS) --state $(IP)/state.jsonl --iter $(N) \
		--stats $(IN)/conjectures.stats.json -o $(IN)/conjectures.jsonl $(IN)/seeds.jsonl

$(IN)/inputs.jsonl: $(IP)/state.jsonl $(IN)/conjectures.jsonl $(TOOLS_)
	bin/stp-seed -q -c $(R)/config.yaml --select --state $(IP)/state.jsonl --statements $(STMTS) \
		--iter $(N) -o $@ $(IN)/conjectures.jsonl

$(IN)/attempts.jsonl: $(IN)/inputs.jsonl $(IP)/model.safetensors $(TOOLS_)
	bin/stp-prove -q -c $(R)/config.yaml --db $(DB) --model $(IP)/model.safetensors -n $(K) \
		--iter $(N) -o $@ $(IN)/inputs.jsonl

$(IN)/verdicts.jsonl: $(IN)/attempts.jsonl $(TOOLS_)
	bin/stp-verify -q -c $(R)/config.yaml --db $(DB) --cache $(R)/verdict-cache.jsonl -o $@ $<

REWARD_CMD = bin/stp-reward -q -c $(R)/config.yaml --iter $(N) --statements $(STMTS) \
	--state $(IP)/state.jsonl --seeds $(IN)/seeds.jsonl --model $(IP)/model.safetensors \
	--previous $(IP)/verdicts.jsonl $(if $(filter-out 1,$(N)),--previous $(IQ)/verdicts.jsonl) \
	--prev-stats $(IP)/stats.json --conjecture-stats $(IN)/conjectures.stats.json \
	-o $(IN)/examples.jsonl --state-out $(IN)/state.jsonl --stats $(IN)/stats.json $(IN)/verdicts.jsonl

$(IN)/examples.jsonl $(IN)/state.jsonl $(IN)/stats.json &: $(IN)/verdicts.jsonl $(IN)/seeds.jsonl \
		$(IN)/conjectures.stats.json $(IP)/state.jsonl $(IP)/stats.json $(TOOLS_)
	$(REWARD_CMD)

# The SFT examples are replayed beside the iteration's own: a model this
# small forgets a role it is not trained on (after an iteration of prover
# examples alone, 1% of its conjectures were well formed, against 64%); at
# most train.iter.replay_share of the weighted target tokens. With
# train.iter.refresh_every k, every k-th iteration instead re-trains from
# scratch on everything so far (the SFT examples, the final re-training's
# proofs of iterations 1..N, every conjecturer example of 1..N).
REFRESH_EVERY = $(shell bin/stp-config -c $(R)/config.yaml --default 0 train.iter.refresh_every 2>/dev/null || echo 0)
REFRESH_NOW   = $(if $(filter-out 0,$(REFRESH_EVERY)),$(if $(filter 0,$(shell echo $$(($(N) % $(REFRESH_EVERY))))),1))
ifeq ($(REFRESH_NOW),1)
$(IN)/refresh.jsonl: $(IN)/examples.jsonl $(I0)/examples.jsonl $(TOOLS_)
	bin/stp-reward -q -c $(R)/config.yaml --final --sft $(I0)/examples.jsonl -o $@.tmp \
		$$(for i in $$(seq 1 $(N)); do printf '$(R)/iter-%03d/verdicts.jsonl ' $$i; done)
	for i in $$(seq 1 $(N)); do grep -h '"role":"conjecturer"' $$(printf '$(R)/iter-%03d/examples.jsonl' $$i) || true; done >>$@.tmp
	mv $@.tmp $@

$(IN)/model.safetensors: $(IN)/refresh.jsonl $(TOOLS_)
	bin/stp-train -q -c $(R)/config.yaml --db $(DB) --held-out $(STMTS) --resume -o $@ $(IN)/refresh.jsonl
else
$(IN)/model.safetensors: $(IN)/examples.jsonl $(IP)/model.safetensors $(I0)/examples.jsonl $(TOOLS_)
	bin/stp-train -q -c $(R)/config.yaml --db $(DB) --held-out $(STMTS) --phase iter --init $(IP)/model.safetensors \
		--replay $(I0)/examples.jsonl -o $@ $(IN)/examples.jsonl
endif

# the expert-iteration baseline: no conjectures, K = 64 on every unproved
# statement, re-trained each round from the SFT model on all proofs so far
$(REI)/iter-000/%: $(I0)/%
	@mkdir -p $(REI)/iter-000
	cp $< $@

$(EN)/inputs.jsonl: $(EP)/state.jsonl $(TOOLS_)
	@mkdir -p $(EN)
	bin/stp-seed -q -c $(R)/config.yaml --select --unproved-only --state $(EP)/state.jsonl \
		--statements $(STMTS) --iter $(N) -o $@

$(EN)/attempts.jsonl: $(EN)/inputs.jsonl $(EP)/model.safetensors $(TOOLS_)
	bin/stp-prove -q -c $(R)/config.yaml --db $(DB) --model $(EP)/model.safetensors -n 64 \
		--k-open 64 --iter $(N) -o $@ $(EN)/inputs.jsonl

$(EN)/verdicts.jsonl: $(EN)/attempts.jsonl $(TOOLS_)
	bin/stp-verify -q -c $(R)/config.yaml --db $(DB) --cache $(R)/verdict-cache.jsonl -o $@ $<

$(EN)/state.jsonl $(EN)/stats.json &: $(EN)/verdicts.jsonl $(EP)/state.jsonl $(EP)/stats.json $(TOOLS_)
	bin/stp-reward -q -c $(R)/config.yaml --iter $(N) --statements $(STMTS) \
		--state $(EP)/state.jsonl --prev-stats $(EP)/stats.json -o /dev/null \
		--state-out $(EN)/state.jsonl --stats $(EN)/stats.json $(EN)/verdicts.jsonl

# every proof of rounds 1..N (not of later rounds, should they exist)
$(EN)/examples.jsonl: $(EN)/verdicts.jsonl $(TOOLS_)
	bin/stp-reward -q -c $(R)/config.yaml --final -o $@ \
		$$(for i in $$(seq 1 $(N)); do printf '$(REI)/iter-%03d/verdicts.jsonl ' $$i; done)

# With train.iter.refresh_every k the baseline gets the same periodic refresh:
# every k-th round re-trains from scratch on the SFT examples and every proof
# so far, and the rounds between start from the latest such model instead of
# the SFT model.
EI_LAST_REFRESH = $(if $(filter-out 0,$(REFRESH_EVERY)),$(shell echo $$(($(N) / $(REFRESH_EVERY) * $(REFRESH_EVERY)))),0)
EI_INIT = $(if $(filter 0,$(EI_LAST_REFRESH)),$(I0),$(REI)/iter-$(shell printf %03d $(EI_LAST_REFRESH)))/model.safetensors
ifeq ($(REFRESH_NOW),1)
$(EN)/refresh.jsonl: $(EN)/examples.jsonl $(I0)/examples.jsonl $(TOOLS_)
	bin/stp-reward -q -c $(R)/config.yaml --final --sft $(I0)/examples.jsonl -o $@.tmp \
		$$(for i in $$(seq 1 $(N)); do printf '$(REI)/iter-%03d/verdicts.jsonl ' $$i; done)
	mv $@.tmp $@

$(EN)/model.safetensors: $(EN)/refresh.jsonl $(TOOLS_)
	bin/stp-train -q -c $(R)/config.yaml --db $(DB) --held-out $(STMTS) --resume -o $@ $(EN)/refresh.jsonl
else
$(EN)/model.safetensors: $(EN)/examples.jsonl $(EI_INIT) $(TOOLS_)
	bin/stp-train -q -c $(R)/config.yaml --db $(DB) --held-out $(STMTS) --phase iter --init $(EI_INIT) \
		-o $@ $(EN)/examples.jsonl
endif
endif

$(R)/test.jsonl: $(STMTS)
	@mkdir -p $(R)
	grep '"split":"test"' $< >$@.tmp && mv $@.tmp $@

# pass@1, 8, 32 on `test` with a model: iteration N's (make eval) and
# round N of the baseline's (make ei-eval), from 32 samples a theorem; with
# EVAL_K=256 (say), from 256 samples into eval256/, pass@256 too
EVAL_K ?= 32
EVD     = $(if $(filter 32,$(EVAL_K)),eval,eval$(EVAL_K))
EVKS    = 1,8,32$(if $(filter-out 1 8 32,$(EVAL_K)),$(comma)$(EVAL_K))
comma   = ,
define EVAL_RULES
$(1)/$(EVD)/attempts.jsonl: $(1)/model.safetensors $(R)/test.jsonl $(R)/config.yaml $(TOOLS_)
	@mkdir -p $(1)/$(EVD)
	bin/stp-prove -q -c $(R)/config.yaml --db $(DB) --model $(1)/model.safetensors -n $(EVAL_K) \
		-o $$@ $(R)/test.jsonl

$(1)/$(EVD)/verdicts.jsonl: $(1)/$(EVD)/attempts.jsonl $(TOOLS_)
	bin/stp-verify -q -c $(R)/config.yaml --db $(DB) --cache $(R)/verdict-cache.jsonl -o $$@ $$<

$(1)/$(EVD)/passk.json: $(1)/$(EVD)/verdicts.jsonl $(TOOLS_)
	bin/stp-passk --ks $(EVKS) $$< >$$@.tmp && mv $$@.tmp $$@
endef
$(eval $(call EVAL_RULES,$(IN)))
$(eval $(call EVAL_RULES,$(EN)))

# the final re-training (docs/algorithm.md): from the base model (here: from scratch),
# on the SFT data and every correct proof of the run whose conjecture had
# P <= 1/4 (dataset statements at any P), at most 16 a statement
$(R)/final/examples.jsonl: $(I0)/examples.jsonl $(TOOLS_)
	@mkdir -p $(R)/final
	bin/stp-reward -q -c $(R)/config.yaml --final --sft $(I0)/examples.jsonl -o $@ \
		$$(ls $(R)/iter-*/verdicts.jsonl)

$(R)/final/model.safetensors: $(R)/final/examples.jsonl $(TOOLS_)
	bin/stp-train -c $(R)/config.yaml --db $(DB) --held-out $(STMTS) --resume -o $@ $(R)/final/examples.jsonl

final: $(R)/final/model.safetensors

sft: $(I0)/model.safetensors

iteration: $(IN)/model.safetensors $(IN)/stats.json
	@cat $(IN)/stats.json

iterations:
	for i in $$(seq 1 $(N)); do $(MAKE) --no-print-directory iteration N=$$i RUN=$(RUN) CONFIG=$(CONFIG) || exit; done

reward: $(IN)/verdicts.jsonl
	$(REWARD_CMD)

ei: $(REI)/iter-000/state.jsonl $(REI)/iter-000/stats.json $(REI)/iter-000/model.safetensors $(EN)/model.safetensors $(EN)/stats.json
	@cat $(EN)/stats.json

eval: $(IN)/$(EVD)/passk.json
	@echo "pass@k on test, iteration $(N) ($(RUN)):"; cat $<

ei-eval: $(EN)/$(EVD)/passk.json
	@echo "pass@k on test, expert-iteration round $(N) ($(RUN)-ei):"; cat $<

# runs/RUN/report/{report.md,pass.png,pass.svg} from the stats of runs/RUN
# and runs/RUN-ei (a missing EI run is said, not an error)
report:
	tools/report $(RUN)

demo:
	tools/deps
	$(MAKE) all
	$(MAKE) data
	$(MAKE) sft RUN=$(RUN) CONFIG=$(CONFIG)
	$(MAKE) iterations N=3 RUN=$(RUN) CONFIG=$(CONFIG)
	for i in 1 2 3; do $(MAKE) ei N=$$i RUN=$(RUN) CONFIG=$(CONFIG) || exit; done
	$(MAKE) eval N=3 RUN=$(RUN) CONFIG=$(CONFIG)
	$(MAKE) report RUN=$(RUN)

clean:
	rm -rf build bin/stp-*

.PHONY: all unit check deps data clean fuzz tsan install help bench-verify sft eval ei-eval demo iteration iterations reward ei report final

-include $(shell find build -name '*.d' 2>/dev/null)
