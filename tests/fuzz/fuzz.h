/* fuzz.h — what every libFuzzer harness here shares (common.c).
 *
 * One harness per parser, tests/fuzz/fuzz_<name>.c, seeds in corpus/<name>/,
 * every crash ever found in regress/<name>/ (replayed by `make test`);
 * tests/fuzz/run drives them. A harness feeds untrusted bytes to a parser
 * that touches nothing, checks what the parser's contract promises of what
 * it accepted (fuzz_check: abort, so libFuzzer keeps the input), and frees. */
#ifndef WGB_FUZZ_H
#define WGB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Once per process, from LLVMFuzzerInitialize: the parsers' messages go to
 * /dev/null unless WGB_FUZZ_VERBOSE is set (libFuzzer and the sanitizers
 * keep their own stderr), and every capability is dropped, so a parser
 * that would touch the machine (a sysctl row probes a fresh namespace)
 * cannot. */
void fuzz_init(void);

/* data[0..size) as a NUL-terminated string (malloc'd; what a file read
 * gives: util_read_file() NUL-terminates too). Aborts without memory. */
char *fuzz_text(const uint8_t *data, size_t size);

/* The input cut at its first NUL into two NUL-terminated strings (both
 * malloc'd); *second is NULL when there is no NUL. */
void fuzz_split(const uint8_t *data, size_t size, char **first, char **second);

/* A promise of the parser's contract broken by what it accepted. */
#define fuzz_check(cond) \
	do { if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond); } while (0)
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

#endif
