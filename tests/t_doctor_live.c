/* t_doctor_live.c — the live doctor's rules on fixture inputs (doctor.h's
 * input document with "live"): a healthy tunnel gives no finding; each live
 * finding id is triggered by one patch of it and a near-miss is not. The
 * base is shaped like the input.json of a live doctor on live_lib.sh's
 * tunnel (wg0 over ul0 to 10.77.0.2), without scenarios. */
#include "doctor.h"
#include "doctor_impl.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_NAME "t_doctor_live"
#define CHECK T_CHECK_MSG
#include "t_common.h"
#include "jsonx.h"

static const char base_text[] =
	"{\"backend\":\"live\",\"wg\":\"wireguard-go\",\"tunnels\":1,\"variant\":\"baseline\",\"duration_s\":3,"
	"\"live\":{\"interface\":\"wg0\",\"underlay\":\"ul0\"},"
	"\"route\":{\"dst\":\"10.77.0.2\",\"text\":\"10.77.0.2 dev wg0 src 10.77.0.1 table main\","
	"\"oif\":\"wg0\",\"expected\":\"wg0\",\"allowed_by_peer\":true,\"probe_reply\":true,"
	"\"wg_tx_delta\":128,\"wg_rx_delta\":128},"
	"\"handshake\":{\"read_at\":1700000100,\"watched_s\":12,\"peers\":[{\"public_key\":\"VjTTNgrFnSLx2WU/2rS/"
	"ay5ZUI5bulE+O+62S9/f9As=\",\"endpoint\":\"192.0.2.2:51820\",\"endpoints_seen\":[\"192.0.2.2:51820\"],"
	"\"latest_handshake\":1700000050,\"age_s\":50,\"keepalive_s\":5,\"carries_peer_address\":true,"
	"\"tx_delta\":512,\"rx_delta\":512}]},"
	"\"underlay\":{\"device\":\"ul0\",\"endpoint\":\"192.0.2.2\",\"sent\":30,\"received\":30,"
	"\"loss_percent\":0,\"rtt_ms\":{\"min\":0.05,\"avg\":0.1,\"max\":0.4,\"p50\":0.08,\"mdev\":0.06}},"
	"\"mtu\":{\"node\":\"local\",\"target\":\"10.77.0.2\",\"underlay_family\":4,"
	"\"ends\":[{\"node\":\"local\",\"tunnel_mtu\":1420,\"underlay_mtu\":1500}],"
	"\"probes\":[{\"size\":84,\"result\":\"reply\"},{\"size\":1420,\"result\":\"reply\"}],"
	"\"icmp\":{\"local_in_dest_unreachs\":0}},"
	"\"rp_filter\":{\"all\":0,\"interface\":0,\"underlay\":0,\"effective_interface\":0,"
	"\"effective_underlay\":0,\"policy_rules\":[],"
	"\"reverse_interface\":{\"from\":\"10.77.0.2\",\"iif\":\"wg0\",\"accepted\":true,\"error\":null}},"
	"\"qdisc\":{\"device\":\"ul0\",\"kind\":\"noqueue\",\"drops_total\":0,\"drops_watched\":0,\"watched_s\":4},"
	"\"offloads\":{},\"conntrack\":{\"present\":true,\"count\":12,\"max\":262144},"
	"\"links\":{\"local\":{\"wg0\":\"tunnel\",\"ul0\":\"underlay\"}},\"shapers\":[],\"stopped_after\":null}";

struct tcase {
	const char *name;
	const char *id;
	int present;
	const char *patch[3];
};

