/* t_tune.c — tune's pure parts: variants normalised to one knob per entry,
 * a cumulative shipped variant minus the one it builds on, merging onto a
 * best (replacing what the same knob set), names; the judge on results
 * directories written here (a target improved while a guard's RTT p99 grew
 * by far more than the slack -> rejected, said why; a rise below the slack
 * tolerated; trivial drops and an unlimited UDP sender's drops not judged;
 * disturbed repeats set aside, or every one judged and said so); tune.md and
 * the persistence files rendered from a tune.json fixture. */
#include "tune_impl.h"
#include "scenario.h"

#include <errno.h>
#include <ftw.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T_NAME "t_tune"
#define CHECK T_CHECK_MSG
#include "t_common.h"

static struct json_object *parse(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	if (!o) {
		fprintf(stderr, "t_tune: bad JSON in the test: %s\n", text);
		exit(1);
	}
	return o;
}

static size_t set_len(struct json_object *v)
{
	struct json_object *s;

	return json_object_object_get_ex(v, "set", &s) ? json_object_array_length(s) : 0;
}

static const char *entry_str(struct json_object *v, size_t i, const char *key)
{
	struct json_object *s, *e, *x;

	if (!json_object_object_get_ex(v, "set", &s) || !(e = json_object_array_get_idx(s, i)) ||
	    !json_object_object_get_ex(e, key, &x))
		return NULL;
	return json_object_get_string(x);
}

static void test_normalize(void)
{
	struct json_object *doc = parse("{\"name\":\"x\",\"set\":["
		"{\"node\":\"gateways\",\"link\":\"underlay\",\"rps_cpus\":\"all\",\"rps_flow_cnt\":4096},"
		"{\"node\":\"gateways\",\"link\":\"underlay\",\"qdisc\":\"tbf\",\"rate\":\"50mbit\",\"burst\":3000,\"limit\":3000},"
		"{\"node\":\"host\",\"sysctl\":\"net.core.rmem_max\",\"value\":4096}]}"), *n = NULL;
	char k[256];

	CHECK(tune_variant_normalize(doc, &n) == 0, "normalize");
	CHECK(set_len(n) == 4, "4 entries (rps split in two), got %zu", set_len(n));
	CHECK(entry_str(n, 0, "rps_cpus") && !entry_str(n, 0, "rps_flow_cnt"), "rps_cpus alone");
	CHECK(entry_str(n, 1, "rps_flow_cnt") && !strcmp(entry_str(n, 1, "link"), "underlay"), "flow cnt keeps its link");
	CHECK(entry_str(n, 2, "qdisc") && entry_str(n, 2, "rate") && entry_str(n, 2, "limit"), "qdisc keeps its parameters");
	CHECK(entry_str(n, 3, "value") && !strcmp(entry_str(n, 3, "value"), "4096"), "sysctl keeps its value");
	tune_entry_key(json_object_array_get_idx(json_object_object_get(n, "set"), 3), k, sizeof(k));
	CHECK(!strcmp(k, "host||sysctl|net.core.rmem_max"), "sysctl key: %s", k);
	tune_entry_key(json_object_array_get_idx(json_object_object_get(n, "set"), 2), k, sizeof(k));
	CHECK(!strcmp(k, "gateways|underlay|qdisc|"), "qdisc key: %s", k);
	json_object_put(n);
	json_object_put(doc);
}

