/* tune_persist.c — reference 002 §8 from tune.json's "final": the sysctls
 * as a sysctl.d file, everything else (RPS/XPS masks, queue counts,
 * threaded NAPI, qdiscs, offloads, MTU, the MSS clamp) as a script run once
 * at boot by a systemd oneshot unit. Written, never installed or run by
 * wgbench. Every line says the step that earned it and what that step's
 * run read back on the testbed; a sysctl's value is the one read back.
 *
 * The testbed's interface names mean nothing on the operator's machines, so
 * the script names interfaces by their role (LAN, UNDERLAY, TUNNEL) and the
 * machine by its node (ROLE: gw1, gw2, source, drain), from
 * /etc/default/wgbench-tuned. Knobs that impair the testbed (loss, delay,
 * a blocked ICMP) or pin wgbench's own processes have no persistent form and
 * are said so.
 */
#include "tune_impl.h"
#include "jsonx.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_NAME "wgbench-tuned"

static const char *str(struct json_object *o, const char *key)
{
	const char *s = jsonx_str_at(o, key);

	return s ? s : "";
}

/* "gw1 gw2" for the script's on(), from an entry's node. */
static const char *roles(const char *node)
{
	if (!strcmp(node, "gateways"))
		return "gw1 gw2";
	if (!strcmp(node, "all") || !strcmp(node, "host"))
		return "source gw1 gw2 drain";
	return node;
}

static const char *iface_var(const char *link)
{
	return !strcmp(link, "lan") ? "$LAN" : !strcmp(link, "underlay") ? "$UNDERLAY" : "$TUNNEL";
}

/* The read back values: "gw1 16777216, gw2 16777216" into buf; *same the
 * one value when all agree and were accepted (else NULL). */
static void read_back_text(struct json_object *rb, char *buf, size_t len, const char **same)
{
	size_t i, o = 0;

	*same = NULL;
	buf[0] = 0;
	for (i = 0; rb && i < json_object_array_length(rb) && o < len; i++) {
		struct json_object *r = json_object_array_get_idx(rb, i);
		const char *after = jsonx_str_at(r, "after");
		bool ok = json_object_get_boolean(jsonx_get(r, "ok"));

		o += (size_t)snprintf(buf + o, len - o, "%s%s %s%s", i ? ", " : "", str(r, "node"),
				      after ? after : "(none)", ok ? "" : " (refused)");
		if (!i)
			*same = ok ? after : NULL;
		else if (*same && (!ok || !after || strcmp(*same, after)))
			*same = NULL;
	}
	if (!o)
		snprintf(buf, len, "not read back");
}

static void provenance(FILE *f, struct json_object *e, const char *what)
{
	int step = json_object_get_int(jsonx_get(e, "step"));

	if (step)
		fprintf(f, "# step %d (%s)%s\n", step, str(e, "candidate"), what);
	else
		fprintf(f, "# the start (%s)%s\n", str(e, "variant"), what);
}

static bool host_wide(struct json_object *e)
{
	struct json_object *rb = jsonx_get(e, "read_back");
	size_t i;

	if (!strcmp(str(jsonx_get(e, "entry"), "node"), "host"))
		return true;
	for (i = 0; rb && i < json_object_array_length(rb); i++)
		if (json_object_get_boolean(jsonx_get(json_object_array_get_idx(rb, i), "global")))
			return true;
	return false;
}

static size_t sysctl_lines(FILE *f, struct json_object *set, bool want_host)
{
	char rb[512], what[640];
	size_t i, n = 0;

	for (i = 0; i < json_object_array_length(set); i++) {
		struct json_object *e = json_object_array_get_idx(set, i), *en = jsonx_get(e, "entry");
		struct json_object *v = jsonx_get(en, "value");
		const char *same;

		if (!jsonx_get(en, "sysctl") || host_wide(e) != want_host)
			continue;
		read_back_text(jsonx_get(e, "read_back"), rb, sizeof(rb), &same);
		snprintf(what, sizeof(what), ", on %s; read back: %s", want_host ? "the host" :
			 roles(str(en, "node")), rb);
		provenance(f, e, what);
		fprintf(f, "%s%s = %s\n\n", same ? "" : "# (requested; not read back as one value) ",
			str(en, "sysctl"), same ? same : json_object_get_string(v));
		n++;
	}
	return n;
}

