/* agent_host_facts.c — what run.json records of one machine (agent_host.h):
 * the same host object as the controller's own (results_host_json: kernel,
 * CPU model, cores), each named device's driver, version, firmware and bus
 * as its driver reports them (the ethtool ioctl ETHTOOL_GDRVINFO), its MTU
 * and speed, and the tunnel's implementation as built. */
#include "agent_host_impl.h"
#include "results.h"
#include "traffic.h"
#include "util.h"

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
	*out = o;
	return 0;
}