/* backlog-budget is rps-rfs plus three sysctls: the candidate is the three. */
static void test_delta_merge(void)
{
	struct json_object *bb = NULL, *rps = NULL, *best, *adds = NULL, *m = NULL;
	size_t i;

	CHECK(tune_variant_load("scenarios/variants/backlog-budget.json", &bb) == 0, "load backlog-budget");
	CHECK(tune_variant_load("scenarios/variants/rps-rfs.json", &rps) == 0, "load rps-rfs");
	best = parse("{\"name\":\"tiny\",\"set\":[{\"node\":\"host\",\"sysctl\":\"net.core.netdev_budget\","
		     "\"value\":100},{\"node\":\"all\",\"sysctl\":\"net.ipv4.tcp_rmem\",\"value\":\"4096 8192 16384\"}]}");
	if (!bb || !rps)
		goto out;
	CHECK(tune_variant_delta(bb, rps, best, &adds) == 0, "delta");
	CHECK(json_object_array_length(adds) == 3, "3 sysctls beyond rps-rfs, got %zu", json_object_array_length(adds));
	for (i = 0; i < json_object_array_length(adds); i++)
		CHECK(json_object_object_get(json_object_array_get_idx(adds, i), "sysctl") != NULL, "a sysctl");
	CHECK(tune_variant_merge(best, adds, 2, "r1-backlog-budget", "d", &m) == 0, "merge");
	/* netdev_budget 100 replaced by 600, tcp_rmem kept: 1 + 3 */
	CHECK(set_len(m) == 4, "merged: 4 entries, got %zu", set_len(m));
	CHECK(!strcmp(entry_str(m, 0, "sysctl"), "net.ipv4.tcp_rmem"), "the best's other entry first");
	CHECK(tune_variant_tunnels(m) == 2, "tunnels from the candidate");
	CHECK(!strcmp(json_object_get_string(json_object_object_get(m, "name")), "r1-backlog-budget"), "name");
	json_object_put(adds);
	adds = NULL;
	/* what the best already has is no candidate */
	CHECK(tune_variant_delta(m, NULL, m, &adds) == 0 && json_object_array_length(adds) == 0, "nothing new");
out:
	json_object_put(adds);
	json_object_put(m);
	json_object_put(best);
	json_object_put(bb);
	json_object_put(rps);
}

/* A candidate that sets a knob on the gateways overrides the start's "all"
 * there only (two entries for one node would not validate); one on "all"
 * replaces a narrower one whole. */
static void test_merge_overlap(void)
{
	struct json_object *best = parse("{\"name\":\"w8k\",\"set\":["
		"{\"node\":\"all\",\"sysctl\":\"net.ipv4.tcp_rmem\",\"value\":\"4096 8192 8192\"},"
		"{\"node\":\"gw1\",\"sysctl\":\"net.ipv4.tcp_wmem\",\"value\":\"4096 8192 8192\"},"
		"{\"node\":\"host\",\"sysctl\":\"net.core.rmem_max\",\"value\":4096}]}");
	struct json_object *adds = parse("[{\"node\":\"gateways\",\"sysctl\":\"net.ipv4.tcp_rmem\","
		"\"value\":\"4096 131072 4194304\"},{\"node\":\"all\",\"sysctl\":\"net.ipv4.tcp_wmem\","
		"\"value\":\"4096 16384 4194304\"}]"), *m = NULL, *set;
	size_t i, n_rmem = 0;
	bool src = false, drn = false;

	CHECK(tune_variant_merge(best, adds, 0, "r1-x", "d", &m) == 0, "merge");
	/* source and drain keep 8 KB receive windows; gw1's send window is
	 * replaced by the candidate's "all"; rmem_max kept */
	CHECK(set_len(m) == 5, "merged: 5 entries, got %zu", set_len(m));
	set = json_object_object_get(m, "set");
	for (i = 0; i < json_object_array_length(set); i++) {
		struct json_object *e = json_object_array_get_idx(set, i);
		const char *node = json_object_get_string(json_object_object_get(e, "node"));
		const char *sc = json_object_get_string(json_object_object_get(e, "sysctl"));

		if (!strcmp(sc, "net.ipv4.tcp_rmem")) {
			n_rmem++;
			src |= !strcmp(node, "source");
			drn |= !strcmp(node, "drain");
			CHECK(strcmp(node, "all"), "the start's all is split");
		}
		CHECK(strcmp(sc, "net.ipv4.tcp_wmem") || !strcmp(node, "all"), "gw1's tcp_wmem replaced by all");
	}
	CHECK(n_rmem == 3 && src && drn, "tcp_rmem: source, drain (the start's) and gateways, got %zu", n_rmem);
	CHECK(tune_entry_covers(json_object_array_get_idx(json_object_object_get(best, "set"), 0),
				json_object_array_get_idx(set, 0)), "all covers what is left of it");
	json_object_put(m);
	json_object_put(adds);
	json_object_put(best);
}

