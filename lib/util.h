/* util.h — small helpers shared by every layer.
 *
 * Contract: functions return 0 or -errno; they never exit. Messages go
 * through wgb_err()/wgb_warn(), which prefix "wgbench: " and end the line.
 * Buffers returned through **out are malloc'd and owned by the caller.
 */
#ifndef WGB_UTIL_H
#define WGB_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The index of s in names[0..n) (exact match), or -1: a name table read back. */
int util_name_index(const char *const *names, size_t n, const char *s);

void wgb_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void wgb_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Verbose trace, printed only when WGB_DEBUG is set in the environment. */
void wgb_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whole-file read; *out is NUL-terminated. */
int util_read_file(const char *path, char **out, size_t *len);
/* Write to path.tmp, fsync, rename: a reader sees the old file or the new one. */
int util_write_file_atomic(const char *path, const void *buf, size_t len);
/* One write() of a short value, as sysfs and procfs want it. */
int util_write_str(const char *path, const char *value);
/* mkdir -p */
int util_mkdir_p(const char *path, unsigned int mode);
/* The names in dir that end in suffix, without it, each 1 to max_stem
 * bytes long (others are skipped), malloc'd: *stems[i] and *stems are the
 * caller's to free. A missing dir is an empty list. */
int util_dir_stems(const char *dir, const char *suffix, size_t max_stem, char ***stems, size_t *n);

/* Strict decimal parsing: the whole string, within [min, max]. */
int util_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int util_parse_double(const char *s, double min, double max, double *out);

/* Finished: no thread of pid runs any more (absent, or only zombies: a
 * process killed with SIGKILL stays one until its parent reaps it). Reaps
 * it first if it is the caller's own child. */
bool util_pid_gone(pid_t pid);

/* Monotonic and wall clocks in seconds. */
double util_now_mono(void);
double util_now_wall(void);

/* Make room for `need` elements of `elem` bytes in the array *arr (a
 * pointer to the array pointer) of capacity *cap, doubling from 8; the
 * contents are kept. -ENOMEM leaves *arr and *cap as they were. */
int util_grow(void *arr, size_t *cap, size_t need, size_t elem);

/* snprintf that reports truncation as -ENAMETOOLONG. */
int util_fmt(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
