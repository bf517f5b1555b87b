/* t_variant.c — variant validation: every error message, exactly.
 *
 * Each case writes a file, loads it with variant_load_all() while stderr is
 * captured, and compares every line. Also: the built-in baseline, the
 * shipped variants, and the host file (record, re-record, restore).
 * Needs root: sysctl scopes are asked of a scratch network namespace. */
#include "knob.h"
#include "util.h"
#include "variant.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <sys/wait.h>

static int failures;
static char dir[] = "/tmp/t_variant.XXXXXX";

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

/* Loads the files, returns the captured stderr (malloc'd). */
static char *load(const char *const names[], size_t n, int *ret)
{
	char out[] = "/tmp/t_variant_err.XXXXXX", *text = NULL;
	const char *paths[8];
	char buf[8][256];
	struct variant_set *s = NULL;
	int fd = mkstemp(out), saved = dup(2);
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, names[i]);
		paths[i] = buf[i];
	}
	fflush(stderr);
	dup2(fd, 2);
	*ret = variant_load_all(paths, n, &s);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	util_read_file(out, &text, NULL);
	unlink(out);
	variant_set_free(s);
	return text;
}

/* The messages expected, one per line, without "wgbench: " and with FILE
 * standing for the file's path. */
static void expect(const char *name, const char *text, const char *want)
{
	char path[256], exp[8192], *got;
	const char *names[1] = { name };
	size_t o = 0;
	const char *p;
	int ret;

	write_file(name, text);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (p = want; *p && o < sizeof(exp) - 300;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		o += (size_t)snprintf(exp + o, sizeof(exp) - o, "wgbench: ");
		for (size_t i = 0; i < len; i++) {
			if (!strncmp(p + i, "FILE", 4)) {
				o += (size_t)snprintf(exp + o, sizeof(exp) - o, "%s", path);
				i += 3;
			} else {
				exp[o++] = p[i];
			}
		}
		exp[o++] = '\n';
		p += len + (nl ? 1 : 0);
	}
	exp[o] = 0;
	got = load(names, 1, &ret);
	if (strcmp(got ? got : "", exp) || (want[0] && ret != -EINVAL) || (!want[0] && ret)) {
		printf("FAIL %s (ret %d)\n--- expected:\n%s--- got:\n%s", name, ret, exp, got ? got : "");
		failures++;
	}
	free(got);
}

#define V(body) "{\"name\": \"v\", \"set\": [" body "]}"

static void syntax(void)
{
	expect("json1.json", "{\n  \"name\": \"x\",\n  \"set\": [1 2]\n}\n",
	       "FILE:3:13: not valid JSON: array value separator ',' expected");
	expect("json2.json", "{\"name\": \"x\",\n \"set\": [",
	       "FILE:2:10: not valid JSON: the document ends too early");
	expect("json3.json", "{\"name\": \"x\", \"set\": []}\n}\n",
	       "FILE:2:1: not valid JSON: unexpected character");
	expect("json4.json", "{\"name\": \"x\",\n\t\"set\": [tru]}",
	       "FILE:2:13: not valid JSON: boolean expected");
	expect("json5.json", "{\"name\": \"x\", \"set\": []} []",
	       "FILE:1:26: not valid JSON: unexpected character");
	expect("top.json", "[1]", "FILE: expected a JSON object at the top, got an array");
	expect("keys.json", "{\"nmae\": \"x\", \"set\": []}",
	       "FILE: nmae: unknown key (name, description, tunnels, set)\n"
	       "FILE: name: missing");
	expect("name.json", "{\"name\": \"Big Name\", \"description\": 3, \"tunnels\": 0}",
	       "FILE: name: expected 1 to 64 lower-case letters, digits, . _ - (starting with a letter or digit)\n"
	       "FILE: description: expected a string, got an integer\n"
	       "FILE: tunnels: 0 is out of range 1..128\n"
	       "FILE: set: missing (a list of knob entries, [] for none)");
	expect("setobj.json", "{\"name\": \"v\", \"set\": {}}", "FILE: set: expected a list, got an object");
}