static const struct tcase cases[] = {
	{ "route out of ul0", "route-bypasses-tunnel", 1,
	  { "route.oif=\"ul0\"", "route.text=\"10.77.0.2 via 192.0.2.2 dev ul0 table main\"" } },
	{ "no peer allows the address", "route-bypasses-tunnel", 1, { "route.allowed_by_peer=false" } },
	{ "answered while the tunnel sent nothing", "route-bypasses-tunnel", 1, { "route.wg_tx_delta=0" } },
	{ "route through wg0, tunnel busy", "route-bypasses-tunnel", 0, { "route.wg_tx_delta=9000" } },
	{ "the address's peer never handshook", "handshake-stale", 1,
	  { "handshake.peers.0.age_s=null", "handshake.peers.0.latest_handshake=0" } },
	{ "the address's peer 400 s old", "handshake-stale", 1, { "handshake.peers.0.age_s=400" } },
	{ "190 s with keepalive 5: inside 180 + 5 + 5", "handshake-stale", 0, { "handshake.peers.0.age_s=190" } },
	{ "an idle peer without keepalive is not judged", "handshake-stale", 0,
	  { "handshake.peers.0.age_s=4000", "handshake.peers.0.keepalive_s=0",
	    "handshake.peers.0.carries_peer_address=false" } },
	{ "never, but watched only 3 s: WireGuard is still trying", "handshake-stale", 0,
	  { "handshake.peers.0.age_s=null", "handshake.watched_s=3" } },
	{ "a keepalive peer that never answered", "handshake-stale", 1,
	  { "handshake.peers.0.age_s=null", "handshake.peers.0.carries_peer_address=false" } },
	{ "two endpoints seen", "endpoint-roaming", 1,
	  { "handshake.peers.0.endpoints_seen=[\"192.0.2.2:51820\",\"198.51.100.7:40001\"]" } },
	{ "4 of 30 echoes lost", "lossy-underlay", 1, { "underlay.received=26", "underlay.loss_percent=13.3" } },
	{ "1 of 30 lost is noise", "lossy-underlay", 0, { "underlay.received=29", "underlay.loss_percent=3.3" } },
	{ "jitter: mdev 16.8 on 28.5 (reference 000 Task 3)", "lossy-underlay", 1,
	  { "underlay.rtt_ms={\"min\":19.8,\"avg\":28.5,\"max\":62.1,\"p50\":20.2,\"mdev\":16.8}" } },
	{ "no echo at all: ICMP not answered, not loss", "lossy-underlay", 0,
	  { "underlay.received=0", "underlay.sent=2", "underlay.loss_percent=100" } },
	{ "strict rp_filter with policy rules", "rp-filter-strict", 1,
	  { "rp_filter.effective_interface=1", "rp_filter.policy_rules=[\"1000: from 10.60.0.0/24 lookup 100\"]" } },
	{ "strict without policy rules, accepted", "rp-filter-strict", 0, { "rp_filter.effective_interface=1" } },
	{ "the reverse check refused", "rp-filter-strict", 1,
	  { "rp_filter.effective_interface=2",
	    "rp_filter.reverse_interface={\"from\":\"10.77.0.2\",\"iif\":\"wg0\",\"accepted\":false,"
	    "\"error\":\"Invalid cross-device link\"}" } },
	{ "qdisc dropped 40 while watched", "qdisc-drops", 1, { "qdisc.drops_watched=40" } },
	{ "qdisc dropped 3 while watched", "qdisc-drops", 0, { "qdisc.drops_watched=3" } },
	{ "conntrack at 95%", "conntrack-full", 1, { "conntrack.count=249037" } },
	{ "conntrack at 50%", "conntrack-full", 0, { "conntrack.count=131072" } },
	{ "conntrack not loaded", "conntrack-full", 0, { "conntrack={\"present\":false}" } },
	{ "tunnel 1420 over an underlay of 1300", "mtu-mismatch", 1, { "mtu.ends.0.underlay_mtu=1300" } },
	{ "IPv4 endpoint: 1420 + 60 fits an underlay of 1480", "mtu-mismatch", 0, { "mtu.ends.0.underlay_mtu=1480" } },
	{ "IPv6 endpoint: 1420 + 80 exceeds an underlay of 1480", "mtu-mismatch", 1,
	  { "mtu.underlay_family=6", "mtu.ends.0.underlay_mtu=1480" } },
	{ "IPv6 peer: the interface's rp_filter not judged, policy rules or not", "rp-filter-strict", 0,
	  { "rp_filter.effective_interface=null", "rp_filter.reverse_interface=null",
	    "rp_filter.policy_rules=[\"1000: from 10.60.0.0/24 lookup 100\"]" } },
	{ "--peer-ssh: the reply path through the peer's wg0", "route-asymmetric", 0,
	  { "route.reply={\"dst\":\"10.77.0.1\",\"text\":\"10.77.0.1 dev wg0 src 10.77.0.2 table main\","
	    "\"oif\":\"wg0\",\"expected\":\"wg0\",\"allowed_by_peer\":true,\"wg_rx_delta\":128,\"wg_tx_delta\":128}" } },
	{ "--peer-ssh: the peer answers out of ul0", "route-asymmetric", 1,
	  { "route.reply={\"dst\":\"10.77.0.1\",\"text\":\"10.77.0.1 via 192.0.2.1 dev ul0 src 10.77.0.2 table main\","
	    "\"oif\":\"ul0\",\"expected\":\"wg0\",\"allowed_by_peer\":true,\"wg_rx_delta\":128,\"wg_tx_delta\":0}" } },
	{ "--peer-ssh: no peer of the peer's wg0 allows this side", "route-asymmetric", 1,
	  { "route.reply={\"dst\":\"10.77.0.1\",\"text\":\"10.77.0.1 dev wg0 src 10.77.0.2 table main\","
	    "\"oif\":\"wg0\",\"expected\":\"wg0\",\"allowed_by_peer\":false,\"wg_rx_delta\":128,\"wg_tx_delta\":128}" } },
	{ "--peer-ssh: answered, the peer's wg0 sent nothing back", "route-asymmetric", 1,
	  { "route.reply={\"dst\":\"10.77.0.1\",\"text\":\"10.77.0.1 dev wg0 src 10.77.0.2 table main\","
	    "\"oif\":\"wg0\",\"expected\":\"wg0\",\"allowed_by_peer\":true,\"wg_rx_delta\":128,\"wg_tx_delta\":0}" } },
	{ "DF above 1240 vanish", "pmtu-blackhole", 1,
	  { "mtu.probes=[{\"size\":84,\"result\":\"reply\"},{\"size\":1420,\"result\":\"timeout\"},"
	    "{\"size\":1260,\"result\":\"timeout\"},{\"size\":1240,\"result\":\"reply\"}]" } },
};

