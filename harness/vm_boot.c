/* vm_boot.c — how a guest boots: QEMU machine, CPU model, kernel command
 * line (vm_boot_plan), and whether the guest's clock can be trusted.
 *
 * Measured under TCG (doc/boot.md): q35 spends ~2.5 s in SeaBIOS and option
 * ROMs and probes PCI, ACPI and legacy devices; microvm (qboot, virtio-mmio,
 * no PCI) boots the same kernel in about two thirds of the CPU time. But
 * microvm has no HPET or ACPI PM timer, and the kernel's PIT calibration of
 * the TSC fails under TCG whenever the vCPU is descheduled, leaving a 4 ms
 * jiffies clocksource. Under TCG the guest's TSC is the host's TSC (QEMU's
 * rdtsc returns cpu_get_host_ticks() plus an offset), so we measure the
 * host's TSC frequency here and hand it to the kernel (tsc_early_khz=):
 * the guest then runs on clocksource tsc without calibrating. The host
 * checks afterwards (vm.c): the guest must report tsc/hpet/acpi_pm/
 * kvm-clock, and its seconds between "ready" and "end" must match the
 * host's; a microvm guest with any other clock is relaunched on q35.
 * Also: cryptomgr.notests skips the boot-time crypto self-tests (~1.2 s of
 * TCG, no effect on the kernel's run-time code), lpj= skips the delay-loop
 * calibration of each CPU (computed from the same TSC frequency and HZ).
 * KVM keeps q35 with -cpu host (kvm-clock).
 */
#include "vm_impl.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#define BASE_APPEND "console=ttyS0 quiet panic=-1 oops=panic tsc=reliable"