static void entries(void)
{
	expect("entry.json", V("1, {\"mtu\": 1400}, {\"node\": \"gw3\", \"link\": \"lan\", \"mtu\": 1400}"),
	       "FILE: set[0]: expected an object, got an integer\n"
	       "FILE: set[1].node: missing (source, gw1, gw2, drain, gateways, all or host)\n"
	       "FILE: set[2].node: \"gw3\" is not a node (source, gw1, gw2, drain, gateways, all or host)");
#define ALL_KNOBS "sysctl, mtu, txqueuelen, queues, offloads, qdisc, delay_ms, rps_cpus, xps_cpus, rps_flow_cnt, threaded_napi, loss_percent, mss_clamp, block_icmp_frag_needed, block_icmpv6_packet_too_big, port_spread, cpus"
	expect("knobs.json", V("{\"node\": \"gw1\"}, {\"node\": \"gw1\", \"link\": \"lan\", \"mtu\": 1400, \"txqueuelen\": 5},"
			       "{\"node\": \"gw1\", \"frob\": 1}, {\"node\": \"gw1\", \"value\": 1}, {\"node\": \"gw1\", \"rate\": 1}"),
	       "FILE: set[0]: no knob: an entry sets one or more of " ALL_KNOBS "\n"
	       "FILE: set[2].frob: unknown key (node, link, and one or more of: " ALL_KNOBS ")\n"
	       "FILE: set[3].value: only used with sysctl\n"
	       "FILE: set[4].rate: only used with qdisc");
	/* Several knobs of one target in one entry: each its own instance,
	 * checked on its own; an unknown key still names file, index and key. */
	expect("multi.json", V("{\"node\": \"gateways\", \"link\": \"underlay\", \"rps_cpus\": \"all\", \"rps_flow_cnt\": 4096},"
			       "{\"node\": \"gateways\", \"link\": \"underlay\", \"rps_cpus\": \"all\", \"frob\": 1},"
			       "{\"node\": \"gw1\", \"link\": \"lan\", \"mtu\": 10, \"txqueuelen\": -1, \"cpus\": [0]},"
			       "{\"node\": \"gw2\", \"link\": \"lan\", \"qdisc\": \"netem\", \"delay_ms\": 5, \"mtu\": 1400},"
			       "{\"node\": \"gw2\", \"link\": \"lan\", \"mtu\": 1300}"),
	       "FILE: set[1].frob: unknown key (node, link, and one or more of: " ALL_KNOBS ")\n"
	       "FILE: set[2].mtu: 10 is out of range 68..65535\n"
	       "FILE: set[2].txqueuelen: -1 is out of range 0..1000000\n"
	       "FILE: set[2].link: cpus takes no link");
	expect("multi-overlap.json", V("{\"node\": \"gw2\", \"link\": \"lan\", \"qdisc\": \"netem\", \"delay_ms\": 5, \"mtu\": 1400},"
				       "{\"node\": \"gateways\", \"link\": \"lan\", \"mtu\": 1300, \"txqueuelen\": 500}"),
	       "FILE: set[1].mtu: set[0] already sets this on the same node and link");
	expect("links.json", V("{\"node\": \"gw1\", \"mtu\": 1400}, {\"node\": \"gw1\", \"link\": \"wan\", \"mtu\": 1400},"
			       "{\"node\": \"gw1\", \"link\": 3, \"mtu\": 1400}, {\"node\": \"source\", \"link\": \"underlay\", \"mtu\": 1400},"
			       "{\"node\": \"drain\", \"link\": \"tunnel\", \"mtu\": 1400}, {\"node\": \"host\", \"link\": \"lan\", \"mtu\": 1400},"
			       "{\"node\": \"gw1\", \"link\": \"lan\", \"cpus\": [0]}, {\"node\": \"host\", \"cpus\": [0]},"
			       "{\"node\": \"gw1\", \"link\": \"lan\", \"sysctl\": \"net.ipv4.ip_forward\", \"value\": 1}"),
	       "FILE: set[0].link: missing: mtu needs a link (lan, underlay or tunnel)\n"
	       "FILE: set[1].link: \"wan\" is not a link (lan, underlay or tunnel)\n"
	       "FILE: set[2].link: expected a string (lan, underlay or tunnel), got an integer\n"
	       "FILE: set[3].link: source has no underlay link (the underlay and the tunnels join gw1 and gw2)\n"
	       "FILE: set[4].link: drain has no tunnel link (the underlay and the tunnels join gw1 and gw2)\n"
	       "FILE: set[5].node: host has no links: mtu needs a node (source, gw1, gw2, drain, gateways or all)\n"
	       "FILE: set[6].link: cpus takes no link\n"
	       "FILE: set[7].node: host is only for sysctl; cpus needs a node\n"
	       "FILE: set[8].link: sysctl takes no link");
	expect("overlap.json", V("{\"node\": \"gateways\", \"link\": \"lan\", \"mtu\": 1400}, {\"node\": \"gw2\", \"link\": \"lan\", \"mtu\": 1300},"
				 "{\"node\": \"gw1\", \"link\": \"lan\", \"qdisc\": \"pfifo\"}, {\"node\": \"all\", \"link\": \"lan\", \"delay_ms\": 5}"),
	       "FILE: set[1].mtu: set[0] already sets this on the same node and link\n"
	       "FILE: set[3].delay_ms: set[2] already sets this on the same node and link");
}

