/*
 * metrics.h - one line per stage: a summary on stderr, a record in
 * $STP_METRICS
 *
 * Each stage ends with metrics_done(): its summary line on stderr (without
 * -q; and under -q too when STP_METRICS is set, so that each stage of a
 * make run leaves one line in the log), and, when the environment names a
 * file in STP_METRICS (make sets runs/RUN/metrics.jsonl), one JSON record
 * appended to it:
 *
 *   {"tool":"stp-verify","iter":3,"seconds":1.84,"records":17536,"ok":4121,...}
 *
 * iter is $STP_ITER when set (make sets the iteration). A stage may append
 * records along the way too (metrics_record: stp-train's loss curve). A
 * record is one write(2) to a file opened O_APPEND, so stages running at
 * once do not mix their lines.
 */
#ifndef STP_METRICS_H
#define STP_METRICS_H

/* A number field of this stage's record (in the order added). */
void metrics_num(const char *key, double v);
/* A string field. */
void metrics_str(const char *key, const char *v);
/* Print "PROG: MESSAGE (N.N s)" and append the record (see above). */
void metrics_done(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 1 when records are written: $STP_METRICS names a file. */
int metrics_enabled(void);
/* Append the fields added so far as a record of its own, with tool, iter
 * and seconds as above but no line on stderr (a point of a curve, such as
 * stp-train's loss every N steps), and start afresh. Nothing is written
 * when metrics_enabled() is 0. */
void metrics_record(void);

#endif
