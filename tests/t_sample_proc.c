/* t_sample_proc.c — the procfs parsers on text captured from the test
 * machine (tests/data/) and on hand-made edge cases: offline CPUs,
 * 32-bit wrap, old softnet_stat, odd command names, truncated text. */
#include "sample_proc.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_NAME "t_sample_proc"
#define CHECK T_CHECK_COND
#include "t_common.h"

static void test_stat(void)
{
	struct sample_proc_stat s = { 0 };
	char *t = t_fixture("proc_stat.txt");

	CHECK(sample_proc_parse_stat(t, &s) == 0);
	CHECK(s.n == 2);
	CHECK(s.cpus[0].cpu == 0 && s.cpus[1].cpu == 1);
	/* cpu0 2961 0 3765 49597 172 0 584 1023 */
	CHECK(s.cpus[0].f[SAMPLE_PROC_USER] == 2961 && s.cpus[0].f[SAMPLE_PROC_SYSTEM] == 3765);
	CHECK(s.cpus[0].f[SAMPLE_PROC_IDLE] == 49597 && s.cpus[0].f[SAMPLE_PROC_IOWAIT] == 172);
	CHECK(s.cpus[0].f[SAMPLE_PROC_SOFTIRQ] == 584 && s.cpus[0].f[SAMPLE_PROC_STEAL] == 1023);
	free(t);

	/* cpu2 offline: absent, not a zero column; the arrays are reused */
	t = t_fixture("proc_stat_offline.txt");
	CHECK(sample_proc_parse_stat(t, &s) == 0);
	CHECK(s.n == 3 && s.cpus[2].cpu == 3);
	free(t);

	CHECK(sample_proc_parse_stat("intr 1 2\n", &s) == -EINVAL);
	CHECK(sample_proc_parse_stat("cpu0 1 2\n", &s) == -EINVAL);
	CHECK(sample_proc_parse_stat("", &s) == -EINVAL);
	sample_proc_stat_release(&s);
	sample_proc_stat_release(NULL);
}

static void test_softirqs(void)
{
	struct sample_proc_softirqs s = { 0 };
	char *t = t_fixture("proc_softirqs.txt");

	CHECK(sample_proc_parse_softirqs(t, &s) == 0);
	CHECK(s.n == 2 && s.cpu[1] == 1);
	CHECK(s.net_rx[0] == 1304019 && s.net_rx[1] == 1079630);
	CHECK(s.net_tx[0] == 3 && s.net_tx[1] == 1);
	free(t);
	t = t_fixture("proc_softirqs_offline.txt");
	CHECK(sample_proc_parse_softirqs(t, &s) == 0);
	CHECK(s.n == 3 && s.cpu[2] == 3 && s.net_rx[2] == 4294967295ull);
	free(t);
	CHECK(sample_proc_parse_softirqs("    CPU0\n  HI: 1\n", &s) == -EINVAL);
	CHECK(sample_proc_parse_softirqs("    CPU0 CPU1\n NET_RX: 1\n NET_TX: 1 2\n", &s) == -EINVAL);
	sample_proc_softirqs_release(&s);
}

static const struct sample_proc_irq *find_irq(const struct sample_proc_interrupts *s, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < s->nirq; i++)
		if (!strcmp(s->irq[i].name, name)) {
			*idx = i;
			return &s->irq[i];
		}
	return NULL;
}

static void test_interrupts(void)
{
	struct sample_proc_interrupts s = { 0 };
	const struct sample_proc_irq *q;
	char *t = t_fixture("proc_interrupts.txt");
	size_t i = 0;

	CHECK(sample_proc_parse_interrupts(t, &s) == 0);
	CHECK(s.ncpu == 2);
	q = find_irq(&s, "41", &i);
	CHECK(q && q->numbered && !strcmp(q->label, "virtio3-rx"));
	CHECK(q && s.count[i * s.ncpu] == 1612 && s.count[i * s.ncpu + 1] == 0);
	q = find_irq(&s, "LOC", &i);
	CHECK(q && !q->numbered && !strcmp(q->label, "Local timer interrupts"));
	CHECK(q && s.count[i * s.ncpu] == 118207 && s.count[i * s.ncpu + 1] == 94294);
	q = find_irq(&s, "ERR", &i);
	CHECK(q && s.count[i * s.ncpu] == 0);
	free(t);

	t = t_fixture("proc_interrupts_offline.txt");
	CHECK(sample_proc_parse_interrupts(t, &s) == 0);
	CHECK(s.ncpu == 3 && s.cpu[2] == 3 && s.nirq == 7);
	q = find_irq(&s, "41", &i);
	CHECK(q && !strcmp(q->label, "eth0-TxRx-0, eth0-TxRx-1"));
	CHECK(q && s.count[i * 3 + 2] == 4294967295ull);
	q = find_irq(&s, "42", &i);
	CHECK(q && !strcmp(q->label, "virtio3-tx") && s.count[i * 3 + 1] == 3142);
	q = find_irq(&s, "0", &i);
	CHECK(q && !strcmp(q->label, "timer") && s.count[i * 3] == 44);
	q = find_irq(&s, "ERR", &i);
	CHECK(q && s.count[i * 3] == 3 && s.count[i * 3 + 1] == 0 && s.count[i * 3 + 2] == 0);
	free(t);
	CHECK(sample_proc_parse_interrupts("no header\n", &s) == -EINVAL);
	CHECK(sample_proc_parse_interrupts("   CPU0\n garbage line without colon\n", &s) == -EINVAL);
	sample_proc_interrupts_release(&s);
}