/* net.core.rmem_max is read-only in a namespace on 6.x, absent before:
 * either way machine-wide, in two wordings; per namespace on some kernels. */
static void sysctls(void)
{
	char probe[64];
	int in_ns;
	{
		pid_t pid = fork();
		int st = 0;

		if (pid == 0)
			_exit(unshare(CLONE_NEWNET) ? 9 : access("/proc/sys/net/core/rmem_max", W_OK) == 0 ? 0 :
			      access("/proc/sys/net/core/rmem_max", F_OK) == 0 ? 3 : 1);
		waitpid(pid, &st, 0);
		in_ns = WEXITSTATUS(st);
	}
	snprintf(probe, sizeof(probe), "%d", in_ns);
#define RMEM ",{\"node\": \"gw1\", \"sysctl\": \"net.core.rmem_max\", \"value\": 1048576}"
#define RMEM_ERR (in_ns == 3 ? "\nFILE: set[7].node: net.core.rmem_max is machine-wide on this kernel (read-only in a network namespace, where it follows the host's value): use node host" : \
		  in_ns == 1 ? "\nFILE: set[7].node: net.core.rmem_max is machine-wide on this kernel (not per network namespace): use node host" : "")
	char want[4096];
	static const char *const base =
	       "FILE: set[0].node: net.core.netdev_max_backlog is machine-wide on this kernel (not per network namespace): use node host\n"
	       "FILE: set[1].node: net.ipv4.tcp_congestion_control is per network namespace: node host would change only the host's namespace, not the testbed's; use source, gw1, gw2, drain, gateways or all\n"
	       "FILE: set[2].sysctl: \"kernel.panic\" is not a networking sysctl name (net.*: lower-case letters, digits, _ -)\n"
	       "FILE: set[3].value: missing: sysctl needs a value\n"
	       "FILE: set[4].value: expected an integer or a string, got a fractional number\n"
	       "FILE: set[5].value: \"1;reboot\" is not a sysctl value (1 to 200 letters, digits, spaces, . _ : , / -)\n"
	       "FILE: set[6].sysctl: expected a string such as \"net.core.rmem_max\", got an integer";

	snprintf(want, sizeof(want), "%s%s", base, RMEM_ERR);
	expect("sysctl.json", V("{\"node\": \"gw1\", \"sysctl\": \"net.core.netdev_max_backlog\", \"value\": 5000},"
				"{\"node\": \"host\", \"sysctl\": \"net.ipv4.tcp_congestion_control\", \"value\": \"bbr\"},"
				"{\"node\": \"gw1\", \"sysctl\": \"kernel.panic\", \"value\": 1},"
				"{\"node\": \"gw1\", \"sysctl\": \"net.ipv4.ip_forward\"},"
				"{\"node\": \"gw1\", \"sysctl\": \"net.ipv4.ip_forward\", \"value\": 1.5},"
				"{\"node\": \"gw1\", \"sysctl\": \"net.ipv4.tcp_rmem\", \"value\": \"1;reboot\"},"
				"{\"node\": \"gw1\", \"sysctl\": 7, \"value\": 1}"
				RMEM), want);
	(void)probe;
}