static int render_sysctl(struct json_object *doc, char **out)
{
	struct json_object *set = jsonx_get(doc, "final.set");
	size_t len = 0, n;
	FILE *f = open_memstream(out, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "# 99-wgbench-tuned.conf — the sysctls `wgbench tune` kept (%s), written by it,\n"
		"# never installed. Install as /etc/sysctl.d/99-wgbench-tuned.conf on the nodes each line\n"
		"# names, then `sysctl --system` (reference 002 §8.1). Values are those read back on the\n"
		"# testbed in the step that earned them.\n\n", str(doc, "out"));
	n = sysctl_lines(f, set, false);
	fputs("# --- host-wide: machine-wide on the testbed's kernel, not per network namespace ---\n\n", f);
	n += sysctl_lines(f, set, true);
	if (!n)
		fputs("# (no sysctl was kept)\n", f);
	return fclose(f) ? -errno : 0;
}

static int render_unit(struct json_object *doc, char **out)
{
	size_t len = 0;
	FILE *f = open_memstream(out, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "# " UNIT_NAME ".service — reference 002 §8.2: what `wgbench tune` kept that is\n"
		"# not a sysctl (%s), applied once at boot. Written by wgbench, never installed:\n"
		"#   install -m 0755 " UNIT_NAME ".sh /usr/local/sbin/\n"
		"#   install -m 0644 " UNIT_NAME ".service /etc/systemd/system/\n"
		"#   set ROLE, LAN, UNDERLAY, TUNNEL in /etc/default/" UNIT_NAME "\n"
		"#   systemctl daemon-reload && systemctl enable --now " UNIT_NAME ".service\n"
		"[Unit]\n"
		"Description=Network tuning kept by wgbench tune (RPS/XPS, queues, NAPI, qdiscs, offloads, MTU)\n"
		"After=network-online.target\n"
		"Wants=network-online.target\n\n"
		"[Service]\n"
		"Type=oneshot\n"
		"EnvironmentFile=-/etc/default/" UNIT_NAME "\n"
		"ExecStart=/usr/local/sbin/" UNIT_NAME ".sh\n"
		"RemainAfterExit=yes\n\n"
		"[Install]\n"
		"WantedBy=multi-user.target\n", str(doc, "out"));
	return fclose(f) ? -errno : 0;
}

/* A rate or size as tc reads it: an integer of the variant is bit/s or
 * bytes, a string is already tc's syntax (the knob parser took it so). */
static void tc_arg(FILE *f, struct json_object *en, const char *key, const char *unit)
{
	struct json_object *v = jsonx_get(en, key);

	if (!v)
		return;
	if (json_object_is_type(v, json_type_int))
		fprintf(f, " %s %lld%s", key, (long long)json_object_get_int64(v), unit);
	else
		fprintf(f, " %s %s", key, json_object_get_string(v));
}

static void qdisc_cmd(FILE *f, struct json_object *en, const char *dev)
{
	const char *kind = str(en, "qdisc");
	double d;

	fprintf(f, "tc qdisc replace dev \"%s\" root %s", dev, kind);
	tc_arg(f, en, "rate", "bit");
	tc_arg(f, en, "burst", "");
	tc_arg(f, en, "limit", "");
	if (jsonx_num_at(en, "delay_ms", &d))
		fprintf(f, " delay %gms", d);
	fputs("\n", f);
}

static void offloads_cmd(FILE *f, struct json_object *en, const char *dev)
{
	struct json_object *o = jsonx_get(en, "offloads");
	size_t i;

	fprintf(f, "ethtool -K \"%s\"", dev);
	json_object_object_foreach(o, name, on) {
		fputc(' ', f);
		for (i = 0; name[i]; i++)
			fputc(name[i] == '_' ? '-' : name[i], f);
		fprintf(f, " %s", json_object_get_boolean(on) ? "on" : "off");
	}
	fputs("\n", f);
}

static void mss_cmd(FILE *f, struct json_object *en, const char *dev, size_t i)
{
	struct json_object *v = jsonx_get(en, "mss_clamp");
	char size[32] = "rt mtu";

	if (json_object_is_type(v, json_type_int))
		snprintf(size, sizeof(size), "%lld", (long long)json_object_get_int64(v));
	fprintf(f, "nft -f - <<EOF\ntable inet wgbench_tuned {\n\tchain mss_%zu {\n\t\ttype filter hook "
		"postrouting priority mangle; policy accept;\n\t\toifname \"%s\" tcp flags syn / syn,rst "
		"tcp option maxseg size set %s\n\t}\n}\nEOF\n", i, dev, size);
}

