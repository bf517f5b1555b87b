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
#include "vms_host.h"
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

static volatile sig_atomic_t vms_stop;  /* SIGINT/SIGTERM while booting: a signal needs a global */

static void on_signal(int sig)
{
	vms_stop = sig;
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
	struct sigaction old[2];
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
	util_signals_install(on_signal, old);
	r = vms_boot_all(o, h);
	util_signals_restore(old);
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
		vms_check_clocks(h);
	fflush(stdout);
	if (r != -EINVAL && amend_run_json(out_dir, o, h) == 0 && !o->quiet)
		fprintf(stderr, "wgbench: guests %s (%s), results in %s\n", h->k.release,
			h->kvm ? "KVM" : "TCG", out_dir);
out:
	vms_kill_guests(h);
	vms_net_free(&h->v);
	if (booted || (r != -EINVAL && r != -ENOENT && r != -ENOEXEC && r != -EEXIST && h->tmp[0]))
		keep_logs(h, out_dir);
	remove_tmp(h);
	free(h);
	return r;
}