bool vm_clock_precise(const char *clocksource)
{
	static const char *const ok[] = { "tsc", "hpet", "acpi_pm", "kvm-clock" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (!strcmp(clocksource, ok[i]))
			return true;
	return false;
}

/* Value of CONFIG_<name> in the kernel's config next to its image
 * (boot/config-<release>), "" when unset; -ENOENT without a config. */
static int kconfig(const struct vm_kernel *k, const char *name, char *val, size_t len)
{
	char path[PATH_MAX + 160], key[96], *text = NULL, *p, *dir;
	int r;

	snprintf(path, sizeof(path), "%s", k->image);
	dir = strrchr(path, '/');
	if (!dir)
		return -ENOENT;
	snprintf(dir + 1, sizeof(path) - (size_t)(dir + 1 - path), "config-%s", k->release);
	r = util_read_file(path, &text, NULL);
	if (r)
		return r;
	snprintf(key, sizeof(key), "\nCONFIG_%s=", name);
	val[0] = 0;
	p = strstr(text, key);
	if (p) {
		p += strlen(key);
		snprintf(val, len, "%.*s", (int)strcspn(p, "\n"), p);
	}
	free(text);
	return 0;
}

/* The host's invariant TSC frequency in kHz, 0 if it has none. */
static unsigned long host_tsc_khz(void)
{
#if defined(__x86_64__)
	char *info = NULL;
	bool invariant;
	double best = 0, best_win = 1e9;
	int i;

	if (util_read_file("/proc/cpuinfo", &info, NULL))
		return 0;
	invariant = strstr(info, " constant_tsc") && strstr(info, " nonstop_tsc");
	free(info);
	if (!invariant)
		return 0;
	/* Three 50 ms windows; the one whose bracketing clock reads were
	 * closest together (least disturbed by preemption) wins. */
	for (i = 0; i < 3; i++) {
		struct timespec a0, a1, b0, b1, d = { 0, 50000000 };
		unsigned long long t0, t1;
		double w0, w1;

		clock_gettime(CLOCK_MONOTONIC_RAW, &a0);
		t0 = __rdtsc();
		clock_gettime(CLOCK_MONOTONIC_RAW, &a1);
		nanosleep(&d, NULL);
		clock_gettime(CLOCK_MONOTONIC_RAW, &b0);
		t1 = __rdtsc();
		clock_gettime(CLOCK_MONOTONIC_RAW, &b1);
		w0 = (double)(a1.tv_sec - a0.tv_sec) + (double)(a1.tv_nsec - a0.tv_nsec) * 1e-9;
		w1 = (double)(b1.tv_sec - b0.tv_sec) + (double)(b1.tv_nsec - b0.tv_nsec) * 1e-9;
		if (w0 + w1 < best_win) {
			double s = (double)(b0.tv_sec - a0.tv_sec) +
				   (double)(b0.tv_nsec - a0.tv_nsec) * 1e-9 + (w1 - w0) / 2;

			best_win = w0 + w1;
			best = (double)(t1 - t0) / s / 1000.0;
		}
	}
	return best_win < 1e-4 ? (unsigned long)(best + 0.5) : 0;
#else
	return 0;  /* QEMU's TCG TSC follows the host's own counter: x86 only */
#endif
}

/* microvm needs the kernel to find virtio-mmio devices through ACPI. */
static bool kernel_fits_microvm(const struct vm_kernel *k, const char **why)
{
	char v[32];

	if (kconfig(k, "VIRTIO_MMIO", v, sizeof(v))) {
		*why = "no kernel config next to the image";
		return false;
	}
	if (strcmp(v, "y") && strcmp(v, "m")) {
		*why = "kernel without CONFIG_VIRTIO_MMIO";
		return false;
	}
	if (kconfig(k, "ACPI", v, sizeof(v)) || strcmp(v, "y")) {
		*why = "kernel without CONFIG_ACPI";
		return false;
	}
	return true;
}

static void plan_q35(struct vm_boot *b, bool kvm)
{
	snprintf(b->kind, sizeof(b->kind), "q35");
	snprintf(b->machine, sizeof(b->machine), "q35,accel=%s", kvm ? "kvm" : "tcg");
	snprintf(b->cpu, sizeof(b->cpu), "%s", kvm ? "host" : "qemu64,+rdrand");
	snprintf(b->serial_dev, sizeof(b->serial_dev), "virtio-serial-pci");
	snprintf(b->append, sizeof(b->append), "%s cryptomgr.notests", BASE_APPEND);
	b->tsc_khz = 0;
}

int vm_boot_plan(const struct vm_kernel *k, bool kvm, bool force_q35, struct vm_boot *b)
{
	const char *why = NULL;
	char hz[16], force[8];
	unsigned long lpj = 0;
	size_t n;

	memset(b, 0, sizeof(*b));
	plan_q35(b, kvm);
	/* Stripped module signatures save their RSA checks under TCG; a kernel
	 * that insists on signatures keeps them. */
	b->strip_module_sigs = !kconfig(k, "MODULE_SIG_FORCE", force, sizeof(force)) &&
			       strcmp(force, "y");
	if (kvm || force_q35 || getenv("WGB_VM_Q35"))
		return 0;
	if (!kernel_fits_microvm(k, &why)) {
		snprintf(b->why_not_microvm, sizeof(b->why_not_microvm), "%s", why);
		return 0;
	}
	b->tsc_khz = host_tsc_khz();
	if (!b->tsc_khz) {
		snprintf(b->why_not_microvm, sizeof(b->why_not_microvm),
			 "the host has no invariant TSC to give the guest");
		return 0;
	}
	snprintf(b->kind, sizeof(b->kind), "microvm");
	snprintf(b->machine, sizeof(b->machine), "microvm,accel=tcg");
	snprintf(b->serial_dev, sizeof(b->serial_dev), "virtio-serial-device");
	n = (size_t)snprintf(b->append, sizeof(b->append), "%s cryptomgr.notests tsc_early_khz=%lu",
			     BASE_APPEND, b->tsc_khz);
	if (!kconfig(k, "HZ", hz, sizeof(hz)) && atoi(hz) > 0)
		lpj = b->tsc_khz * 1000 / (unsigned long)atoi(hz);
	if (lpj && n < sizeof(b->append))
		snprintf(b->append + n, sizeof(b->append) - n, " lpj=%lu", lpj);
	return 0;
}
