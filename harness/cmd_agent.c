/* cmd_agent.c — the guest's init (PID 1), in the manner of the WireGuard
 * selftests' qemu/init.c: main is the list of steps, each fails fast with
 * one line. The steps: mount the kernel file systems, load the modules the
 * host chose (in dependency order), find the virtio-serial ports, read the
 * run options the host put into the initramfs, run the netns testbed with
 * the guest kernel's WireGuard, send the results directory back as a cpio
 * stream on its own port, say "done <rc>" on the control port, power off.
 *
 * Control port lines (host side: vm.c): "init <uptime>" (when /init
 * started), "boot <uptime>" (modules loaded, ports open), "clock <clocksource>",
 * "ready <uptime>", "error <message>", "end <uptime>", "done <rc>" where rc is
 * what run_execute() returned. "clock" and "end" let the host check the
 * guest's clock: which clocksource timed the run, and whether the guest's
 * seconds between ready and end match the host's.
 */
#include "cmd.h"
#include "opts.h"
#include "run.h"
#include "util.h"
#include "vm_impl.h"
#include "agent_node.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define AGENT_CLOCK_SETTLE 3.0   /* seconds to wait for tsc-early to become tsc */

/* The agent is one process that owns the guest; these are its two ports. */
struct agent {
	int ctl, res;
};

static void say(struct agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct agent *a, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (a->ctl >= 0 && write(a->ctl, line, (size_t)n) < 0)
		a->ctl = -1;
}

static __attribute__((noreturn)) void poweroff(void)
{
	fflush(stdout);
	fflush(stderr);
	sync();
	/* -no-reboot turns the reboot into QEMU's exit. */
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static __attribute__((noreturn)) void panic(struct agent *a, const char *what)
{
	fprintf(stderr, "wgbench agent: %s: %s\n", what, strerror(errno));
	say(a, "error %s: %s", what, strerror(errno));
	poweroff();
}

static double uptime(void)
{
	char *text = NULL;
	double up = 0;

	if (!util_read_file("/proc/uptime", &text, NULL))
		up = strtod(text, NULL);
	free(text);
	return up;
}

/* The clocksource every timestamp of the run comes from (tsc, hpet,
 * acpi_pm, kvm-clock; jiffies would make throughput figures meaningless). */
static char *read_clock(void)
{
	char *text = NULL;

	if (util_read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			   &text, NULL))
		return NULL;
	text[strcspn(text, "\n")] = 0;
	return text;
}

/* The kernel hands over from tsc-early to tsc about a second after
 * registering the TSC (the refinement work of init_tsc_clocksource()); a
 * guest that boots faster than that must wait, or its run would be timed
 * across the switch by a clock calibrated only early. */
static void say_clock(struct agent *a)
{
	double deadline = util_now_mono() + AGENT_CLOCK_SETTLE;
	char *text = read_clock();

	while (text && !strcmp(text, "tsc-early") && util_now_mono() < deadline) {
		free(text);
		usleep(20000);
		text = read_clock();
	}
	if (!text) {
		say(a, "clock unknown");
		return;
	}
	say(a, "clock %.64s", text);
	free(text);
}

static void mount_filesystems(struct agent *a)
{
	if (mount("none", "/dev", "devtmpfs", 0, NULL))
		panic(a, "mount /dev");
	if (mount("none", "/proc", "proc", 0, NULL))
		panic(a, "mount /proc");
	if (mount("none", "/sys", "sysfs", 0, NULL))
		panic(a, "mount /sys");
	if (mount("none", "/tmp", "tmpfs", 0, NULL))
		panic(a, "mount /tmp");
	if (mount("none", "/run", "tmpfs", 0, NULL))
		panic(a, "mount /run");
	if (symlink("/proc/self/fd", "/dev/fd") && errno != EEXIST)
		panic(a, "symlink /dev/fd");
	/* Keep the console for our own lines. */
	util_write_str("/proc/sys/kernel/printk", "3");
}

/* finit_module(); modules were decompressed on the host. A missing
 * WireGuard is fatal, other modules only limit which variants validate. */
static void load_modules(struct agent *a)
{
	char *list = NULL, *line, *save = NULL;

	if (util_read_file(VM_MODULES_FILE, &list, NULL))
		panic(a, "read " VM_MODULES_FILE);
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int fd = open(line, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			panic(a, line);
		if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST) {
			if (strstr(line, "/wireguard.ko"))
				panic(a, "load wireguard.ko");
			fprintf(stderr, "wgbench agent: warning: %s: %s\n", line, strerror(errno));
		}
		close(fd);
	}
	free(list);
}

