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
#include "vm.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#define BASE_APPEND "console=ttyS0 quiet panic=-1 oops=panic tsc=reliable"

bool vm_clock_precise(const char *clocksource)
{
	static const char *const ok[] = { "tsc", "hpet", "acpi_pm", "kvm-clock" };

	return util_name_index(ok, ARRAY_SIZE(ok), clocksource) >= 0;
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

/* The bzImage's payload, decompressed, is the kernel's ELF (vmlinux). With
 * CONFIG_PVH QEMU enters it directly (PVH boot): no firmware loading of the
 * bzImage and no decompression under TCG (~1-2 s of wall time on a loaded
 * host, doc/boot.md). Payload: (setup_sects + 1) * 512 + payload_offset,
 * payload_length bytes; all formats but gzip end with 4 bytes of size. */
static const struct {
	const unsigned char magic[4];
	size_t n;
	const char *argv0, *arg1;
	bool size_appended;
} pvh_codecs[] = {
	{ { 0x1f, 0x8b }, 2, "gzip", "-dc", false },
	{ { 0xfd, '7', 'z', 'X' }, 4, "xz", "-dc", true },
	{ { 0x5d, 0x00, 0x00 }, 3, "xz", "--format=lzma", true },
	{ { 'B', 'Z', 'h' }, 3, "bzip2", "-dc", true },
	{ { 0x02, 0x21, 0x4c, 0x18 }, 4, "lz4", "-dc", true },
	{ { 0x28, 0xb5, 0x2f, 0xfd }, 4, "zstd", "-dc", true },
	{ { 0x89, 'L', 'Z', 'O' }, 4, "lzop", "-dc", true },
};

static int pvh_extract(const char *image, const char *tmpdir, const char *out)
{
	char *b = NULL, payload[PATH_MAX];
	size_t len, off, plen, i;
	int r;

	r = util_read_file(image, &b, &len);
	if (r)
		return r;
	r = -ENOEXEC;
	if (len < 0x250 || (unsigned char)b[0x207] < 2 || (unsigned char)b[0x206] < 8)
		goto out;
	off = ((size_t)((unsigned char)b[0x1f1] ? (unsigned char)b[0x1f1] : 4) + 1) * 512;
	off += (size_t)(unsigned char)b[0x248] | (size_t)(unsigned char)b[0x249] << 8 |
	       (size_t)(unsigned char)b[0x24a] << 16 | (size_t)(unsigned char)b[0x24b] << 24;
	plen = (size_t)(unsigned char)b[0x24c] | (size_t)(unsigned char)b[0x24d] << 8 |
	       (size_t)(unsigned char)b[0x24e] << 16 | (size_t)(unsigned char)b[0x24f] << 24;
	if (off > len || plen > len - off || plen < 8)
		goto out;
	for (i = 0; i < ARRAY_SIZE(pvh_codecs); i++)
		if (!memcmp(b + off, pvh_codecs[i].magic, pvh_codecs[i].n))
			break;
	if (i == ARRAY_SIZE(pvh_codecs) ||
	    util_fmt(payload, sizeof(payload), "%s/kernel-payload", tmpdir))
		goto out;
	r = util_write_file_atomic(payload, b + off, plen - (pvh_codecs[i].size_appended ? 4 : 0));
	if (!r) {
		const char *argv[] = { pvh_codecs[i].argv0, pvh_codecs[i].arg1,
				       i == 2 ? "-dc" : payload, i == 2 ? payload : NULL, NULL };

		r = vm_exec(argv, out);
	}
	unlink(payload);
out:
	free(b);
	return r;
}

static bool is_elf(const char *path)
{
	char m[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, m, 4) == 4 && !memcmp(m, "\x7f" "ELF", 4);
	close(fd);
	return ok;
}

int vm_boot_pvh(const struct vm_kernel *k, const char *tmpdir, char *out, size_t len)
{
	char v[8], cached[PATH_MAX + 16], tmp[PATH_MAX + 32];
	const char *base;
	int r;

	if (getenv("WGB_VM_NO_PVH") || kconfig(k, "PVH", v, sizeof(v)) || strcmp(v, "y"))
		return -ENOTSUP;
	/* A .deb's unpacked tree is ours: keep the ELF there for the next run,
	 * as a dot file, which the search for boot/vmlinuz-* passes over. */
	base = strrchr(k->image, '/');
	base = base ? base + 1 : k->image;
	snprintf(cached, sizeof(cached), "%.*s.%s.pvh-elf", (int)(base - k->image), k->image, base);
	if (*k->deb && is_elf(cached))
		return util_fmt(out, len, "%s", cached);
	if (*k->deb)
		snprintf(tmp, sizeof(tmp), "%s.tmp", cached);
	else
		snprintf(tmp, sizeof(tmp), "%s/vmlinux", tmpdir);
	r = pvh_extract(k->image, tmpdir, tmp);
	if (!r && !is_elf(tmp))
		r = -ENOEXEC;
	if (r) {
		unlink(tmp);
		return r;
	}
	if (*k->deb && !rename(tmp, cached))
		return util_fmt(out, len, "%s", cached);
	return util_fmt(out, len, "%s", tmp);
}
