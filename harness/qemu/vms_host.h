/* vms_host.h — the --backend vms bed on the host: what vms.c (the bed's
 * lifecycle) and vms_boot.c (starting, watching and stopping the four
 * guests) share. Private to those two files. */
#ifndef WGB_VMS_HOST_H
#define WGB_VMS_HOST_H

#include "vm.h"
#include "vms_impl.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

struct opts;

struct vms_host {
	struct vms v;
	const struct opts *o;
	const char *out_dir;          /* the consoles and QEMU logs go there; may be NULL */
	FILE *tty;
	bool booted, up;              /* up: the run's testbed (v.tunnels stays set in the guests) */
	char wg_version[96];          /* gw1's answer to setup */
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

/* Wire the links, start every guest, wait until each is ready (a KVM guest
 * that does not boot falls back to TCG); on failure no guest is left. */
int vms_boot_all(const struct opts *o, struct vms_host *h);
void vms_kill_guests(struct vms_host *h);
/* Measure each guest's clock rate against the host's and warn when off. */
void vms_check_clocks(struct vms_host *h);

#endif
