/* cmd_sample.c — `wgbench sample`: watch a testbed left up by `topo up`.
 * Attaches to it (never changes it), samples its counters for --duration
 * seconds (Ctrl-C ends early, the summary still comes), writes the timeline
 * to --out and prints the summary: a table, or with --json
 * {"prefix","duration_s","timeline","cpu":{...},"drops":{...}} (sample.h). */
#include "cmd.h"
#include "opts.h"
#include "sample.h"
#include "topo.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const allowed[] = { "--prefix", "--duration", "--interval", "--out", "--json" };

static void usage(FILE *f)
{
	fprintf(f, "Usage: wgbench sample [--prefix P] [--duration S] [--interval S] [--out FILE] [--json]\n"
		"  Sample CPU, softirq, interrupt and drop counters of a live testbed\n"
		"  (brought up by `wgbench topo up`) and print their summary.\n"
		"  --prefix P     the testbed's prefix (wgb-)\n"
		"  --duration S   seconds to sample (10); Ctrl-C ends early\n"
		"  --interval S   seconds between snapshots (0.5)\n"
		"  --out FILE     write the timeline (CSV, one row per interval) there\n"
		"  --json         print the summary as JSON\n");
}

static int check_flags(int argc, char *argv[])
{
	int i;
	size_t k;

	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--", 2))
			continue;
		for (k = 0; k < ARRAY_SIZE(allowed); k++) {
			size_t n = strlen(allowed[k]);

			if (!strncmp(argv[i], allowed[k], n) && (argv[i][n] == '\0' || argv[i][n] == '='))
				break;
		}
		if (k == ARRAY_SIZE(allowed)) {
			wgb_err("sample: unknown option '%s' (see wgbench sample --help)", argv[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* Wait for the duration or a SIGINT/SIGTERM, whichever comes first. */
static void wait_for(const sigset_t *set, double seconds)
{
	double end = util_now_mono() + seconds;

	for (;;) {
		double left = end - util_now_mono();
		struct timespec ts;

		if (left <= 0)
			return;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		if (sigtimedwait(set, NULL, &ts) > 0)
			return;
	}
}

static double jnum(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && v ? json_object_get_double(v) : NAN;
}

static void print_text(struct json_object *cpu, struct json_object *drops)
{
	struct json_object *cores, *v, *top, *nodes;
	size_t i;

	printf("%-4s %7s %7s %7s %7s %7s %7s %7s\n", "cpu", "%usr", "%sys", "%irq", "%soft", "%steal", "%idle", "%busy");
	json_object_object_get_ex(cpu, "cores", &cores);
	for (i = 0; cores && i < json_object_array_length(cores); i++) {
		struct json_object *c = json_object_array_get_idx(cores, i);

		printf("%-4d %7.2f %7.2f %7.2f %7.2f %7.2f %7.2f %7.2f\n", (int)jnum(c, "cpu"),
		       jnum(c, "usr"), jnum(c, "sys"), jnum(c, "irq"), jnum(c, "softirq"),
		       jnum(c, "steal"), jnum(c, "idle"), jnum(c, "busy"));
	}
	if (json_object_object_get_ex(cpu, "top_core", &top) && top)
		printf("top core (softirq): cpu%d %.2f%% softirq, %.2f%% busy\n", (int)jnum(top, "cpu"),
		       jnum(top, "softirq"), jnum(top, "busy"));
	if (json_object_object_get_ex(cpu, "nodes", &nodes)) {
		json_object_object_foreach(nodes, name, n) {
			if (!isnan(jnum(n, "tunnel_cpu_percent")))
				printf("tunnel workers at %s: %.2f%% of one core\n", name, jnum(n, "tunnel_cpu_percent"));
		}
	}
	if (json_object_object_get_ex(cpu, "interrupts", &v) && json_object_object_get_ex(v, "top", &v))
		for (i = 0; i < json_object_array_length(v) && i < 3; i++) {
			struct json_object *q = json_object_array_get_idx(v, i), *name;

			json_object_object_get_ex(q, "name", &name);
			printf("irq %s (%s): %.0f\n", json_object_get_string(json_object_object_get(q, "irq")),
			       json_object_get_string(name), jnum(q, "total"));
		}
	printf("drops: softnet %.0f, squeezed %.0f, qdisc %.0f, udp rcvbuf %.0f, udp sndbuf %.0f, "
	       "udp in_errors %.0f, tcp retrans %.0f\n",
	       jnum(drops, "softnet_dropped"), jnum(drops, "softnet_squeezed"), jnum(drops, "qdisc_drops"),
	       jnum(drops, "udp_rcvbuf_errors"), jnum(drops, "udp_sndbuf_errors"),
	       jnum(drops, "udp_in_errors"), jnum(drops, "tcp_retrans_segs"));
	if (json_object_object_get_ex(cpu, "sampler", &v))
		printf("sampler: %.0f snapshots, %.0f us each (max %.0f), %.3f s CPU, pinned to cpu %.0f\n",
		       jnum(v, "snapshots"), jnum(v, "mean_snapshot_us"), jnum(v, "max_snapshot_us"),
		       jnum(v, "self_cpu_s"), jnum(v, "cpu"));
}

int sample_main(int argc, char *argv[])
{
	struct json_object *cpu = NULL, *drops = NULL, *doc;
	struct sampler *s = NULL;
	struct topo *t = NULL;
	struct opts o;
	sigset_t set, old;
	size_t n_pos;
	double w0, w1;
	int ret, code = WGB_EXIT_FAIL;

	if (argc >= 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
		usage(stdout);
		return WGB_EXIT_OK;
	}
	opts_init(&o);
	if (check_flags(argc, argv) || opts_parse(&o, OPTS_TOPO | OPTS_RUN, argc, argv, NULL, 0, &n_pos))
		return WGB_EXIT_USAGE;
	ret = topo_attach(o.prefix, &t);
	if (ret) {
		wgb_err("sample: no live testbed with prefix '%s' (bring one up with `wgbench topo up`)", o.prefix);
		return cmd_exit_code(ret == -ENOMEM || ret == -EIO ? ret : -ENOENT);
	}
	/* blocked before the sampler thread exists, so only sigtimedwait sees them */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	ret = sample_start(t, o.interval, o.out, &s);
	if (ret) {
		code = cmd_exit_code(ret);
		goto out;
	}
	w0 = util_now_mono();
	wait_for(&set, o.duration);
	w1 = util_now_mono();
	ret = sample_stop(s, w0, w1, &cpu, &drops);
	if (ret)
		goto out;
	if (o.json) {
		doc = json_object_new_object();
		json_object_object_add(doc, "prefix", json_object_new_string(o.prefix));
		json_object_object_add(doc, "duration_s", json_object_new_double(w1 - w0));
		json_object_object_add(doc, "timeline", o.out ? json_object_new_string(o.out) : NULL);
		json_object_object_add(doc, "cpu", cpu);
		json_object_object_add(doc, "drops", drops);
		cpu = drops = NULL;
		printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(doc);
	} else {
		printf("sampled testbed '%s' for %.1f s%s%s\n", o.prefix, w1 - w0,
		       o.out ? ", timeline in " : "", o.out ? o.out : "");
		print_text(cpu, drops);
	}
	code = WGB_EXIT_OK;
out:
	json_object_put(cpu);
	json_object_put(drops);
	sample_free(s);
	topo_free(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return code;
}
