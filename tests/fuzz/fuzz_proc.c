/* fuzz_proc.c — the procfs parsers (sample_proc.h). The first byte picks
 * the parser; the rest, cut at its first NUL, is two snapshots parsed into
 * the same struct one after the other, as the sampler reuses its arrays. */
#include "fuzz.h"
#include "sample_proc.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

static void stat_twice(const char *a, const char *b)
{
	struct sample_proc_stat s = { 0 };

	if (!sample_proc_parse_stat(a, &s))
		fuzz_check(s.n >= 1 && s.n <= s.cap);
	if (b && !sample_proc_parse_stat(b, &s))
		fuzz_check(s.n >= 1 && s.n <= s.cap);
	sample_proc_stat_release(&s);
}

static void softirqs_twice(const char *a, const char *b)
{
	struct sample_proc_softirqs s = { 0 };

	if (!sample_proc_parse_softirqs(a, &s))
		fuzz_check(s.n <= s.cap);
	if (b && !sample_proc_parse_softirqs(b, &s))
		fuzz_check(s.n <= s.cap);
	sample_proc_softirqs_release(&s);
}

static void irq_check(const struct sample_proc_interrupts *s)
{
	size_t i;

	fuzz_check(s->ncpu <= s->cpu_cap && s->nirq <= s->irq_cap);
	fuzz_check(s->nirq * s->ncpu <= s->count_cap);
	for (i = 0; i < s->nirq; i++)
		fuzz_check(memchr(s->irq[i].name, 0, sizeof(s->irq[i].name)) &&
			   memchr(s->irq[i].label, 0, sizeof(s->irq[i].label)));
}

static void interrupts_twice(const char *a, const char *b)
{
	struct sample_proc_interrupts s = { 0 };

	if (!sample_proc_parse_interrupts(a, &s))
		irq_check(&s);
	if (b && !sample_proc_parse_interrupts(b, &s))
		irq_check(&s);
	sample_proc_interrupts_release(&s);
}

static void softnet_twice(const char *a, const char *b)
{
	struct sample_proc_softnet s = { 0 };

	if (!sample_proc_parse_softnet(a, &s))
		fuzz_check(s.n <= s.cap);
	if (b && !sample_proc_parse_softnet(b, &s))
		fuzz_check(s.n <= s.cap);
	sample_proc_softnet_release(&s);
}

/* snmp then netstat into one list, as the sampler does; every key found
 * where it is. */
static void kv_both(const char *a, const char *b)
{
	struct sample_proc_kvs k = { 0 };
	size_t i;

	sample_proc_kvs_reset(&k);
	if (!sample_proc_parse_kv(a, &k) && b)
		sample_proc_parse_kv(b, &k);
	fuzz_check(k.n <= k.cap);
	for (i = 0; i < k.n; i++) {
		fuzz_check(memchr(k.kv[i].key, 0, sizeof(k.kv[i].key)));
		fuzz_check(sample_proc_kv_find(&k, k.kv[i].key, (long)i) >= 0);
	}
	sample_proc_kvs_release(&k);
}

static void pid_both(const char *a, const char *b)
{
	struct sample_proc_pid p;
	uint64_t ut, st;
	char comm[64];

	if (!sample_proc_parse_pid_stat(a, comm, sizeof(comm), &ut, &st))
		fuzz_check(memchr(comm, 0, sizeof(comm)));
	if (!sample_proc_parse_pid(b ? b : a, &p))
		fuzz_check(memchr(p.comm, 0, sizeof(p.comm)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a, *b;

	if (size < 1)
		return 0;
	fuzz_split(data + 1, size - 1, &a, &b);
	switch (data[0] % 6) {
	case 0: stat_twice(a, b); break;
	case 1: softirqs_twice(a, b); break;
	case 2: interrupts_twice(a, b); break;
	case 3: softnet_twice(a, b); break;
	case 4: kv_both(a, b); break;
	case 5: pid_both(a, b); break;
	}
	free(a);
	free(b);
	return 0;
}