static void test_names(void)
{
	char b[TUNE_NAME_MAX + 1];

	tune_safe_name(b, sizeof(b), "Tiny+Buffers");
	CHECK(!strcmp(b, "tiny-buffers"), "safe name: %s", b);
	tune_safe_name(b, sizeof(b), "-x");
	CHECK(!strcmp(b, "v-x"), "leading dash: %s", b);
	tune_safe_name(b, sizeof(b), "");
	CHECK(!strcmp(b, "v"), "empty: %s", b);
	CHECK(tune_cand_advice("udp-rcvbuf") && !strcmp(tune_cand_advice("udp-rcvbuf"), "socket-buffers"), "advice");
	CHECK(tune_cand_advice("cpu-single-core") && strstr(tune_cand_advice("cpu-single-core"), "rps-rfs"), "cpu advice");
	CHECK(!tune_cand_advice("lossy-underlay"), "no knob for a lossy underlay");
}

static void add_run(struct json_object *runs, const char *v, const char *s, int rep, double mbps,
		    double p99, double ifdrops, double softnet, double foreign)
{
	char text[1024];

	snprintf(text, sizeof(text), "{\"variant\":\"%s\",\"scenario\":\"%s\",\"repeat\":%d,\"ok\":true,"
		 "\"error\":null,\"throughput_bps\":%.1f,\"latency\":{\"rtt_ms\":{\"p50\":1,\"p99\":%g}},"
		 "\"drops\":{\"softnet_dropped\":%g,\"interfaces\":{\"gw1\":{\"g1u\":{\"rx_dropped\":%g,"
		 "\"tx_dropped\":0}}}},\"interference\":{\"foreign_cpu_percent\":%g,\"steal_percent\":0}}",
		 v, s, rep, mbps * 1e6, p99, softnet, ifdrops, foreign);
	json_object_array_add(runs, parse(text));
}

static void write_results(const char *dir, struct json_object *runs)
{
	struct json_object *doc = json_object_new_object();
	char path[512];

	mkdir(dir, 0755);
	json_object_object_add(doc, "schema", json_object_new_string("wgbench.results/2"));
	json_object_object_add(doc, "runs", runs);
	json_object_object_add(doc, "summary", json_object_new_array());
	snprintf(path, sizeof(path), "%s/results.json", dir);
	json_object_to_file(path, doc);
	json_object_put(doc);
	snprintf(path, sizeof(path), "%s/run.json", dir);
	doc = parse("{\"variants\":[{\"name\":\"best\"},{\"name\":\"cand\"}]}");
	json_object_to_file(path, doc);
	json_object_put(doc);
}

static struct json_object *pair_of(struct json_object *res, const char *scen, const char *metric)
{
	struct json_object *ps = json_object_object_get(res, "pairs");
	size_t i;

	for (i = 0; ps && i < json_object_array_length(ps); i++) {
		struct json_object *p = json_object_array_get_idx(ps, i);

		if (!strcmp(json_object_get_string(json_object_object_get(p, "scenario")), scen) &&
		    !strcmp(json_object_get_string(json_object_object_get(p, "metric")), metric))
			return p;
	}
	return NULL;
}

static const char *pstr(struct json_object *p, const char *key)
{
	struct json_object *v = p ? json_object_object_get(p, key) : NULL;

	return v ? json_object_get_string(v) : "";
}

static bool any_reason(struct json_object *res, const char *key, const char *needle)
{
	struct json_object *r = json_object_object_get(res, key);
	size_t i;

	for (i = 0; r && i < json_object_array_length(r); i++)
		if (strstr(json_object_get_string(json_object_array_get_idx(r, i)), needle))
			return true;
	return false;
}

/* A long queue: the target twice as fast, tcp-fwd's RTT p99 x60, the
 * target's own RTT up by 0.5 ms (below the slack), drops of an unlimited
 * UDP sender x5 (not judged), a few softnet drops (trivial). */
