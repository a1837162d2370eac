/*
 * fuzz.h - what the libFuzzer harnesses share (tests/fuzz/fuzz_*.c)
 *
 * Each harness feeds one input to one reader of untrusted bytes. A reader
 * that reports an error by dying (die(), lib/msg.h) comes back here through
 * msg_die_hook and a longjmp: an error is a correct answer, a crash or a
 * sanitizer report is not. What die() leaves allocated is not a leak of the
 * reader's (those harnesses run with -detect_leaks=0: see the Makefile).
 */
#ifndef STP_FUZZ_H
#define STP_FUZZ_H

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

static jmp_buf fuzz_jmp;

static void
fuzz_on_die(int status)
{
	(void)status;
	longjmp(fuzz_jmp, 1);
}

/* No messages; dying returns here. */
static void
fuzz_init(void)
{
	msg_verbosity = -1;
	msg_die_hook = fuzz_on_die;
}

/* The input in a file of its own (readers that take a path); the caller
 * unlinks it. Returns the path (static storage). */
static const char *
fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof path, "/tmp/stp-fuzz.%ld%s", (long)getpid(), suffix);
	f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	return path;
}

#endif
