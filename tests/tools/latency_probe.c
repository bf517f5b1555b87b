/* latency_probe.c — drives harness/measure/latency.c on real namespaces the
 * way a run will, without the run: for tests/e2e/latency_probe.sh and for
 * trying the probe by hand.
 *
 *   latency_probe --from NETNS_PATH --to NETNS_PATH --addr ADDR
 *                 [--idle S] [--load S] [--wait-signal] [--interval-ms N]
 *                 [--timeout-ms N] [--size BYTES] [--user-clock] [--timeline FILE]
 *
 * A reflector in --to, a probe in --from towards ADDR (an address of --to).
 * The probe runs --idle seconds (the idle window), prints "idle-done", then,
 * with --wait-signal, waits for SIGUSR1 (the caller starts its load first),
 * prints "load-start" and runs --load seconds (the load window). Then it
 * stops and prints runs[].latency as one JSON line; --timeline writes the
 * per-probe (t, rtt) file with t = 0 at the start of the load window.
 * Exit 0, 1 on a failure (the cause printed), 2 on bad usage.
 */
#include "latency.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct args {
	const char *from, *to, *addr, *timeline;
	double idle_s, load_s;
	bool wait_signal;
	struct latency_opts o;
};

static int usage(void)
{
	fprintf(stderr, "usage: latency_probe --from NETNS_PATH --to NETNS_PATH --addr ADDR [--idle S] "
		"[--load S] [--wait-signal] [--interval-ms N] [--timeout-ms N] [--size BYTES] [--user-clock] "
		"[--timeline FILE]\n");
	return 2;
}

static int parse_num(const char *s, double min, double max, double *out)
{
	if (util_parse_double(s, min, max, out)) {
		fprintf(stderr, "latency_probe: '%s' is not a number in [%g, %g]\n", s, min, max);
		return -EINVAL;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "addr", required_argument, NULL, 'a' },
		{ "idle", required_argument, NULL, 'i' },
		{ "load", required_argument, NULL, 'l' },
		{ "wait-signal", no_argument, NULL, 'w' },
		{ "interval-ms", required_argument, NULL, 'n' },
		{ "timeout-ms", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 's' },
		{ "user-clock", no_argument, NULL, 'u' },
		{ "timeline", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	double v = 0;
	int c, ret = 0;

	*a = (struct args){ .idle_s = 1, .load_s = 5 };
	while (!ret && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': a->from = optarg; break;
		case 't': a->to = optarg; break;
		case 'a': a->addr = optarg; break;
		case 'T': a->timeline = optarg; break;
		case 'w': a->wait_signal = true; break;
		case 'u': a->o.user_clock = true; break;
		case 'i': ret = parse_num(optarg, 0, 600, &a->idle_s); break;
		case 'l': ret = parse_num(optarg, 0.1, 600, &a->load_s); break;
		case 'n':
			ret = parse_num(optarg, 1, 10000, &v);
			a->o.interval_s = v / 1e3;
			break;
		case 'o':
			ret = parse_num(optarg, 10, 60000, &v);
			a->o.timeout_s = v / 1e3;
			break;
		case 's':
			ret = parse_num(optarg, LATENCY_HDR_LEN, LATENCY_PKT_MAX, &v);
			a->o.size = (unsigned int)v;
			break;
		default: ret = -EINVAL;
		}
	}
	if (ret)
		return ret;
	return a->from && a->to && a->addr && optind == argc ? 0 : -EINVAL;
}

static void sleep_s(double s)
{
	struct timespec t = { (time_t)s, (long)((s - floor(s)) * 1e9) };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &t, &t) == EINTR)
		;
}

static void say(const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

/* The windows, as a run would mark them, then the result. */
static int measure(const struct args *a, struct latency_probe *p, struct latency_reflector *r,
		   const sigset_t *usr1)
{
	struct latency_window idle, load;
	struct latency_result res;
	struct json_object *j;
	struct timespec max = { 600, 0 };
	int ret;

	idle.begin = util_now_mono();
	sleep_s(a->idle_s);
	idle.end = util_now_mono();
	say("idle-done");
	if (a->wait_signal && sigtimedwait(usr1, NULL, &max) != SIGUSR1) {
		fprintf(stderr, "latency_probe: no SIGUSR1 within %ld s\n", (long)max.tv_sec);
		return -ETIMEDOUT;
	}
	load.begin = util_now_mono();
	say("load-start");
	sleep_s(a->load_s);
	load.end = util_now_mono();
	if ((ret = latency_probe_stop(p)) ||
	    (ret = latency_probe_result(p, a->idle_s > 0 ? &idle : NULL, &load, latency_reflector_cpu_s(r), &res)))
		return ret;
	if (a->timeline && (ret = latency_probe_timeline(p, load.begin, a->timeline)))
		return ret;
	if (!(j = latency_result_json(&res)))
		return -ENOMEM;
	say(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
	return 0;
}

int main(int argc, char **argv)
{
	struct latency_reflector *r = NULL;
	struct latency_probe *p = NULL;
	struct args a;
	sigset_t usr1;
	int ret;

	if (parse_args(argc, argv, &a))
		return usage();
	/* Blocked before any thread exists, so every thread inherits it and
	 * sigtimedwait() is the one place it arrives. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	ret = latency_reflector_start(a.to, NULL, 0, &a.o, &r);
	if (!ret)
		ret = latency_probe_start(a.from, a.addr, latency_reflector_port(r), &a.o, &p);
	if (!ret)
		ret = measure(&a, p, r, &usr1);
	latency_probe_free(p);
	latency_reflector_free(r);
	if (ret)
		fprintf(stderr, "latency_probe: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}