static void test_judge(const char *tmp, const struct scenario_set *all)
{
	static const char *const targets[] = { "tcp-single" };
	struct json_object *runs = json_object_new_array(), *res = NULL, *p;
	char dir[512];
	int r;

	for (r = 1; r <= 4; r++) {
		double j = (r - 2.5) * 0.01;

		add_run(runs, "best", "tcp-single", r, 100 * (1 + j), 2 + j * 10, 0, 0, 1);
		add_run(runs, "cand", "tcp-single", r, 200 * (1 - j), 2.5 - j * 10, 0, 0, 2);
		add_run(runs, "best", "tcp-fwd", r, 300 * (1 + j), 5 * (1 + j), 0, 0, 1);
		add_run(runs, "cand", "tcp-fwd", r, 301 * (1 - j), 300 * (1 + j), 0, 2, 1);
		add_run(runs, "best", "udp", r, 250 * (1 + j), 30 * (1 + j), 1000, 0, 1);
		add_run(runs, "cand", "udp", r, 250 * (1 - j), 30 * (1 - j), 5000 * (1 + j), 0, 1);
	}
	snprintf(dir, sizeof(dir), "%s/bloat", tmp);
	write_results(dir, runs);
	{
		struct tune_judge_in in = { .dir = dir, .names = { "best", "cand" }, .targets = targets,
					    .n_targets = 1, .all = all, .threshold_percent = 5,
					    .rtt_slack_ms = 20, .duration_s = 2 };

		CHECK(tune_judge(&in, &res) == 0, "judge");
	}
	if (!res)
		return;
	CHECK(json_object_get_boolean(json_object_object_get(res, "improved")), "the target improved");
	CHECK(!json_object_get_boolean(json_object_object_get(res, "kept")), "rejected");
	CHECK(any_reason(res, "reasons", "tcp-fwd RTT p99: regression"), "why: %s",
	      json_object_to_json_string(json_object_object_get(res, "reasons")));
	CHECK(any_reason(res, "tolerated", "tcp-single RTT p99: regression"), "tolerated: %s",
	      json_object_to_json_string(json_object_object_get(res, "tolerated")));
	p = pair_of(res, "tcp-single", "throughput");
	CHECK(!strcmp(pstr(p, "verdict"), "improvement") && !strcmp(pstr(p, "role"), "target"), "target pair");
	CHECK(!pair_of(res, "udp", "interface_drops"), "an unlimited UDP sender's drops are not judged");
	CHECK(!pair_of(res, "tcp-fwd", "softnet_drops"), "2 drops in 2 s are trivial");
	CHECK(pair_of(res, "udp", "rtt_p99") != NULL, "udp's RTT is guarded");
	json_object_put(res);
}

/* Two of four repeats per side disturbed: set aside; all four: judged and said. */
static void test_disturbed(const char *tmp, const struct scenario_set *all)
{
	static const char *const targets[] = { "tcp-single" };
	struct json_object *res = NULL, *p;
	char dir[512];
	int pass, r;

	for (pass = 0; pass < 2; pass++) {
		struct json_object *runs = json_object_new_array();
		struct tune_judge_in in = { .dir = dir, .names = { "best", "cand" }, .targets = targets,
					    .n_targets = 1, .all = all, .threshold_percent = 5,
					    .rtt_slack_ms = 20, .duration_s = 2 };

		for (r = 1; r <= 4; r++) {
			double f = pass || r > 2 ? 80 : 1, j = (r - 2.5) * 0.01;

			add_run(runs, "best", "tcp-single", r, 100 * (1 + j), 2, 0, 0, f);
			add_run(runs, "cand", "tcp-single", r, 150 * (1 - j), 2, 0, 0, f);
		}
		snprintf(dir, sizeof(dir), "%s/disturbed-%d", tmp, pass);
		write_results(dir, runs);
		CHECK(tune_judge(&in, &res) == 0, "judge");
		p = pair_of(res, "tcp-single", "throughput");
		CHECK(!strcmp(pstr(p, "verdict"), "improvement"), "pass %d: %s (%s)", pass, pstr(p, "verdict"),
		      pstr(p, "why"));
		CHECK(strstr(pstr(p, "note"), pass ? "judged on every repeat, 4 + 4 disturbed" :
			     "set aside as disturbed: 2 of the best's repeats, 2 of the candidate's"),
		      "pass %d note: %s", pass, pstr(p, "note"));
		CHECK(json_object_get_boolean(json_object_object_get(res, "kept")), "pass %d kept", pass);
		json_object_put(res);
		res = NULL;
	}
}