static void values(void)
{
	char want[4096], json[4096];
	unsigned int n = knob_ncpus();

	/* one bit past this machine's CPUs */
	snprintf(json, sizeof(json), V("{\"node\": \"gw1\", \"link\": \"lan\", \"mtu\": \"1400\"}, {\"node\": \"gw2\", \"link\": \"lan\", \"mtu\": 10},"
				       "{\"node\": \"gw1\", \"link\": \"underlay\", \"rps_cpus\": \"%llx\"}, {\"node\": \"gw1\", \"link\": \"underlay\", \"xps_cpus\": \"zz\"},"
				       "{\"node\": \"gw1\", \"cpus\": [0, 99]}, {\"node\": \"gw2\", \"cpus\": [0, 0]}, {\"node\": \"source\", \"cpus\": []},"
				       "{\"node\": \"gw1\", \"link\": \"tunnel\", \"threaded_napi\": \"yes\"},"
				       "{\"node\": \"gw1\", \"link\": \"tunnel\", \"rps_flow_cnt\": -1}, {\"node\": \"gw1\", \"link\": \"tunnel\", \"queues\": 0}"),
		 (1ULL << n) | 1);
	snprintf(want, sizeof(want),
		 "FILE: set[0].mtu: expected an integer, got a string\n"
		 "FILE: set[1].mtu: 10 is out of range 68..65535\n"
		 "FILE: set[2].rps_cpus: mask 0x%llx is wider than this machine's %u CPU%s\n"
		 "FILE: set[3].xps_cpus: \"zz\" is not \"all\" or a hex CPU mask of at most 16 digits\n"
		 "FILE: set[4].cpus[1]: CPU 99 does not exist on this machine (%u CPU%s: 0-%u)\n"
		 "FILE: set[5].cpus[1]: CPU 0 is listed twice\n"
		 "FILE: set[6].cpus: expected a non-empty list of CPU numbers, such as [1]\n"
		 "FILE: set[7].threaded_napi: expected true or false, got a string\n"
		 "FILE: set[8].rps_flow_cnt: -1 is out of range 0..1048576\n"
		 "FILE: set[9].queues: 0 is out of range 1..256",
		 (1ULL << n) | 1, n, n == 1 ? "" : "s", n, n == 1 ? "" : "s", n - 1);
	expect("values.json", json, want);
}