static void test_softnet(void)
{
	struct sample_proc_softnet a = { 0 }, b = { 0 };
	char *t = t_fixture("softnet_stat.txt");
	uint64_t d;

	CHECK(sample_proc_parse_softnet(t, &a) == 0);
	CHECK(a.n == 2 && a.cpus[1].cpu == 1 && a.cpus[1].processed == 0x10d884);
	CHECK(a.cpus[1].squeezed == 5 && a.cpus[0].processed == 0x145519);
	free(t);

	/* 32-bit wrap between two snapshots: delta from what exists */
	t = t_fixture("softnet_stat_wrap.txt");
	CHECK(sample_proc_parse_softnet(t, &a) == 0);
	free(t);
	t = t_fixture("softnet_stat_wrap2.txt");
	CHECK(sample_proc_parse_softnet(t, &b) == 0);
	free(t);
	CHECK(a.cpus[1].cpu == 3 && b.cpus[1].cpu == 3);
	CHECK(sample_proc_delta(a.cpus[0].processed, b.cpus[0].processed, 32, &d) == 0 && d == 0x30);
	CHECK(sample_proc_delta(a.cpus[0].dropped, b.cpus[0].dropped, 32, &d) == 0 && d == 0x110);
	CHECK(sample_proc_delta(a.cpus[1].processed, b.cpus[1].processed, 32, &d) == 0 && d == 1);

	/* kernels without the CPU column: the line's position */
	t = t_fixture("softnet_stat_old.txt");
	CHECK(sample_proc_parse_softnet(t, &a) == 0);
	CHECK(a.n == 2 && a.cpus[1].cpu == 1 && a.cpus[0].dropped == 2 && a.cpus[0].processed == 0xa000);
	free(t);
	CHECK(sample_proc_parse_softnet("zz\n", &a) == -EINVAL);
	sample_proc_softnet_release(&a);
	sample_proc_softnet_release(&b);
}

static void test_kv(void)
{
	struct sample_proc_kvs k = { 0 };
	char *t = t_fixture("net_snmp.txt");
	long i;

	CHECK(sample_proc_parse_kv(t, &k) == 0);
	free(t);
	t = t_fixture("net_netstat.txt");
	CHECK(sample_proc_parse_kv(t, &k) == 0);
	free(t);
	i = sample_proc_kv_find(&k, "Udp.InDatagrams", -1);
	CHECK(i >= 0 && k.kv[i].val == 38);
	i = sample_proc_kv_find(&k, "Tcp.MaxConn", -1);
	CHECK(i >= 0 && k.kv[i].val == -1);
	i = sample_proc_kv_find(&k, "Tcp.RetransSegs", -1);
	CHECK(i >= 0 && k.kv[i].val == 0);
	CHECK(sample_proc_kv_find(&k, "Tcp.RetransSegs", i) == i);
	CHECK(sample_proc_kv_find(&k, "Tcp.RetransSegs", 0) == i);
	i = sample_proc_kv_find(&k, "IpExt.InOctets", -1);
	CHECK(i >= 0 && k.kv[i].val == 195779285);
	i = sample_proc_kv_find(&k, "TcpExt.TW", -1);
	CHECK(i >= 0 && k.kv[i].val == 16);
	CHECK(sample_proc_kv_find(&k, "Udp.Nope", -1) == -1);
	CHECK(k.n > 100);

	sample_proc_kvs_reset(&k);
	CHECK(sample_proc_parse_kv("Udp: A B\nUdp: 1 2\nUdpLite: C\nUdpLite: 7\n", &k) == 0);
	CHECK(k.n == 3 && !strcmp(k.kv[2].key, "UdpLite.C") && k.kv[2].val == 7);
	CHECK(!strcmp(k.kv[1].key, "Udp.B") && k.kv[1].val == 2);
	sample_proc_kvs_reset(&k);
	CHECK(sample_proc_parse_kv("Udp: A B\nUdp: 1\n", &k) == -EINVAL);
	CHECK(sample_proc_parse_kv("Udp: A B\n", &k) == -EINVAL);
	CHECK(sample_proc_parse_kv("Udp: A B\nTcp: 1 2\n", &k) == -EINVAL);
	sample_proc_kvs_release(&k);
}

static void test_pid_stat(void)
{
	char comm[32];
	uint64_t u = 9, s = 9;
	char *t = t_fixture("pid_stat.txt");

	CHECK(sample_proc_parse_pid_stat(t, comm, sizeof(comm), &u, &s) == 0);
	CHECK(!strcmp(comm, "cp") && u == 0 && s == 0);
	free(t);
	t = t_fixture("pid_stat_odd.txt");
	CHECK(sample_proc_parse_pid_stat(t, comm, sizeof(comm), &u, &s) == 0);
	CHECK(!strcmp(comm, "wg (go) x") && u == 250 && s == 37);
	CHECK(sample_proc_parse_pid_stat(t, comm, 4, &u, &s) == 0 && !strcmp(comm, "wg "));
	free(t);
	CHECK(sample_proc_parse_pid_stat("12 (x) S 1 2 3\n", comm, sizeof(comm), &u, &s) == -EINVAL);
	CHECK(sample_proc_parse_pid_stat("12 x\n", comm, sizeof(comm), &u, &s) == -EINVAL);
}

static void test_delta(void)
{
	uint64_t d;

	CHECK(sample_proc_delta(5, 7, 64, &d) == 0 && d == 2);
	CHECK(sample_proc_delta(0xfffffffeull, 1, 32, &d) == 0 && d == 3);
	CHECK(sample_proc_delta(100, 5, 64, &d) == -ERANGE);
	CHECK(sample_proc_delta(1ull << 40, 5, 32, &d) == -ERANGE);
}

int main(void)
{
	test_stat();
	test_softirqs();
	test_interrupts();
	test_softnet();
	test_kv();
	test_pid_stat();
	test_delta();
	if (failures)
		fprintf(stderr, "t_sample_proc: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