static const char doc_text[] =
	"{\"schema\":\"wgbench.tune/1\",\"out\":\"/tmp/x\",\"options\":{\"threshold_percent\":5,"
	"\"rtt_slack_ms\":20,\"duration_s\":2,\"repeat\":3},\"targets\":[\"tcp-single\"],"
	"\"scenarios\":[\"tcp-single\"],\"start\":{\"variant\":\"tiny\",\"file\":\"tiny.json\"},"
	"\"rounds\":[{\"round\":1,\"best\":\"tiny\",\"doctor\":{\"dir\":\"doctor/round-1\",\"findings\":"
	"[{\"id\":\"udp-rcvbuf\",\"node\":\"gw2\",\"link\":\"underlay\",\"severity\":\"critical\","
	"\"advice\":\"raise it\"}],\"error\":null},\"candidates\":[{\"name\":\"socket-buffers\",\"from\":"
	"\"finding\",\"proposed_by\":[\"udp-rcvbuf\"],\"ref\":\"002 4.7\",\"not_tried\":null}],"
	"\"unaddressed\":[\"lossy-underlay\"],\"outside_pool\":[]}],"
	"\"steps\":[{\"step\":1,\"round\":1,\"candidate\":\"socket-buffers\",\"best\":\"tiny\","
	"\"variant\":\"r1-socket-buffers\",\"dir\":\"steps/01-socket-buffers\",\"run\":\"ok\",\"kept\":true,"
	"\"adds\":[{\"node\":\"all\",\"sysctl\":\"net.ipv4.tcp_rmem\",\"value\":\"4096 131072 16777216\"}],"
	"\"cells\":{\"best\":{\"tcp-single\":{\"median_bps\":86100000,\"top_softirq\":15.6,"
	"\"softnet_drops\":0,\"interface_drops\":0,\"rtt_p99_ms\":20.7}},\"candidate\":{\"tcp-single\":"
	"{\"median_bps\":340400000,\"top_softirq\":19.2,\"softnet_drops\":0,\"interface_drops\":3,"
	"\"rtt_p99_ms\":27.9}}},\"pairs\":[{\"scenario\":\"tcp-single\",\"metric\":\"throughput\","
	"\"role\":\"target\",\"verdict\":\"improvement\",\"delta_percent\":207.5,\"low_percent\":39.4,"
	"\"high_percent\":578.2,\"p_holm\":0.02,\"medians\":[86.1,340.4],\"unit\":\"Mbit/s\",\"why\":\"w\"}]},"
	"{\"step\":2,\"round\":2,\"candidate\":\"mss-clamp\",\"kept\":false,\"reasons\":[\"no improvement "
	"of the target: x\"],\"pairs\":[{\"scenario\":\"tcp-single\",\"metric\":\"throughput\",\"role\":"
	"\"target\",\"verdict\":\"inconclusive\",\"delta_percent\":1,\"low_percent\":-9,\"high_percent\":11}]}],"
	"\"skipped\":[{\"candidate\":\"bbr\",\"round\":1,\"why\":\"the testbed lacks it: no fq\"}],"
	"\"confirm\":null,\"stopped\":\"plateau\",\"stopped_why\":\"no candidate of this round was kept\","
	"\"final\":{\"set\":["
	"{\"entry\":{\"node\":\"all\",\"sysctl\":\"net.ipv4.tcp_rmem\",\"value\":\"4096 131072 16777216\"},"
	"\"step\":1,\"candidate\":\"socket-buffers\",\"read_back\":[{\"node\":\"gw1\",\"after\":"
	"\"4096 131072 16777216\",\"ok\":true,\"global\":false}]},"
	"{\"entry\":{\"node\":\"host\",\"sysctl\":\"net.core.rmem_max\",\"value\":16777216},\"step\":1,"
	"\"candidate\":\"socket-buffers\",\"read_back\":[{\"node\":\"host\",\"after\":\"16777216\",\"ok\":true,"
	"\"global\":true}]},"
	"{\"entry\":{\"node\":\"gateways\",\"link\":\"underlay\",\"rps_cpus\":\"all\"},\"step\":3,"
	"\"candidate\":\"rps-rfs\",\"read_back\":[{\"node\":\"gw1\",\"after\":\"3\",\"ok\":true}]},"
	"{\"entry\":{\"node\":\"gateways\",\"link\":\"underlay\",\"qdisc\":\"tbf\",\"rate\":\"50mbit\","
	"\"burst\":3000,\"limit\":3000},\"step\":0,\"variant\":\"tiny\",\"read_back\":null},"
	"{\"entry\":{\"node\":\"gw1\",\"link\":\"tunnel\",\"mtu\":1420},\"step\":4,\"candidate\":\"mtu-1420\"},"
	"{\"entry\":{\"node\":\"gateways\",\"link\":\"tunnel\",\"mss_clamp\":\"pmtu\"},\"step\":5,"
	"\"candidate\":\"mss-clamp\"},"
	"{\"entry\":{\"node\":\"gateways\",\"link\":\"underlay\",\"offloads\":{\"gro\":false,"
	"\"rx_udp_gro_forwarding\":true}},\"step\":6,\"candidate\":\"x\"},"
	"{\"entry\":{\"node\":\"gateways\",\"link\":\"underlay\",\"loss_percent\":1},\"step\":0,"
	"\"variant\":\"tiny\"}]}}";