/* Ports appear when the host's control messages arrive: poll briefly. */
static int find_port(const char *name, int flags)
{
	char path[300], dev[64], *text = NULL;
	struct dirent *e;
	int fd = -1;
	DIR *d;

	d = opendir("/sys/class/virtio-ports");
	if (!d)
		return -1;
	while (fd < 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
		if (util_read_file(path, &text, NULL))
			continue;
		text[strcspn(text, "\n")] = 0;
		if (!strcmp(text, name)) {
			snprintf(dev, sizeof(dev), "/dev/%.32s", e->d_name);
			fd = open(dev, flags | O_CLOEXEC);
		}
		free(text);
		text = NULL;
	}
	closedir(d);
	return fd;
}

static void open_ports(struct agent *a)
{
	double deadline = util_now_mono() + 10;

	while ((a->ctl < 0 || a->res < 0) && util_now_mono() < deadline) {
		if (a->ctl < 0)
			a->ctl = find_port(VM_PORT_CONTROL, O_WRONLY);
		if (a->res < 0)
			a->res = find_port(VM_PORT_RESULTS, O_WRONLY);
		if (a->ctl < 0 || a->res < 0)
			usleep(10000);
	}
	if (a->ctl < 0 || a->res < 0) {
		errno = ENODEV;
		panic(a, "virtio-serial ports " VM_PORT_CONTROL "/" VM_PORT_RESULTS);
	}
}

static void bring_up_loopback(struct agent *a)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		panic(a, "socket");
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			panic(a, "lo up");
	}
	close(s);
}

/* The run options, NUL-separated, as vm.c wrote them. */
static int read_args(struct agent *a, char **buf, char ***argv)
{
	size_t len, i, n = 0;
	int argc = 0;

	if (util_read_file(VM_ARGS_FILE, buf, &len))
		panic(a, "read " VM_ARGS_FILE);
	for (i = 0; i < len; i++)
		n += !(*buf)[i];
	*argv = calloc(n + 1, sizeof(char *));
	if (!*argv)
		panic(a, "calloc");
	for (i = 0; i < len; i += strlen(*buf + i) + 1)
		(*argv)[argc++] = *buf + i;
	return argc;
}

static int run_tests(struct agent *a)
{
	char *buf = NULL, **argv = NULL;
	const char *pos[1];
	struct opts o;
	size_t n_pos;
	int argc, rc;

	argc = read_args(a, &buf, &argv);
	opts_init(&o);
	if (opts_parse(&o, OPTS_TOPO | OPTS_RUN, argc, argv, pos, 0, &n_pos)) {
		rc = -EINVAL;
		goto out;
	}
	o.backend = TOPO_BACKEND_NETNS;
	say_clock(a);
	say(a, "ready %.3f", uptime());
	rc = run_execute(&o, VM_GUEST_OUT);
	say(a, "end %.3f", uptime());
out:
	free(argv);
	free(buf);
	return rc;
}

static void send_results(struct agent *a)
{
	struct vm_cpio *c = NULL;
	struct stat st;
	int r;

	if (stat(VM_GUEST_OUT, &st))
		mkdir(VM_GUEST_OUT, 0755);
	r = vm_cpio_open(a->res, &c);
	if (!r)
		r = vm_cpio_tree(c, ".", VM_GUEST_OUT);
	if (!r)
		r = vm_cpio_close(c);
	else
		vm_cpio_close(c);
	if (r) {
		errno = -r;
		panic(a, "send results");
	}
	fsync(a->res);
}

/* --backend vms: this guest is one node, the host sends commands (agent_node.c). */
static __attribute__((noreturn)) void serve_node(struct agent *a)
{
	double deadline = util_now_mono() + 10;

	while ((a->ctl = find_port(VM_PORT_CONTROL, O_RDWR)) < 0 && util_now_mono() < deadline)
		usleep(10000);
	if (a->ctl < 0) {
		errno = ENODEV;
		panic(a, "virtio-serial port " VM_PORT_CONTROL);
	}
	say(a, "boot %.3f", uptime());
	bring_up_loopback(a);
	say(a, "ready %.3f", uptime());
	agent_node_serve(a->ctl);
	poweroff();
}

int agent_main(int argc, char *argv[])
{
	struct agent a = { -1, -1 };
	double t_init;
	int rc, i;

	if (getpid() != 1) {
		wgb_err("agent: runs only as init inside a wgbench guest (wgbench run --backend vm)");
		return WGB_EXIT_USAGE;
	}
	mount_filesystems(&a);
	t_init = uptime();
	load_modules(&a);
	for (i = 0; i < argc; i++)   /* main() passes what follows "agent" */
		if (!strcmp(argv[i], "--node"))
			serve_node(&a);
	open_ports(&a);
	say(&a, "init %.3f", t_init);
	say(&a, "boot %.3f", uptime());
	bring_up_loopback(&a);
	rc = run_tests(&a);
	send_results(&a);
	say(&a, "done %d", rc);
	poweroff();
}
