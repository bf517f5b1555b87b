/* vms.c — vms_run(): --backend vms, one QEMU guest per node (vm.h).
 *
 *   source ──lan── gw1 ══underlay══ gw2 ──lan── drain      (guests)
 *
 * Each link is a Linux bridge with the two guests' taps, in a network
 * namespace only this run holds (vms_net.c): QEMU's tap backend is the one
 * with several queues, so each virtio-net NIC has one queue pair per vCPU.
 * Measured here (1 vCPU, TCG, tcp-single/udp): taps 33/26 Mbit/s, loopback
 * UDP sockets 13/16 Mbit/s. WGB_VMS_NET=socket uses `-netdev socket,udp=`
 * pairs on 127.0.0.1 instead (one datagram per frame, no start order).
 * The guests boot the same kernel and initramfs as --backend vm, with
 * "--node" on the command line; the host then drives them over their control
 * ports (vms_ctl.c) and run.c does the run through vms_backend (vms_bed.c),
 * so results have the usual format. No QEMU outlives this function
 * (PR_SET_PDEATHSIG covers a kill -9), and the links' namespace goes with them.
 */
#include "vm.h"
#include "vm_impl.h"
#include "vms_impl.h"
#include "opts.h"
#include "results.h"
#include "run_impl.h"
#include "scenario.h"
#include "topo_node.h"
#include "util.h"
#include "variant.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <net/if.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define KVM_PROBE_S 15.0
#define BOOT_TIMEOUT_S 300.0   /* four TCG guests on a loaded 2-core host */

static volatile sig_atomic_t vms_stop;  /* SIGINT/SIGTERM while booting: a signal needs a global */

static void on_signal(int sig)
{
	vms_stop = sig;
}

struct vms_host {
	struct vms v;
	struct vm_kernel k;
	char tmp[PATH_MAX], initrd[PATH_MAX], qemu[PATH_MAX], qemu_version[128], agent[PATH_MAX];
	char kvm_failure[256];
	char netdev[NODE__COUNT][2][160], device[NODE__COUNT][2][140];
	char append[NODE__COUNT][32], ports[3][2][8];
	struct vm_boot boot;
	bool kvm, taps;               /* taps: links through vms_net.c, else UDP sockets */
	unsigned int vcpus, memory_mb;
	double clock_rate[NODE__COUNT];   /* guest seconds per host second, 0: unknown */
};

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
	g->len = 0;
	ret = vms_ctl_listen(g);
	if (!ret)
		ret = vm_qemu_start(&q, &g->pid);
	return ret;
}

static void kill_guests(struct vms_host *h)
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
		ret = vms_ctl_line(&h->v, g, 0.05, line, sizeof(line));
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

			ret = g->fd >= 0 || !vms_ctl_accept(g) ? follow_boot(h, g) : 0;
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
		if (vms_stop) {
			wgb_err("interrupted: guests killed");
			return -EINTR;
		}
		usleep(20000);
	}
}

static int boot_all(const struct opts *o, struct vms_host *h)
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
		kill_guests(h);
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
static void check_clocks(struct vms_host *h)
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

/* Bad input is refused before anything boots (exit 2, nothing running). */
static int check_input(const struct opts *o, const char *out_dir)
{
	struct scenario_set *all = NULL;
	struct variant_set *vs = NULL;
	char dir[PATH_MAX];
	size_t i;
	int ret;

	if (o->wg == TUN_WGGO) {
		wgb_err("--backend vms measures the guests' kernel WireGuard: use --wg kernel (or none)");
		return -EINVAL;
	}
	ret = results_check_dir(out_dir, o->force);
	if (!ret)
		ret = scenario_default_dir(dir, sizeof(dir));
	if (!ret)
		ret = scenario_load_dir(dir, &all);
	for (i = 0; !ret && i < o->n_scenarios; i++)
		if (!scenario_find(all, o->scenarios[i])) {
			wgb_err("--scenario '%s': no such scenario", o->scenarios[i]);
			ret = -EINVAL;
		}
	if (!ret)
		ret = variant_load_all(o->variants, o->n_variants, &vs);
	scenario_set_free(all);
	variant_set_free(vs);
	return ret == -ENOENT ? -EINVAL : ret;
}

/* The temporary directory of a run with this prefix that was killed (-9):
 * its owner's pid is in the name. */
static void sweep_stale(const char *prefix)
{
	char want[64], path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir("/tmp");

	snprintf(want, sizeof(want), "wgbench-vms-%s", prefix);
	while (d && (e = readdir(d))) {
		int pid;

		if (strncmp(e->d_name, want, strlen(want)) ||
		    sscanf(e->d_name + strlen(want), "%d-", &pid) != 1 || pid <= 0 ||
		    !(kill(pid, 0) && errno == ESRCH) ||
		    util_fmt(path, sizeof(path), "/tmp/%s", e->d_name))
			continue;
		{
			const char *rm[] = { "rm", "-rf", path, NULL };

			wgb_warn("removing %s, left by a killed run (pid %d)", path, pid);
			vm_exec(rm, NULL);
		}
	}
	if (d)
		closedir(d);
}