static void test_render(void)
{
	struct json_object *doc = parse(doc_text);
	struct tune_persist p;
	char *md = NULL, *host;

	CHECK(tune_md_render(doc, &md) == 0 && md, "render tune.md");
	if (md) {
		CHECK(strstr(md, "| 0 | start: tiny | 86.1 Mbit/s |"), "start row:\n%s", md);
		CHECK(strstr(md, "| 1 | + socket-buffers | 340.4 Mbit/s | +207.5% [+39.4%, +578.2%] | improvement "
			     "| 19.2 | 0 | 3 | 27.90 |"), "kept row");
		CHECK(strstr(md, "| 2 | mss-clamp | 2 | inconclusive +1.0% [-9.0%, +11.0%] | no improvement"),
		      "rejected row");
		CHECK(strstr(md, "| – | bbr | 1 | skipped | the testbed lacks it: no fq |"), "skipped row");
		CHECK(strstr(md, "**Stopped: plateau**"), "stopped");
		CHECK(strstr(md, "No candidate of tune's table addresses lossy-underlay"), "unaddressed");
		free(md);
	}
	CHECK(tune_persist_render(doc, &p) == 0, "render persistence");
	if (p.sysctl) {
		host = strstr(p.sysctl, "# --- host-wide");
		CHECK(host && strstr(p.sysctl, "net.ipv4.tcp_rmem = 4096 131072 16777216") < host,
		      "per-namespace first:\n%s", p.sysctl);
		CHECK(host && strstr(host, "net.core.rmem_max = 16777216"), "host-wide after the marker");
		CHECK(strstr(p.sysctl, "# step 1 (socket-buffers), on source gw1 gw2 drain; read back: gw1 4096"),
		      "provenance");
	}
	if (p.script) {
		CHECK(strstr(p.script, "if on gw1 gw2; then\n\tqueues \"$UNDERLAY\" rx rps_cpus \"$ALL\"\nfi"),
		      "rps:\n%s", p.script);
		CHECK(strstr(p.script, "tc qdisc replace dev \"$UNDERLAY\" root tbf rate 50mbit burst 3000 limit 3000"),
		      "tbf");
		CHECK(strstr(p.script, "# the start (tiny), gateways underlay; read back: not read back"), "start provenance");
		CHECK(strstr(p.script, "if on gw1; then\n\tip link set dev \"$TUNNEL\" mtu 1420"), "mtu");
		CHECK(strstr(p.script, "tcp option maxseg size set rt mtu"), "mss clamp");
		CHECK(strstr(p.script, "ethtool -K \"$UNDERLAY\" gro off rx-udp-gro-forwarding on"), "offloads");
		CHECK(strstr(p.script, "# not persisted: an impairment"), "loss not persisted");
		CHECK(!strstr(p.script, "rmem"), "no sysctl in the script");
	}
	CHECK(p.unit && strstr(p.unit, "Type=oneshot") && strstr(p.unit, "ExecStart=/usr/local/sbin/wgbench-tuned.sh"),
	      "unit");
	tune_persist_clear(&p);
	json_object_put(doc);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	struct scenario_set *all = NULL;
	char tmp[] = "/tmp/t_tune.XXXXXX";

	test_normalize();
	test_delta_merge();
	test_merge_overlap();
	test_names();
	test_render();
	if (!mkdtemp(tmp) || scenario_load_dir("scenarios", &all)) {
		fprintf(stderr, "t_tune: no temporary directory or no scenarios/\n");
		return 1;
	}
	test_judge(tmp, all);
	test_disturbed(tmp, all);
	scenario_set_free(all);
	if (nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS))
		failures++;
	if (failures)
		fprintf(stderr, "t_tune: %d failure(s)\n", failures);
	return failures != 0;
}
