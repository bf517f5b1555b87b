/* agent_host_facts.c — what run.json records of one machine (agent_host.h):
 * the same host object as the controller's own (results_host_json: kernel,
 * CPU model, cores), each named device's driver, version, firmware and bus
 * as its driver reports them (the ethtool ioctl ETHTOOL_GDRVINFO), its MTU
 * and speed, and the tunnel's implementation as built; "network": every
 * interface of the part with the addresses the kernel has on it (both
 * families), and each tunnel's peer endpoint as WireGuard reports it. */
#include "agent_host_impl.h"
#include "nlx.h"
#include "results.h"
#include "traffic.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static struct json_object *str(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static struct json_object *nic_json(int fd, const char *dev)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_cmd ec = { .cmd = ETHTOOL_GSET };
	struct json_object *o = json_object_new_object();
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	json_object_object_add(o, "dev", json_object_new_string(dev));
	ifr.ifr_data = (void *)&di;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0) {
		json_object_object_add(o, "driver", str(di.driver));
		json_object_object_add(o, "driver_version", str(di.version));
		/* "N/A" where the device has none (veth) */
		json_object_object_add(o, "firmware", str(di.fw_version));
		json_object_object_add(o, "bus", str(di.bus_info));
	} else {
		json_object_object_add(o, "driver", NULL);
		json_object_object_add(o, "error", json_object_new_string(strerror(errno)));
	}
	ifr.ifr_data = (void *)&ec;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && ethtool_cmd_speed(&ec) != (uint32_t)SPEED_UNKNOWN)
		json_object_object_add(o, "speed_mbps", json_object_new_int64(ethtool_cmd_speed(&ec)));
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0)
		json_object_object_add(o, "mtu", json_object_new_int(ifr.ifr_mtu));
	return o;
}

/* {"name","role","state","addresses":["A/P"...],"mtu"}, read back. */
static struct json_object *iface_json(struct nlx *nl, const char *name, enum topo_link_role r)
{
	struct json_object *o = json_object_new_object(), *addrs = json_object_new_array();
	struct agent_host_ip a;
	struct nlx_link_info li;
	char s[AGENT_HOST_IP_STRLEN];
	size_t i;
	int ret = nlx_link_info(nl, name, &li);

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "role", json_object_new_string(topo_link_name(r)));
	json_object_object_add(o, "state", json_object_new_string(ret ? "missing" : li.up ? "up" : "down"));
	for (i = 0; !ret && i < li.n_addr + li.n_addr6; i++) {
		a = i < li.n_addr ? (struct agent_host_ip){ .af = AF_INET, .v4 = li.addr[i], .plen = li.plen[i] } :
		    (struct agent_host_ip){ .af = AF_INET6, .v6 = li.addr6[i - li.n_addr],
					    .plen = li.plen6[i - li.n_addr] };
		agent_host_ip_str(&a, true, s, sizeof(s));
		json_object_array_add(addrs, json_object_new_string(s));
	}
	json_object_object_add(o, "addresses", addrs);
	json_object_object_add(o, "mtu", ret ? NULL : json_object_new_int((int)li.mtu));
	return o;
}

/* {"interfaces":[...], "tunnels":[{"index","interface","peer_endpoint"}]} */
static struct json_object *network_json(const struct agent_host *h)
{
	struct json_object *o = json_object_new_object(), *ifs = json_object_new_array(), *tuns;
	struct tun_device_info *d;
	char ep[INET6_ADDRSTRLEN + 8];
	size_t k;
	int r;

	for (r = LINK_LAN; r <= LINK_UNDERLAY; r++)
		if (h->plan.dev[r][0])
			json_object_array_add(ifs, iface_json(h->nl, h->plan.dev[r], (enum topo_link_role)r));
	for (k = 0; k < h->n_end; k++)
		json_object_array_add(ifs, iface_json(h->nl, h->plan.tun[k].ifname, LINK_TUNNEL));
	json_object_object_add(o, "interfaces", ifs);
	tuns = json_object_new_array();
	for (k = 0; k < h->n_end; k++) {
		struct json_object *t = json_object_new_object();

		ep[0] = 0;
		if (!tun_device_read("/proc/self/ns/net", h->plan.tun[k].ifname, &d)) {
			if (d->n_peers)
				tun_endpoint_str(&d->peers[0].endpoint, ep, sizeof(ep));
			tun_device_free(d);
		}
		json_object_object_add(t, "index", json_object_new_int((int)k));
		json_object_object_add(t, "interface", json_object_new_string(h->plan.tun[k].ifname));
		json_object_object_add(t, "peer_endpoint", ep[0] ? json_object_new_string(ep) : NULL);
		json_object_array_add(tuns, t);
	}
	json_object_object_add(o, "tunnels", tuns);
	return o;
}

int agent_host_facts(const struct agent_host *h, struct json_object **out)
{
	struct json_object *o = NULL, *nics, *wg;
	int fd, r, ret = results_host_json(&o);

	*out = NULL;
	if (ret)
		return ret;
	nics = json_object_new_object();
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (r = LINK_LAN; h && fd >= 0 && r <= LINK_UNDERLAY; r++)
		if (h->plan.dev[r][0])
			json_object_object_add(nics, topo_link_name(r), nic_json(fd, h->plan.dev[r]));
	if (fd >= 0)
		close(fd);
	json_object_object_add(o, "nics", nics);
	wg = json_object_new_object();
	json_object_object_add(wg, "implementation", str(h && h->ops ? h->ops->name : "none"));
	json_object_object_add(wg, "version", str(h && h->ops ? h->wg_version : NULL));
	json_object_object_add(o, "wireguard", wg);
	json_object_object_add(o, "iperf3", str(traffic_iperf_version()));
	if (h)
		json_object_object_add(o, "network", network_json(h));
	*out = o;
	return 0;
}