static void others(void)
{
	expect("qdisc.json", V("{\"node\": \"gw1\", \"link\": \"lan\", \"qdisc\": \"red\"}, {\"node\": \"gw2\", \"link\": \"lan\", \"qdisc\": \"tbf\"},"
			       "{\"node\": \"gw1\", \"link\": \"underlay\", \"qdisc\": \"pfifo\", \"rate\": \"1mbit\"},"
			       "{\"node\": \"gw2\", \"link\": \"underlay\", \"qdisc\": \"tbf\", \"rate\": \"fast\"},"
			       "{\"node\": \"source\", \"link\": \"lan\", \"qdisc\": \"netem\", \"delay_ms\": 0},"
			       "{\"node\": \"drain\", \"link\": \"lan\", \"delay_ms\": \"20\"}"),
	       "FILE: set[0].qdisc: \"red\" is not a qdisc wgbench sets (tbf, htb, pfifo, bfifo, sfq, fq, fq_codel, cake, netem)\n"
	       "FILE: set[1].rate: missing: tbf needs a rate\n"
	       "FILE: set[2].rate: not a parameter of pfifo\n"
	       "FILE: set[3].rate: expected bit/s as an integer or a string such as \"500mbit\" (bit, kbit, mbit, gbit), from 8kbit to 16gbit\n"
	       "FILE: set[4].delay_ms: 0 is out of range 0.001..10000\n"
	       "FILE: set[5].delay_ms: expected a number, got a string");
	expect("nft.json", V("{\"node\": \"gw1\", \"link\": \"underlay\", \"loss_percent\": 200},"
			     "{\"node\": \"gw1\", \"link\": \"tunnel\", \"mss_clamp\": \"auto\"},"
			     "{\"node\": \"gw2\", \"link\": \"tunnel\", \"mss_clamp\": 100},"
			     "{\"node\": \"gw1\", \"link\": \"lan\", \"block_icmp_frag_needed\": 1},"
			     "{\"node\": \"gw1\", \"link\": \"underlay\", \"port_spread\": 4},"
			     "{\"node\": \"gateways\", \"link\": \"tunnel\", \"port_spread\": 4},"
			     "{\"node\": \"gateways\", \"link\": \"underlay\", \"port_spread\": 99}"),
	       "FILE: set[0].loss_percent: 200 is out of range 0.01..100\n"
	       "FILE: set[1].mss_clamp: expected \"pmtu\" or an MSS in bytes, got a string\n"
	       "FILE: set[2].mss_clamp: 100 is out of range 536..65495\n"
	       "FILE: set[3].block_icmp_frag_needed: expected true or false, got an integer\n"
	       "FILE: set[4].node: port_spread needs node gateways: each gateway rewrites what it sends and restores what it receives\n"
	       "FILE: set[5].link: port_spread is on the underlay, where the tunnel's UDP packets travel\n"
	       "FILE: set[6].port_spread: 99 is out of range 2..16");
	expect("offl.json", V("{\"node\": \"gw1\", \"link\": \"lan\", \"offloads\": {\"gro\": true, \"warp\": false, \"gso\": \"on\"}},"
			      "{\"node\": \"gw2\", \"link\": \"lan\", \"offloads\": {}}"),
	       "FILE: set[0].offloads.warp: not an offload this kernel knows (gro, gso, tso, lro, sg, or an ETH_SS_FEATURES name such as rx-udp-gro-forwarding)\n"
	       "FILE: set[0].offloads.gso: expected true or false, got a string\n"
	       "FILE: set[1].offloads: expected an object of feature names to true/false, such as {\"gro\": true}");
	expect("good.json", V("{\"node\": \"gateways\", \"link\": \"underlay\", \"rps_cpus\": \"all\"},"
			      "{\"node\": \"host\", \"sysctl\": \"net.core.netdev_budget\", \"value\": 600},"
			      "{\"node\": \"all\", \"sysctl\": \"net.ipv4.tcp_rmem\", \"value\": \"4096  131072\t16777216\"},"
			      "{\"node\": \"gw1\", \"link\": \"lan\", \"offloads\": {\"gro\": true, \"rx_udp_gro_forwarding\": true}},"
			      "{\"node\": \"gateways\", \"link\": \"underlay\", \"qdisc\": \"tbf\", \"rate\": \"500mbit\", \"burst\": 65536},"
			      "{\"node\": \"all\", \"link\": \"tunnel\", \"mtu\": 1380}, {\"node\": \"gw1\", \"cpus\": [0]}"), "");
}