static int prepare(const struct opts *o, struct vms_host *h)
{
	struct vm_initramfs_spec spec = { .agent_bin = h->agent, .kernel = &h->k };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char datadir[PATH_MAX];
	/* gw1 and gw2 first, each on its own cores where the host has them */
	static const enum topo_node_id order[] = { NODE_GW1, NODE_GW2, NODE_SOURCE, NODE_DRAIN };
	unsigned int i, cpu = 0;
	int ret;

	vm_qemu_version(h->qemu, h->qemu_version, sizeof(h->qemu_version));
	/* The prefix in the name tells whose QEMUs these are (tests, ps), the
	 * pid whether its owner still lives (sweep_stale). */
	sweep_stale(o->prefix);
	if (util_fmt(h->tmp, sizeof(h->tmp), "/tmp/wgbench-vms-%s%d-XXXXXX", o->prefix, (int)getpid()))
		return -ENAMETOOLONG;
	if (!mkdtemp(h->tmp)) {
		h->tmp[0] = 0;
		return -errno;
	}
	for (i = 0; i < NODE__COUNT; i++) {
		struct vms_guest *g = &h->v.g[order[i]];
		const char *name = topo_node_name(order[i]);

		g->node = order[i];
		g->fd = g->lfd = -1;
		g->first_cpu = cpu % (unsigned int)(ncpu > 0 ? ncpu : 1);
		cpu += h->vcpus;
		if (util_fmt(g->sock, sizeof(g->sock), "%s/ctl-%s.sock", h->tmp, name) ||
		    util_fmt(g->console, sizeof(g->console), "%s/console-%s.log", h->tmp, name) ||
		    util_fmt(g->qlog, sizeof(g->qlog), "%s/qemu-%s.log", h->tmp, name))
			return -ENAMETOOLONG;
	}
	if (util_fmt(h->initrd, sizeof(h->initrd), "%s/initramfs.cpio", h->tmp))
		return -ENAMETOOLONG;
	spec.datadir = vm_datadir(datadir, sizeof(datadir)) ? NULL : datadir;
	vm_boot_plan(&h->k, false, true, &h->boot);
	spec.strip_module_sigs = h->boot.strip_module_sigs;
	ret = vm_initramfs_write(h->initrd, &spec);
	if (ret && ret != -ENOENT)
		wgb_err("writing the guests' initramfs: %s", strerror(-ret));
	return ret;
}

/* console-<node>.log and qemu-<node>.log into the results directory. */
static void keep_logs(struct vms_host *h, const char *out_dir)
{
	unsigned int n;

	if (util_mkdir_p(out_dir, 0755))
		return;
	for (n = 0; n < NODE__COUNT; n++) {
		const char *src[2] = { h->v.g[n].console, h->v.g[n].qlog };
		int i;

		for (i = 0; i < 2; i++) {
			char dst[PATH_MAX], *text = NULL;
			size_t len = 0;

			if (util_read_file(src[i], &text, &len))
				continue;
			if (!util_fmt(dst, sizeof(dst), "%s/%s", out_dir, strrchr(src[i], '/') + 1))
				util_write_file_atomic(dst, text, len);
			free(text);
		}
	}
}

static void jstr(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v && *v ? json_object_new_string(v) : NULL);
}

static int amend_run_json(const char *out_dir, const struct opts *o, const struct vms_host *h)
{
	struct json_object *root, *vms, *guests, *g, *links;
	char path[PATH_MAX], log[64];
	const char *text;
	unsigned int n;
	int r;

	if (util_fmt(path, sizeof(path), "%s/run.json", out_dir))
		return -ENAMETOOLONG;
	root = json_object_from_file(path);
	if (!root)
		return -ENOENT;
	vms = json_object_new_object();
	jstr(vms, "accelerator", h->kvm ? "kvm" : "tcg");
	jstr(vms, "kvm_fallback_reason", h->kvm_failure);
	jstr(vms, "machine", h->boot.kind);
	jstr(vms, "cpu", h->boot.cpu);
	jstr(vms, "kernel_cmdline", h->boot.append);
	jstr(vms, "qemu", h->qemu_version);
	jstr(vms, "kernel_release", h->k.release);
	jstr(vms, "kernel_image", h->k.image);
	jstr(vms, "kernel_deb", h->k.deb);
	jstr(vms, "kernel_deb_sha256", h->k.deb_sha256);
	links = json_object_new_object();
	jstr(links, "source-gw1", h->netdev[NODE_SOURCE][0]);
	jstr(links, "gw1-gw2", h->netdev[NODE_GW1][1]);
	jstr(links, "gw2-drain", h->netdev[NODE_GW2][0]);
	json_object_object_add(vms, "links", links);
	jstr(vms, "network", h->taps ? "tap" : "socket");
	json_object_object_add(vms, "nic_queue_pairs", json_object_new_int(h->taps ? (int)h->vcpus : 1));
	guests = json_object_new_object();
	for (n = 0; n < NODE__COUNT; n++) {
		const struct vms_guest *x = &h->v.g[n];

		g = json_object_new_object();
		json_object_object_add(g, "vcpus", json_object_new_int((int)h->vcpus));
		json_object_object_add(g, "memory_mb", json_object_new_int((int)h->memory_mb));
		json_object_object_add(g, "first_host_cpu", json_object_new_int((int)x->first_cpu));
		json_object_object_add(g, "vcpu_threads_pinned", json_object_new_int(x->pinned));
		json_object_object_add(g, "boot_to_ready_s", json_object_new_double(x->ready_s));
		json_object_object_add(g, "guest_uptime_at_ready_s", json_object_new_double(x->uptime_ready));
		json_object_object_add(g, "clock_rate", h->clock_rate[n] > 0 ?
				       json_object_new_double(h->clock_rate[n]) : NULL);
		snprintf(log, sizeof(log), "console-%s.log", topo_node_name(n));
		jstr(g, "console_log", log);
		json_object_object_add(guests, topo_node_name(n), g);
	}
	json_object_object_add(vms, "guests", guests);
	json_object_object_add(root, "backend", json_object_new_string(opts_backend_name(o->backend)));
	json_object_object_add(root, "vms", vms);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	r = util_write_file_atomic(path, text, strlen(text));
	json_object_put(root);
	return r;
}

