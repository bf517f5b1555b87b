/* vms_boot.c — the four guests of --backend vms: their NICs wired (taps
 * or loopback UDP sockets), QEMU started per node, boots followed until
 * every guest reports ready (KVM probed, TCG as fallback), killed, and
 * their clocks checked against the host's. */
#include "vms_host.h"
#include "opts.h"
#include "topo_node.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KVM_PROBE_S 15.0
#define BOOT_TIMEOUT_S 300.0   /* four TCG guests on a loaded 2-core host */

/* Free UDP ports on 127.0.0.1, two per link; bound then released, so
 * another program could take one in between: QEMU would then fail to
 * start and its log says so. */
static int pick_ports(unsigned short ports[6])
{
	int fds[6], i, ret = 0;

	for (i = 0; i < 6; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t l = sizeof(a);

		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&a, sizeof(a)) ||
		    getsockname(fds[i], (struct sockaddr *)&a, &l)) {
			ret = -errno;
			break;
		}
		ports[i] = ntohs(a.sin_port);
	}
	while (--i >= 0)
		close(fds[i]);
	return ret;
}

/* NIC r of node n: a tap with one queue pair per vCPU (vms_net.c), or the
 * other end of its link on loopback UDP (ports: local, remote). */
static void nic(struct vms_host *h, enum topo_node_id n, enum topo_link_role r, int slot,
		unsigned short local, unsigned short remote)
{
	unsigned int q = h->vcpus;
	char tap[IFNAMSIZ], mq[48] = "";
	uint8_t mac[6];
	int link;

	topo_node_mac(n, r, mac);
	if (h->taps) {
		vms_net_tap(n, r, tap, sizeof(tap), &link);
		snprintf(h->netdev[n][slot], sizeof(h->netdev[n][slot]),
			 "tap,id=n%d,ifname=%s,script=no,downscript=no,vhost=off,queues=%u", slot, tap, q);
		if (q > 1)   /* MSI-X: a vector per queue, one for config, one for control */
			snprintf(mq, sizeof(mq), ",mq=on,vectors=%u", 2 * q + 2);
	} else {
		snprintf(h->netdev[n][slot], sizeof(h->netdev[n][slot]),
			 "socket,id=n%d,udp=127.0.0.1:%u,localaddr=127.0.0.1:%u", slot, remote, local);
	}
	snprintf(h->device[n][slot], sizeof(h->device[n][slot]),
		 "virtio-net-pci,netdev=n%d,mac=%02x:%02x:%02x:%02x:%02x:%02x%s", slot,
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], mq);
}

static int wire(struct vms_host *h)
{
	unsigned short p[6] = { 0 };
	int ret = h->taps ? 0 : pick_ports(p);

	if (ret)
		return ret;
	nic(h, NODE_SOURCE, LINK_LAN, 0, p[0], p[1]);
	nic(h, NODE_GW1, LINK_LAN, 0, p[1], p[0]);
	nic(h, NODE_GW1, LINK_UNDERLAY, 1, p[2], p[3]);
	nic(h, NODE_GW2, LINK_UNDERLAY, 1, p[3], p[2]);
	nic(h, NODE_GW2, LINK_LAN, 0, p[4], p[5]);
	nic(h, NODE_DRAIN, LINK_LAN, 0, p[5], p[4]);
	return 0;
}

static int start_guest(struct vms_host *h, enum topo_node_id n)
{
	struct vms_guest *g = &h->v.g[n];
	const char *extra[24];
	char vser[64];
	char chardev[PATH_MAX + 48];   /* used until the fork in vm_qemu_start() */
	size_t e = 0;
	struct vm_qemu_cfg q = {
		.qemu = h->qemu, .kernel = h->k.image, .initrd = h->initrd, .console_log = g->console,
		.qemu_log = g->qlog, .vcpus = h->vcpus, .memory_mb = h->memory_mb, .kvm = h->kvm,
		.append = h->append[n], .extra = extra, .netns = h->taps ? h->v.netns_path : NULL,
		.boot = h->boot,
	};
	int slot, ret;

	snprintf(h->append[n], sizeof(h->append[n]), "--node %s", topo_node_name(n));
	snprintf(chardev, sizeof(chardev), "socket,id=ctl,path=%s", g->sock);
	snprintf(vser, sizeof(vser), "%s,id=vser", h->boot.serial_dev);
	extra[e++] = "-device"; extra[e++] = vser;
	extra[e++] = "-chardev"; extra[e++] = chardev;
	extra[e++] = "-device"; extra[e++] = "virtserialport,bus=vser.0,chardev=ctl,name=" VM_PORT_CONTROL;
	for (slot = 0; slot < 2; slot++) {
		if (!h->netdev[n][slot][0])
			continue;
		extra[e++] = "-netdev"; extra[e++] = h->netdev[n][slot];
		extra[e++] = "-device"; extra[e++] = h->device[n][slot];
	}
	extra[e] = NULL;
	unlink(g->console);
	g->booted = g->ready = false;
	g->ch.len = 0;
	ret = vms_ctl_listen(g);
	if (!ret)
		ret = vm_qemu_start(&q, &g->pid);
	return ret;
}