/* Why a knob has no line of the script; NULL when it has one. */
static const char *not_persisted(struct json_object *en)
{
	if (jsonx_get(en, "loss_percent") || jsonx_get(en, "block_icmp_frag_needed") ||
	    (jsonx_get(en, "delay_ms") && !jsonx_get(en, "qdisc")) ||
	    !strcmp(str(en, "qdisc"), "netem"))
		return "an impairment the testbed was given, not a tuning";
	if (jsonx_get(en, "cpus"))
		return "it pins the processes wgbench starts; pin your WireGuard service with "
		       "systemd's CPUAffinity= instead";
	if (jsonx_get(en, "port_spread"))
		return "the port spread needs its rewrite at both ends of the tunnel; run.json's "
		       "evidence of that step lists the nftables rules";
	return NULL;
}

/* The command for one non-sysctl entry; false when it has none. */
static bool knob_cmd(FILE *f, struct json_object *en, const char *dev, size_t i)
{
	struct json_object *v;
	const char *mask;

	if ((v = jsonx_get(en, "mtu")) || (v = jsonx_get(en, "txqueuelen")))
		fprintf(f, "ip link set dev \"%s\" %s %d\n", dev, jsonx_get(en, "mtu") ? "mtu" : "txqueuelen",
			json_object_get_int(v));
	else if ((v = jsonx_get(en, "queues")))
		fprintf(f, "ethtool -L \"%s\" combined %d\n", dev, json_object_get_int(v));
	else if ((mask = jsonx_str_at(en, "rps_cpus")) || (mask = jsonx_str_at(en, "xps_cpus")))
		fprintf(f, "queues \"%s\" %s %s %s\n", dev, jsonx_get(en, "rps_cpus") ? "rx" : "tx",
			jsonx_get(en, "rps_cpus") ? "rps_cpus" : "xps_cpus", !strcmp(mask, "all") ? "\"$ALL\"" : mask);
	else if ((v = jsonx_get(en, "rps_flow_cnt")))
		fprintf(f, "queues \"%s\" rx rps_flow_cnt %d\n", dev, json_object_get_int(v));
	else if ((v = jsonx_get(en, "threaded_napi")))
		fprintf(f, "echo %d > /sys/class/net/\"%s\"/threaded\n", json_object_get_boolean(v), dev);
	else if (jsonx_get(en, "qdisc"))
		qdisc_cmd(f, en, dev);
	else if (jsonx_get(en, "offloads"))
		offloads_cmd(f, en, dev);
	else if (jsonx_get(en, "mss_clamp"))
		mss_cmd(f, en, dev, i);
	else
		return false;
	return true;
}

static void script_head(FILE *f, struct json_object *doc, bool nft)
{
	fprintf(f, "#!/bin/sh\n# " UNIT_NAME ".sh — what `wgbench tune` kept that is not a sysctl (%s),\n"
		"# written by it, never run by it. Reference 002 §8.2: run once at boot by\n"
		"# " UNIT_NAME ".service, with ROLE and the interfaces from /etc/default/" UNIT_NAME ":\n"
		"#   ROLE      this machine's node in the testbed: gw1, gw2 (the tunnel's ends), source, drain\n"
		"#   LAN       the interface towards source/drain, UNDERLAY the one between gw1 and gw2,\n"
		"#   TUNNEL    the WireGuard interface\n"
		"set -eu\nROLE=${ROLE:?set ROLE to gw1, gw2, source or drain}\n"
		"LAN=${LAN:-eth1}\nUNDERLAY=${UNDERLAY:-eth0}\nTUNNEL=${TUNNEL:-wg0}\n"
		"# \"all\" as a CPU mask of this machine (reference 002 §4.3: it must match nproc)\n"
		"ALL=$(printf '%%x' $(( (1 << $(nproc)) - 1 )))\n\n"
		"on() { for n in \"$@\"; do [ \"$n\" = \"$ROLE\" ] && return 0; done; return 1; }\n"
		"# queues IFACE rx|tx FILE VALUE: the file of every such queue of IFACE\n"
		"queues() { for q in /sys/class/net/\"$1\"/queues/\"$2\"-*/\"$3\"; do echo \"$4\" > \"$q\"; done; }\n",
		str(doc, "out"));
	if (nft)
		fputs("# the MSS clamp's table, made anew\nnft delete table inet wgbench_tuned 2>/dev/null || true\n", f);
}

