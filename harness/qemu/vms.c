/* vms.c — the bed of --backend vms (bed.h), one QEMU guest per node.
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
 * ports (vms_ctl.c, vms_bed.c), and run.c does the run on this bed as on any
 * other, so results have the usual format. Open checks the input and finds
 * the kernel and QEMU (nothing started); the first up boots the guests;
 * close kills them. No QEMU outlives the bed (PR_SET_PDEATHSIG covers a
 * kill -9), and the links' namespace goes with them.
 */
#include "vm.h"
#include "vms_impl.h"
#include "vms_host.h"
#include "bed.h"
#include "opts.h"
#include "stop.h"
#include "topo_node.h"
#include "topo_plan.h"
#include "util.h"

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
	if (vm_tmpdir_make("vms", o->prefix, h->tmp, sizeof(h->tmp))) {
		h->tmp[0] = 0;
		return -errno;
	}
	for (i = 0; i < NODE__COUNT; i++) {
		struct vms_guest *g = &h->v.g[order[i]];
		const char *name = topo_node_name(order[i]);

		vms_ctl_init(g, order[i], h->v.stop);
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

	if (!out_dir || util_mkdir_p(out_dir, 0755))
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

/* run.json's "vms": what the host knows of the guests. */
static struct json_object *vms_json(const struct vms_host *h)
{
	struct json_object *vms, *guests, *g, *links;
	char log[64];
	unsigned int n;

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
	return vms;
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


static struct vms_host *H(void *st)
{
	return st;
}

/* The guests, booted once for the bed's whole life (the first up). */
static int boot(struct vms_host *h)
{
	unsigned int n;
	int r;

	r = prepare(h->o, h);
	if (!r)
		r = make_links(h);
	if (!r)
		r = vms_boot_all(h->o, h);
	if (r)
		return r;
	h->booted = true;
	if (!h->o->quiet) {
		fprintf(stderr, "wgbench: 4 guests (%s, %u vCPU, %u MiB each) ready:", h->kvm ? "KVM" : "TCG",
			h->vcpus, h->memory_mb);
		for (n = 0; n < NODE__COUNT; n++)
			fprintf(stderr, " %s %.1f s", topo_node_name(n), h->v.g[n].ready_s);
		fprintf(stderr, "\n");
	}
	return 0;
}

static int vb_up(void *st, unsigned int tunnels)
{
	struct vms_host *h = H(st);
	struct stop_scope stop;
	int r = 0;

	if (h->up)
		return -EBUSY;   /* down first */
	stop_install(&stop);   /* a run's already: a signal kills the guests' boot */
	if (!h->booted)
		r = boot(h);
	if (!r)
		r = vms_setup(&h->v, tunnels, h->wg_version, sizeof(h->wg_version));
	stop_restore(&stop);
	if (r)
		return r;
	h->up = true;
	if (!h->o->quiet)
		fprintf(h->tty, "testbed up: %s, %u tunnel(s), %s\n",
			tun_kind_name(h->v.wg ? TUN_KERNEL : TUN_NONE), tunnels, h->wg_version);
	fflush(h->tty);
	return 0;
}

/* The guests stay (close kills them); their clocks are measured against
 * this one's over the time they were up. */
static int vb_down(void *st)
{
	struct vms_host *h = H(st);
	unsigned int k;

	for (k = 0; k < LATENCY_PATH__COUNT; k++)
		agent_fleet_probe_cancel(&h->v.fleet, (enum latency_path)k);
	if (h->up && !stop_requested())
		vms_check_clocks(h);
	h->up = false;
	return 0;
}

static unsigned int vb_tunnels(void *st)
{
	return H(st)->up ? H(st)->v.tunnels : 0;
}

static unsigned int vb_default_tunnels(void *st)
{
	return H(st)->o->tunnels;
}

static int vb_fits(void *st, unsigned int tunnels, const char *who)
{
	return 0;   /* vms_setup() refuses a second count within one bed */
}

/* In each of --inner's families, as the drain guest read them back. */
static const char *vb_drain_addr(void *st, unsigned int k, int af)
{
	return vb_tunnels(st) ? vms_drain_addr(&H(st)->v, k, af) : NULL;
}

static const struct topo *vb_topo(void *st)
{
	return NULL;   /* the nodes are guests, not namespaces here */
}

static int vb_variant_check(void *st, const struct variant *v, char *why, size_t len)
{
	return vms_variant_check(&H(st)->v, v, why, len);
}

static int vb_variant_apply(void *st, const struct variant *v, struct json_object **applied)
{
	return vms_variant_apply(&H(st)->v, v, applied);
}

static int vb_variant_revert(void *st)
{
	return vms_variant_revert(&H(st)->v);
}

static int vb_traffic(void *st, const struct traffic_test *t, const struct traffic_flow *flows,
		      size_t n, double timeout, const volatile sig_atomic_t *stop,
		      struct traffic_flow_result *res, double *t_clients)
{
	return vms_traffic(&H(st)->v, t, flows, n, timeout, stop, res, t_clients);
}

static int vb_sample_start(void *st, double interval, const char *timeline_path)
{
	return vms_sample_start(&H(st)->v, interval, timeline_path);
}

static int vb_sample_stop(void *st, double w0, double w1, struct json_object **cpu,
			  struct json_object **drops, double *self_cpu_s)
{
	*self_cpu_s = 0;   /* the guests' own samplers: counted in their CPU */
	return vms_sample_stop(&H(st)->v, w0, w1, cpu, drops);
}

/* The guests' underlay is the plan's, in --ip's family of tunnel 0. */
static int vb_underlay_addr(void *st, char *buf, size_t len)
{
	return topo_plan_addr_str(NODE_GW2, LINK_UNDERLAY, 0, topo_family_tunnel_af(H(st)->v.ip, 0), buf, len);
}

/* The probe's ends are the guests' agents (two clocks: no one-way delays). */
static int vb_probe_start(void *st, enum latency_path path, const char *addr, double interval)
{
	return H(st)->up ? agent_fleet_probe_start(&H(st)->v.fleet, path, addr, interval) : -ENOENT;
}

static int vb_probe_finish(void *st, enum latency_path path, const struct latency_window *idle,
			   const struct latency_window *load, const char *timeline, struct json_object **out)
{
	return agent_fleet_probe_finish(&H(st)->v.fleet, path, idle, load, timeline, out);
}

static void vb_probe_cancel(void *st, enum latency_path path)
{
	agent_fleet_probe_cancel(&H(st)->v.fleet, path);
}

static void vb_facts(void *st, struct json_object *j)
{
	struct vms_host *h = H(st);
	struct json_object *wg, *net = vms_network_json(&h->v);

	json_object_object_add(j, "backend", json_object_new_string("vms"));
	if (net)   /* the guests' interfaces and tunnel ends, as they read them */
		json_object_object_add(j, "network", net);
	if (h->wg_version[0] && json_object_object_get_ex(j, "wireguard", &wg)) {
		json_object_object_add(wg, "implementation", json_object_new_string(
			tun_kind_name(h->v.wg ? TUN_KERNEL : TUN_NONE)));
		json_object_object_add(wg, "version", json_object_new_string(h->wg_version));
	}
	if (h->booted)
		json_object_object_add(j, "vms", vms_json(h));
}

static void vb_close(void *st)
{
	struct vms_host *h = H(st);

	if (!h)
		return;
	vms_kill_guests(h);
	vms_net_free(&h->v);
	vms_network_free(&h->v);
	if (h->tmp[0])   /* the guests were started: their consoles say how it went */
		keep_logs(h, h->out_dir);
	fflush(stdout);   /* the run's last lines first */
	if (h->booted && !h->o->quiet)
		fprintf(stderr, "wgbench: guests %s (%s)%s%s\n", h->k.release, h->kvm ? "KVM" : "TCG",
			h->out_dir ? ", results in " : "", h->out_dir ? h->out_dir : "");
	remove_tmp(h);
	free(h);
}

static const struct bed_ops vms_ops = {
	.name = "vms",
	.local_clock = false,   /* each guest's timeline is on its own clock */
	.default_tunnels = vb_default_tunnels,
	.fits = vb_fits,
	.up = vb_up,
	.down = vb_down,
	.tunnels = vb_tunnels,
	.drain_addr = vb_drain_addr,
	.topo = vb_topo,
	.variant_check = vb_variant_check,
	.variant_apply = vb_variant_apply,
	.variant_revert = vb_variant_revert,
	.traffic = vb_traffic,
	.sample_start = vb_sample_start,
	.sample_stop = vb_sample_stop,
	.underlay_addr = vb_underlay_addr,
	.probe_start = vb_probe_start,
	.probe_finish = vb_probe_finish,
	.probe_cancel = vb_probe_cancel,
	.facts = vb_facts,
	.close = vb_close,
};

/* Bad input is refused here, before anything boots (exit 2, nothing running). */
int vms_bed_open(const struct opts *o, const char *out_dir, struct bed **out)
{
	struct vms_host *h;
	unsigned int n;
	int r;

	if (o->wg == TUN_WGGO) {
		wgb_err("--backend vms measures the guests' kernel WireGuard: use --wg kernel (or none)");
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->o = o;
	h->out_dir = out_dir;
	h->tty = o->json ? stderr : stdout;
	h->vcpus = o->vcpus;
	h->memory_mb = o->memory_mb;
	h->v.prefix = o->prefix;
	h->v.wg = o->wg != TUN_NONE;
	h->v.ip = o->ip ? o->ip : TOPO_FAM_4;
	h->v.inner = o->inner ? o->inner : TOPO_FAM_4;
	h->v.netns_fd = -1;
	h->v.stop = stop_flag();
	for (n = 0; n < NODE__COUNT; n++)
		vms_ctl_init(&h->v.g[n], (enum topo_node_id)n, h->v.stop);
	r = resolve(o, h);
	if (!r)
		r = bed_new(&vms_ops, h, out);
	if (r)
		vb_close(h);
	return r;
}