/* "a.b.0.c=JSON": set (arrays by index) the value at the path. */
static int patch(struct json_object *doc, const char *spec)
{
	char path[256], *eq, *p, *dot;
	struct json_object *o = doc, *v;

	snprintf(path, sizeof(path), "%s", spec);
	eq = strchr(path, '=');
	if (!eq)
		return -1;
	*eq = 0;
	v = json_tokener_parse(eq + 1);
	if (!v && strcmp(eq + 1, "null"))
		return -1;
	for (p = path; (dot = strchr(p, '.')); p = dot + 1) {
		*dot = 0;
		o = json_object_is_type(o, json_type_array) ? json_object_array_get_idx(o, (size_t)atoi(p))
			: json_object_object_get(o, p);
		if (!o)
			return -1;
	}
	if (json_object_is_type(o, json_type_array))
		json_object_array_put_idx(o, (size_t)atoi(p), v);
	else
		json_object_object_add(o, p, v);
	return 0;
}

static int count_id(struct json_object *f, const char *id)
{
	size_t i;
	int n = 0;

	for (i = 0; i < json_object_array_length(f); i++)
		n += !strcmp(jsonx_str_at(json_object_array_get_idx(f, i), "id"), id);
	return n;
}

static void run_case(const struct tcase *t)
{
	struct json_object *in = json_tokener_parse(base_text), *f = NULL, *x;
	size_t i;

	for (i = 0; i < 3 && t->patch[i]; i++)
		CHECK(patch(in, t->patch[i]) == 0, "%s: bad patch %s", t->name, t->patch[i]);
	CHECK(doctor_diagnose(in, &f) == 0, "%s: diagnose", t->name);
	CHECK((count_id(f, t->id) > 0) == t->present, "%s: %s %s; findings %s", t->name, t->id,
	      t->present ? "missing" : "unexpected", json_object_to_json_string(f));
	for (i = 0; t->present && i < json_object_array_length(f); i++) {
		/* the reply path is the peer's (--peer-ssh), everything else this machine's */
		const char *node = strcmp(t->id, "route-asymmetric") ? "local" : "peer";

		x = json_object_array_get_idx(f, i);
		if (!strcmp(jsonx_str_at(x, "id"), t->id))
			CHECK(!strcmp(jsonx_str_at(x, "node"), node) && jsonx_get(x, "evidence") && jsonx_str_at(x, "advice"),
			      "%s: node %s, evidence, advice: %s", t->name, node, json_object_to_json_string(x));
	}
	json_object_put(f);
	json_object_put(in);
}

int main(void)
{
	struct json_object *in = json_tokener_parse(base_text), *f = NULL;
	size_t i;

	CHECK(in != NULL, "the base fixture parses");
	CHECK(doctor_diagnose(in, &f) == 0 && json_object_array_length(f) == 0,
	      "a healthy live tunnel: no finding, got %s", json_object_to_json_string(f));
	json_object_put(f);
	json_object_put(in);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	if (failures)
		fprintf(stderr, "t_doctor_live: %d failure(s)\n", failures);
	return failures != 0;
}