/* tc's get_size(): the table of iproute2's lib/utils_math.c. */
static void sizes(void)
{
	static const struct { const char *in; uint64_t bytes; } good[] = {
		{ "1500", 1500 }, { "1500b", 1500 }, { "1500B", 1500 }, { "64kb", 65536 }, { "64k", 65536 },
		{ "64KB", 65536 }, { "1mb", 1048576 }, { "1m", 1048576 }, { "1.5mb", 1572864 },
		{ "2g", 2147483648ULL }, { "1gb", 1073741824 }, { "10kbit", 1280 }, { "1mbit", 131072 },
		{ "8gbit", 1073741824 }, { "0.5kb", 512 }, { "0", 0 },
	};
	static const char *const bad[] = {
		"", "kb", "64 kb", "64kib", "64kbps", "-1", " 64", "1.5", "0.1kb", "inf", "nan", "1e30", "64kb ",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		uint64_t b = 0;

		if (knob_size_parse(good[i].in, &b) || b != good[i].bytes) {
			printf("FAIL size \"%s\": %llu, expected %llu\n", good[i].in, (unsigned long long)b,
			       (unsigned long long)good[i].bytes);
			failures++;
		}
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t b = 0;

		if (knob_size_parse(bad[i], &b) != -EINVAL) {
			printf("FAIL size \"%s\" accepted (%llu)\n", bad[i], (unsigned long long)b);
			failures++;
		}
	}
#define SIZE_WORDS "expected bytes as an integer or a string such as \"64kb\" (tc's sizes: b, k or kb, m or mb, g or gb, kbit, mbit, gbit)"
	expect("size.json", V("{\"node\": \"gw1\", \"link\": \"underlay\", \"qdisc\": \"tbf\", \"rate\": \"40mbit\", \"burst\": \"64 kb\"},"
			      "{\"node\": \"gw2\", \"link\": \"underlay\", \"qdisc\": \"tbf\", \"rate\": \"40mbit\", \"burst\": \"1gb\", \"limit\": true},"
			      "{\"node\": \"gw1\", \"link\": \"lan\", \"qdisc\": \"pfifo\", \"limit\": \"10kb\"},"
			      "{\"node\": \"gw2\", \"link\": \"lan\", \"qdisc\": \"htb\", \"rate\": \"1mbit\", \"burst\": 100},"
			      "{\"node\": \"source\", \"link\": \"lan\", \"qdisc\": \"bfifo\", \"limit\": \"2gb\"}"),
	       "FILE: set[0].burst: " SIZE_WORDS "\n"
	       "FILE: set[1].burst: \"1gb\" is 1073741824 bytes, out of range 1600..67108864\n"
	       "FILE: set[1].limit: " SIZE_WORDS "\n"
	       "FILE: set[2].limit: expected a packet count (an integer): pfifo's limit counts packets\n"
	       "FILE: set[3].burst: 100 is out of range 1600..67108864\n"
	       "FILE: set[4].limit: \"2gb\" is 2147483648 bytes, out of range 1..1073741824");
	expect("size-good.json", V("{\"node\": \"gw1\", \"link\": \"underlay\", \"qdisc\": \"tbf\", \"rate\": \"40mbit\", \"burst\": \"64kb\", \"limit\": \"1mb\"},"
				   "{\"node\": \"gw2\", \"link\": \"underlay\", \"qdisc\": \"htb\", \"rate\": \"1mbit\", \"burst\": \"2kb\"},"
				   "{\"node\": \"gw1\", \"link\": \"lan\", \"qdisc\": \"bfifo\", \"limit\": \"10k\"},"
				   "{\"node\": \"gw2\", \"link\": \"lan\", \"qdisc\": \"pfifo\", \"limit\": 100}"), "");
}

/* The README's example: one entry, two knobs, two instances. */
static void instances(void)
{
	const char *names[1] = { "readme.json" };
	char path[256];
	const char *paths[1] = { path };
	struct variant_set *s = NULL;

	write_file(names[0], "{\"name\": \"rps-backlog\", \"tunnels\": 1, \"set\": ["
		   "{\"node\": \"gateways\", \"link\": \"underlay\", \"rps_cpus\": \"all\", \"rps_flow_cnt\": 4096},"
		   "{\"node\": \"host\", \"sysctl\": \"net.core.netdev_max_backlog\", \"value\": 10000},"
		   "{\"node\": \"host\", \"sysctl\": \"net.core.netdev_budget\", \"value\": 600}]}");
	snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
	if (variant_load_all(paths, 1, &s) || variant_knob_count(variant_get(s, 0)) != 4) {
		printf("FAIL README example: %zu knobs, expected 4\n", s ? variant_knob_count(variant_get(s, 0)) : 0);
		failures++;
	}
	variant_set_free(s);
}