/* Taps and bridges unless WGB_VMS_NET=socket (loopback UDP, one queue). */
static int make_links(struct vms_host *h)
{
	const char *want = getenv("WGB_VMS_NET");

	if (want && !strcmp(want, "socket"))
		return 0;
	if (want && strcmp(want, "tap")) {
		wgb_err("WGB_VMS_NET '%s': expected tap or socket", want);
		return -EINVAL;
	}
	h->taps = true;
	return vms_net_create(&h->v);
}

static void remove_tmp(struct vms_host *h)
{
	const char *rm[] = { "rm", "-rf", h->tmp, NULL };

	if (h->tmp[0] && getenv("WGB_VM_KEEP"))
		wgb_warn("WGB_VM_KEEP: kept %s", h->tmp);
	else if (h->tmp[0])
		vm_exec(rm, NULL);
}

static int resolve(const struct opts *o, struct vms_host *h)
{
	int r = vm_kernel_resolve(o, &h->k);

	if (!r && *h->k.moddir) {
		char **mods = NULL;
		size_t n = 0;

		r = vm_kernel_modules(&h->k, &mods, &n);  /* fails early on a kernel without WireGuard */
		vm_strv_free(mods, n);
	}
	if (!r)
		r = vm_qemu_find(h->qemu, sizeof(h->qemu));
	if (!r)
		r = vm_agent_binary(h->agent, sizeof(h->agent));
	return r;
}

int vms_run(const struct opts *o, const char *out_dir)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	struct vms_host *h = calloc(1, sizeof(*h));
	bool booted = false;
	unsigned int n;
	int r;

	if (!h)
		return -ENOMEM;
	h->vcpus = o->vcpus;
	h->memory_mb = o->memory_mb;
	h->v.prefix = o->prefix;
	h->v.wg = o->wg != TUN_NONE;
	h->v.netns_fd = -1;
	for (n = 0; n < NODE__COUNT; n++)
		h->v.g[n].fd = h->v.g[n].lfd = -1;
	r = check_input(o, out_dir);
	if (!r)
		r = resolve(o, h);
	if (!r)
		r = prepare(o, h);
	if (!r)
		r = make_links(h);
	if (r)
		goto out;
	vms_stop = 0;
	h->v.stop = &vms_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	r = boot_all(o, h);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (r)
		goto out;
	booted = true;
	if (!o->quiet) {
		fprintf(stderr, "wgbench: 4 guests (%s, %u vCPU, %u MiB each) ready:", h->kvm ? "KVM" : "TCG",
			h->vcpus, h->memory_mb);
		for (n = 0; n < NODE__COUNT; n++)
			fprintf(stderr, " %s %.1f s", topo_node_name(n), h->v.g[n].ready_s);
		fprintf(stderr, "\n");
	}
	h->v.stop = run_stop_ptr();
	r = run_execute_on(o, out_dir, &vms_backend, &h->v);
	if (h->v.tunnels && !run_stopped())
		check_clocks(h);
	fflush(stdout);
	if (r != -EINVAL && amend_run_json(out_dir, o, h) == 0 && !o->quiet)
		fprintf(stderr, "wgbench: guests %s (%s), results in %s\n", h->k.release,
			h->kvm ? "KVM" : "TCG", out_dir);
out:
	kill_guests(h);
	vms_net_free(&h->v);
	if (booted || (r != -EINVAL && r != -ENOENT && r != -ENOEXEC && r != -EEXIST && h->tmp[0]))
		keep_logs(h, out_dir);
	remove_tmp(h);
	free(h);
	return r;
}
