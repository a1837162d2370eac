/*
 * test_pool.c - lib/model/pool.c: every task of a job runs exactly once,
 * before pool_run returns, with that job's function and context
 *
 * More threads than cores, so that workers are descheduled and wake late,
 * and jobs of alternating sizes back to back: a worker that wakes after its
 * job is over must not claim a task of the next one (it once could, when the
 * next job's task count was published before its generation: the task then
 * ran twice, and the job could end before all its tasks had).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"
#include "msg.h"
#include "unit.h"

#define MAXTASKS 64

struct job {
	long id;
	atomic_int runs[MAXTASKS];
	atomic_long wrong;   /* tasks run with another job's context */
};

static atomic_long late;   /* tasks that ran after their job had returned */
static _Atomic long current;

static void
count_task(void *arg, int t, int worker)
{
	struct job *j = arg;

	(void)worker;
	if (atomic_load(&current) != j->id)
		atomic_fetch_add(&late, 1);
	atomic_fetch_add(&j->runs[t], 1);
}

static void
test_each_task_once(void)
{
	struct pool *p = pool_new(4);
	long twice = 0, missed = 0;

	for (long n = 0; n < 600000; n++) {
		struct job j;
		int ntasks = n % 3 == 0 ? MAXTASKS : 2 + (int)(n % 5);

		j.id = n;
		atomic_store(&j.wrong, 0);
		for (int t = 0; t < MAXTASKS; t++)
			atomic_store(&j.runs[t], 0);
		atomic_store(&current, n);
		pool_run(p, ntasks, count_task, &j);
		atomic_store(&current, -1);
		for (int t = 0; t < MAXTASKS; t++) {
			int r = atomic_load(&j.runs[t]);
			if (t < ntasks && r == 0)
				missed++;
			if (r > 1 || (t >= ntasks && r))
				twice++;
		}
	}
	pool_free(p);
	CHECK_INT_EQ(twice, 0);
	CHECK_INT_EQ(missed, 0);
	CHECK_INT_EQ(atomic_load(&late), 0);
}

int
main(int argc, char **argv)
{
	(void)argc;
	msg_init(argv[0]);
	RUN(test_each_task_once);
	return unit_done();
}
