/* init.c — /init of the `make test-guest` guest (tests/guest/run): the
 * host's root filesystem, shared read-only over virtio-9p, becomes the
 * guest's, with fresh tmpfs on the places tests write (/tmp, /run, /var/tmp,
 * /dev/shm) and modprobe pointed at the guest kernel's modules; then
 * the e2e suite runs there (tests/guest/suite) on this kernel, which has
 * WireGuard, netem and fq.
 *
 *   initramfs: /init, /mods/NAME.ko (virtio-pci, 9p)
 *     └─ mount 9p "hostroot" ro on /newroot, tmpfs and /proc /sys /dev on it
 *        └─ chroot, cd $WGB_TOP, sh tests/guest/suite   (PID 1 reaps orphans)
 *           └─ "WGB-GUEST-DONE rc=N" on the console, power off
 *
 * Every step fails fast with one line (the kernel's wireguard selftests'
 * qemu/init.c manner); a failed step still ends in "WGB-GUEST-DONE rc=125"
 * so the host can tell a guest that could not run the suite from one whose
 * suite failed. Parameters come from the kernel command line as environment
 * variables (WGB_TOP, WGB_BUILD, WGB_GUEST_KROOT, WGB_E2E_ONLY, WGB_E2E_SKIP).
 * Built static by tests/guest/run: nothing but the C library.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "modules.h"

#define ROOT "/newroot"

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	printf("wgbench-guest: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void power_off(int rc) __attribute__((noreturn));
static void power_off(int rc)
{
	printf("WGB-GUEST-DONE rc=%d\n", rc);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void die(const char *what)
{
	say("%s: %s", what, strerror(errno));
	power_off(125);
}

static void mount_or_die(const char *src, const char *dst, const char *type, unsigned long flags,
			 const char *data)
{
	char what[256];

	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) == 0)
		return;
	snprintf(what, sizeof(what), "mount %s on %s", type ? type : src, dst);
	die(what);
}

static void load_modules(void)
{
	int loaded, left;

	guest_load_modules("/mods", &loaded, &left);
	if (left)
		say("%d module(s) would not load", left);
	say("%d module(s) loaded", loaded);
}

/* The host's root, read-only, with what the tests write on tmpfs. */
static void mount_root(void)
{
	static const char *const tmpfs[] = { ROOT "/tmp", ROOT "/run", ROOT "/var/tmp" };
	size_t i;

	mount_or_die("hostroot", ROOT, "9p", MS_RDONLY,
		     "trans=virtio,version=9p2000.L,msize=524288,cache=loose");
	for (i = 0; i < sizeof(tmpfs) / sizeof(tmpfs[0]); i++)
		mount_or_die("tmpfs", tmpfs[i], "tmpfs", 0, "mode=1777");
	mount_or_die("proc", ROOT "/proc", "proc", 0, NULL);
	mount_or_die("sysfs", ROOT "/sys", "sysfs", 0, NULL);
	mount_or_die("devtmpfs", ROOT "/dev", "devtmpfs", 0, NULL);
	mount_or_die("devpts", ROOT "/dev/pts", "devpts", 0, "ptmxmode=0666");
	mount_or_die("tmpfs", ROOT "/dev/shm", "tmpfs", 0, "mode=1777");
	mount("cgroup2", ROOT "/sys/fs/cgroup", "cgroup2", 0, NULL);   /* optional */
	mount("tracefs", ROOT "/sys/kernel/tracing", "tracefs", 0, NULL);   /* the suite's count */
	/* what the distribution makes in a fresh /run at boot: sshd's
	 * privilege-separation directory (the hosts tests start sshds) */
	mkdir(ROOT "/run/sshd", 0755);
	/* the node a distribution creates from modules.devname: opening it
	 * loads tun on demand (char-major-10-200) */
	mkdir(ROOT "/dev/net", 0755);
	mknod(ROOT "/dev/net/tun", S_IFCHR | 0666, makedev(10, 200));
	/* the links udev (systemd-tmpfiles) makes on every distribution, which
	 * devtmpfs does not: the hosts backend's agent copy reads /dev/stdin */
	symlink("/proc/self/fd", ROOT "/dev/fd");
	symlink("/proc/self/fd/0", ROOT "/dev/stdin");
	symlink("/proc/self/fd/1", ROOT "/dev/stdout");
	symlink("/proc/self/fd/2", ROOT "/dev/stderr");
}

/* The host has no /lib/modules/<release> of this kernel (maybe no
 * /lib/modules at all, and its / is read-only here): the kernel's own
 * module requests (a netlink family, a qdisc, an nftables expression) and
 * the tests' modprobe go through a wrapper that points modprobe at the
 * unpacked package (modprobe -d ROOT: ROOT/lib/modules/<release>). */
static void setup_modprobe(void)
{
	const char *root = getenv("WGB_GUEST_KROOT");
	const char *wrapper = "/run/wgbench-guest/bin/modprobe";
	FILE *f;

	if (!root || !*root) {
		say("no WGB_GUEST_KROOT: the kernel's modules will not load on demand");
		return;
	}
	mkdir("/run/wgbench-guest", 0755);
	mkdir("/run/wgbench-guest/bin", 0755);
	f = fopen(wrapper, "w");
	if (!f)
		die(wrapper);
	fprintf(f, "#!/bin/sh\nexec /sbin/modprobe -d %s \"$@\"\n", root);
	if (fclose(f) || chmod(wrapper, 0755))
		die(wrapper);
	f = fopen("/proc/sys/kernel/modprobe", "w");
	if (!f || fprintf(f, "%s\n", wrapper) < 0 || fclose(f))
		die("/proc/sys/kernel/modprobe");
}

static void enter_root(void)
{
	const char *top = getenv("WGB_TOP");

	if (chdir(ROOT) || chroot("."))
		die("chroot " ROOT);
	if (!top || chdir(top))
		die("cd $WGB_TOP");
}

static void lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}

/* The suite as a child; as PID 1, reap every orphan until it ends. */
static int run_suite(void)
{
	const char *suite = getenv("WGB_GUEST_SUITE");   /* another script, for debugging */
	char *const argv[] = { "/bin/sh", (char *)(suite ? suite : "tests/guest/suite"), NULL };
	int status = 0;
	pid_t pid, w;

	setenv("PATH", "/run/wgbench-guest/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/tmp", 1);
	setenv("TERM", "dumb", 1);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		setsid();
		execv(argv[0], argv);
		_exit(127);
	}
	for (;;) {
		w = waitpid(-1, &status, 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			die("waitpid");
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	struct utsname u;
	int rc;

	mount_or_die("proc", "/proc", "proc", 0, NULL);
	mount_or_die("sysfs", "/sys", "sysfs", 0, NULL);
	mount_or_die("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	uname(&u);
	say("kernel %s", u.release);
	load_modules();
	mount_root();
	enter_root();
	setup_modprobe();
	sethostname("wgbench-guest", 13);
	lo_up();
	rc = run_suite();
	say("suite ended with %d", rc);
	power_off(rc);
}