void vms_kill_guests(struct vms_host *h)
{
	unsigned int n;

	for (n = 0; n < NODE__COUNT; n++) {
		struct vms_guest *g = &h->v.g[n];

		if (g->pid > 0)
			vm_qemu_kill(g->pid);
		g->pid = 0;
		vms_ctl_close(g);
		unlink(g->sock);
	}
}

/* One guest's boot/ready lines; the vCPUs are pinned at "boot". */
static int follow_boot(struct vms_host *h, struct vms_guest *g)
{
	char line[256];
	int ret;

	if (vms_ctl_accept(g))
		return 0;
	while (!g->ready) {
		ret = agent_chan_line(&g->ch, 0.05, line, sizeof(line));
		if (ret == -ETIMEDOUT)
			return 0;
		if (ret)
			return ret;
		if (!strncmp(line, "boot ", 5)) {
			g->booted = true;
			g->boot_s = util_now_mono() - h->v.t_start;
			g->pinned = vm_qemu_pin_vcpus_at(g->pid, h->vcpus, g->first_cpu);
		} else if (!strncmp(line, "ready ", 6)) {
			g->ready = true;
			g->ready_s = util_now_mono() - h->v.t_start;
			g->uptime_ready = strtod(line + 6, NULL);
		} else if (!strncmp(line, "error ", 6)) {
			wgb_err("guest %s: %s", topo_node_name(g->node), line + 6);
			return -EIO;
		}
	}
	return 0;
}

/* 0 when every guest said "ready"; -EAGAIN: KVM failed, retry with TCG. */
static int wait_ready(struct vms_host *h)
{
	unsigned int n, ready;
	int ret;

	for (;;) {
		double t = util_now_mono() - h->v.t_start;

		for (n = 0, ready = 0; n < NODE__COUNT; n++) {
			struct vms_guest *g = &h->v.g[n];

			ret = g->ch.rfd >= 0 || !vms_ctl_accept(g) ? follow_boot(h, g) : 0;
			if (ret == -EPIPE && h->kvm && !g->booted) {
				snprintf(h->kvm_failure, sizeof(h->kvm_failure),
					 "KVM guest %s exited before booting", topo_node_name(n));
				return -EAGAIN;
			}
			if (ret == -EINTR)
				wgb_err("interrupted: guests killed");
			if (ret)
				return ret;
			ready += g->ready;
			if (h->kvm && !g->booted && t > KVM_PROBE_S) {
				snprintf(h->kvm_failure, sizeof(h->kvm_failure),
					 "KVM guest %s showed no sign of life within %.0f s",
					 topo_node_name(n), KVM_PROBE_S);
				return -EAGAIN;
			}
			if (!g->ready && t > BOOT_TIMEOUT_S) {
				wgb_err("guest %s did not %s within %.0f s (hang?): killed; see %s",
					topo_node_name(n), g->booted ? "get ready" : "boot", BOOT_TIMEOUT_S,
					g->console);
				return -ETIMEDOUT;
			}
		}
		if (ready == NODE__COUNT)
			return 0;
		if (*h->v.stop) {
			wgb_err("interrupted: guests killed");
			return -EINTR;
		}
		usleep(20000);
	}
}

int vms_boot_all(const struct opts *o, struct vms_host *h)
{
	unsigned int n;
	int ret;

	h->kvm = !strcmp(o->accel, "kvm") || (!strcmp(o->accel, "auto") && vm_kvm_usable());
	for (;;) {
		/* q35 always: PCI, so each virtio-net NIC has MSI-X vectors for its
		 * queues (microvm's virtio-mmio has one interrupt per device) */
		ret = vm_boot_plan(&h->k, h->kvm, true, &h->boot);
		if (ret)
			return ret;
		h->v.t_start = util_now_mono();
		if (!ret)
			ret = wire(h);
		for (n = 0; !ret && n < NODE__COUNT; n++)
			ret = start_guest(h, (enum topo_node_id)n);
		if (!ret && h->taps)
			ret = vms_net_attach(&h->v, 60);
		if (!ret)
			ret = wait_ready(h);
		if (ret != -EAGAIN)
			return ret;
		vms_kill_guests(h);
		if (!strcmp(o->accel, "kvm")) {
			wgb_err("--accel kvm: %s", h->kvm_failure);
			return -EIO;
		}
		wgb_warn("%s; falling back to TCG", h->kvm_failure);
		h->kvm = false;
	}
}

/* Under TCG a guest's clock can run at another rate than the host's (its
 * TSC calibrated on a busy host): every rate iperf3 or the sampler gives in
 * that guest is off by as much. Measured, recorded, and warned about. */
void vms_check_clocks(struct vms_host *h)
{
	unsigned int n;

	if (vms_clock(&h->v, 1))
		return;
	for (n = 0; n < NODE__COUNT; n++) {
		const struct vms_guest *g = &h->v.g[n];
		double dh = g->clock[1][0] - g->clock[0][0], dg = g->clock[1][1] - g->clock[0][1];

		h->clock_rate[n] = dh > 0 && g->clock[0][1] > 0 ? dg / dh : 0;
		if (h->clock_rate[n] > 0 && fabs(h->clock_rate[n] - 1) > 0.05)
			wgb_warn("guest %s: its clock ran at %.2fx the host's over the run (%.1f s): "
				 "its rates (iperf3, CPU %%) are off by as much", topo_node_name(n),
				 h->clock_rate[n], dh);
	}
}