static int render_script(struct json_object *doc, char **out)
{
	struct json_object *set = jsonx_get(doc, "final.set");
	char rb[512], what[700];
	size_t len = 0, i, n = 0;
	FILE *f = open_memstream(out, &len);
	bool nft = false;

	if (!f)
		return -ENOMEM;
	for (i = 0; i < json_object_array_length(set); i++)
		nft |= !!jsonx_get(jsonx_get(json_object_array_get_idx(set, i), "entry"), "mss_clamp");
	script_head(f, doc, nft);
	for (i = 0; i < json_object_array_length(set); i++) {
		struct json_object *e = json_object_array_get_idx(set, i), *en = jsonx_get(e, "entry");
		const char *why = not_persisted(en), *node = str(en, "node"), *same;
		const char *dev = jsonx_get(en, "link") ? iface_var(str(en, "link")) : "";

		if (jsonx_get(en, "sysctl"))
			continue;   /* the sysctl.d file */
		read_back_text(jsonx_get(e, "read_back"), rb, sizeof(rb), &same);
		snprintf(what, sizeof(what), ", %s %s; read back: %s", node, str(en, "link"), rb);
		fputs("\n", f);
		provenance(f, e, what);
		if (why) {
			fprintf(f, "# not persisted: %s\n", why);
			continue;
		}
		fprintf(f, "if on %s; then\n\t", roles(node));
		if (!knob_cmd(f, en, dev, i))
			fputs(":  # no command for this knob\n", f);
		fputs("fi\n", f);
		n++;
	}
	if (!n)
		fputs("\n# (nothing beyond sysctls was kept)\n", f);
	fputs("exit 0\n", f);
	return fclose(f) ? -errno : 0;
}

int tune_persist_render(struct json_object *doc, struct tune_persist *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = render_sysctl(doc, &out->sysctl)) || (ret = render_unit(doc, &out->unit)) ||
	    (ret = render_script(doc, &out->script)))
		tune_persist_clear(out);
	return ret;
}

void tune_persist_clear(struct tune_persist *p)
{
	free(p->sysctl);
	free(p->unit);
	free(p->script);
	memset(p, 0, sizeof(*p));
}

static bool node_in(const char *scope, const char *node)
{
	if (!strcmp(scope, "gateways"))
		return !strcmp(node, "gw1") || !strcmp(node, "gw2");
	if (!strcmp(scope, "all"))
		return strcmp(node, "host") != 0;
	return !strcmp(scope, node);
}

/* The records of run.json's variant vname that entry made. */
static void match_records(struct json_object *applied, struct json_object *entry, struct json_object *out)
{
	static const char *const keep[] = { "node", "object", "before", "after", "ok", "global" };
	char key[256], *f[4] = { NULL }, *p;
	size_t i, k;

	tune_entry_key(entry, key, sizeof(key));
	for (p = key, k = 0; k < 4; k++) {   /* node|link|knob|sysctl */
		f[k] = p;
		p = strchr(p, '|');
		if (!p)
			break;
		*p++ = 0;
	}
	if (k < 3)
		return;
	for (i = 0; i < json_object_array_length(applied); i++) {
		struct json_object *r = json_object_array_get_idx(applied, i), *o;

		if (strcmp(str(r, "key"), f[2]) || !node_in(f[0], str(r, "node")) ||
		    (f[1][0] && strcmp(str(r, "link"), f[1])) ||
		    (!strcmp(f[2], "sysctl") && strcmp(str(r, "object"), f[3])))
			continue;
		o = json_object_new_object();
		for (k = 0; k < ARRAY_SIZE(keep); k++) {
			struct json_object *v = jsonx_get(r, keep[k]);

			json_object_object_add(o, keep[k], v ? json_object_get(v) : NULL);
		}
		json_object_array_add(out, o);
	}
}

int tune_read_back(const char *run_dir, const char *vname, struct json_object *entry,
		   struct json_object **out)
{
	struct json_object *run, *vs;
	char path[PATH_MAX];
	size_t i;
	int ret;

	*out = NULL;
	if ((ret = util_fmt(path, sizeof(path), "%s/run.json", run_dir)))
		return ret;
	if (!(run = json_object_from_file(path)))
		return -ENOENT;
	vs = jsonx_get(run, "variants");
	for (i = 0; vs && i < json_object_array_length(vs); i++) {
		struct json_object *v = json_object_array_get_idx(vs, i);

		if (!strcmp(str(v, "name"), vname) && jsonx_get(v, "applied")) {
			*out = json_object_new_array();
			match_records(jsonx_get(v, "applied"), entry, *out);
			break;
		}
	}
	json_object_put(run);
	return *out ? 0 : -ENOENT;
}