static void files(void)
{
	const char *two[2] = { "same1.json", "same2.json" }, *missing[1] = { "nonexistent.json" };
	char want[1024], *got;
	int ret;

	write_file("same1.json", V(""));
	write_file("same2.json", V(""));
	got = load(two, 2, &ret);
	snprintf(want, sizeof(want), "wgbench: %s/same2.json: name: \"v\" is also the name of %s/same1.json\n",
		 dir, dir);
	if (ret != -EINVAL || strcmp(got, want)) {
		printf("FAIL duplicate names: %s", got);
		failures++;
	}
	free(got);
	got = load(missing, 1, &ret);
	snprintf(want, sizeof(want), "wgbench: %s/nonexistent.json: cannot read: No such file or directory\n", dir);
	if (ret != -EINVAL || strcmp(got, want)) {
		printf("FAIL missing file: %s", got);
		failures++;
	}
	free(got);
}

static void builtin_and_shipped(void)
{
	struct variant_set *s = NULL;
	glob_t g;
	size_t i;

	if (variant_load_all(NULL, 0, &s) || variant_count(s) != 1 ||
	    strcmp(variant_name(variant_get(s, 0)), "baseline")) {
		printf("FAIL built-in baseline\n");
		failures++;
	}
	variant_set_free(s);
	s = NULL;
	if (glob("scenarios/variants/*.json", 0, NULL, &g) || g.gl_pathc < 15) {
		printf("FAIL shipped variants not found (run from the top directory)\n");
		failures++;
		return;
	}
	if (variant_load_all((const char *const *)g.gl_pathv, g.gl_pathc, &s)) {
		printf("FAIL shipped variants do not load\n");
		failures++;
	}
	for (i = 0; s && i < variant_count(s); i++) {
		char file[256];

		snprintf(file, sizeof(file), "scenarios/variants/%s.json", variant_name(variant_get(s, i)));
		if (strcmp(file, g.gl_pathv[i])) {
			printf("FAIL %s is named %s\n", g.gl_pathv[i], variant_name(variant_get(s, i)));
			failures++;
		}
	}
	variant_set_free(s);
	globfree(&g);
}

/* Record, re-record (a killed run's value wins), restore, file gone. */
static void host_file(void)
{
	const char *path = "/proc/sys/net/core/netdev_budget", *pfx = "tvar-";
	char now[64], orig[64], *after = NULL;
	int r;

	util_read_file(path, &after, NULL);
	snprintf(now, sizeof(now), "%.*s", (int)strcspn(after, "\n"), after);
	free(after);
	if (knob_host_record(pfx, path, now, orig, sizeof(orig)) != 0 ||
	    knob_host_record(pfx, path, "999", orig, sizeof(orig)) != 1 || strcmp(orig, now) ||
	    access("/run/wgbench/tvar-host.json", F_OK)) {
		printf("FAIL host record\n");
		failures++;
	}
	r = knob_host_restore(pfx, true);
	util_read_file(path, &after, NULL);
	if (r != 1 || strncmp(after, now, strlen(now)) || !access("/run/wgbench/tvar-host.json", F_OK)) {
		printf("FAIL host restore (%d): %s", r, after);
		failures++;
	}
	free(after);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("t_variant: skipped, needs root (scratch network namespaces)\n");
		return 0;
	}
	if (!mkdtemp(dir))
		return 1;
	syntax();
	entries();
	sysctls();
	values();
	others();
	sizes();
	instances();
	files();
	builtin_and_shipped();
	host_file();
	{
		char cmd[300];
		glob_t g;
		size_t i;

		snprintf(cmd, sizeof(cmd), "%s/*", dir);
		if (!glob(cmd, 0, NULL, &g)) {
			for (i = 0; i < g.gl_pathc; i++)
				unlink(g.gl_pathv[i]);
			globfree(&g);
		}
		rmdir(dir);
	}
	if (failures)
		printf("t_variant: %d failed\n", failures);
	return failures ? 1 : 0;
}
