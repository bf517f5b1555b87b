/* cmd_agent.c — `wgbench agent`: the node agent of --backend hosts on a
 * machine (`agent --stdio`, started by the controller's ssh; `agent
 * --install SHA`, the check of a copy sent there), and the guest's init.
 *
 * --stdio: the protocol is on the session's stdin/stdout (agent_node.h);
 * those are moved to descriptors of their own and 0/1 become /dev/null and
 * stderr, so nothing a library or a child prints can corrupt the channel.
 * SIGHUP and SIGPIPE are ignored (a closed session must not kill it) and
 * SIGTERM/SIGINT stop it: in every case the agent removes what it made
 * before it ends.
 *
 * The guest's init (PID 1), in the manner of the WireGuard
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
 * what the run (backend_run(), the netns backend) returned. "clock" and "end" let the host check the
 * guest's clock: which clocksource timed the run, and whether the guest's
 * seconds between ready and end match the host's.
 */
#include "cmd.h"
#include "opts.h"
#include "util.h"
#include "vm.h"
#include "agent_node.h"
#include "agent_ssh.h"
#include "stop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
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

/* HOST a symbolic link to GUEST, its directories made: the command then
 * names the host's paths in whatever it writes (vm.h, vm_run_cmd()). A
 * path already there is the same file (a variant of the data directory). */
static void link_host_path(struct agent *a, const char *guest, const char *host)
{
	char dir[PATH_MAX], *slash;
	struct stat st;

	if (!strcmp(guest, VM_GUEST_OUT) && stat(guest, &st) && mkdir(guest, 0755))
		panic(a, "mkdir " VM_GUEST_OUT);
	snprintf(dir, sizeof(dir), "%s", host);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (util_mkdir_p(dir, 0755))
			panic(a, dir);
	}
	if (symlink(guest, host) && errno != EEXIST)
		panic(a, host);
}

/* A command (tune) as the host wrote it: its links, then its own flags and
 * the run options, for tune_guest_main(). */
static int run_command(struct agent *a, int argc, char **argv)
{
	bool advice = !strcmp(argv[0], "tune-advice");
	int i = 1, rc;

	for (; i + 2 < argc && !strcmp(argv[i], VM_LINK_FLAG); i += 3)
		link_host_path(a, argv[i + 1], argv[i + 2]);
	say_clock(a);
	say(a, "ready %.3f", uptime());
	rc = tune_guest_main(argc - i, argv + i, advice);
	say(a, "end %.3f", uptime());
	return rc;
}

static int run_tests(struct agent *a)
{
	char *buf = NULL, **argv = NULL;
	const char *pos[1];
	struct opts o;
	size_t n_pos;
	int argc, rc;

	argc = read_args(a, &buf, &argv);
	if (argc && (!strcmp(argv[0], "tune") || !strcmp(argv[0], "tune-advice"))) {
		rc = run_command(a, argc, argv);
		goto out;
	}
	opts_init(&o);
	if (opts_parse(&o, OPTS_TOPO | OPTS_RUN, argc, argv, pos, 0, &n_pos)) {
		rc = -EINVAL;
		goto out;
	}
	o.backend = TOPO_BACKEND_NETNS;
	say_clock(a);
	say(a, "ready %.3f", uptime());
	rc = backend_run(&o, VM_GUEST_OUT);
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
	agent_node_serve(a->ctl, a->ctl, NULL);
	poweroff();
}

/* A scratch directory of its own: several agents may share a /tmp. */
static int scratch_dir(char *buf, size_t len)
{
	if (util_fmt(buf, len, "/tmp/wgbench-agent-%d-XXXXXX", (int)getpid()))
		return -ENAMETOOLONG;
	return mkdtemp(buf) ? 0 : -errno;
}

static void remove_dir(const char *dir)
{
	static const char *const files[] = { "timeline.csv", "variant.json", "variant.err" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++)
		if (!util_fmt(path, sizeof(path), "%s/%s", dir, files[i]))
			unlink(path);
	rmdir(dir);
}

static int agent_stdio(void)
{
	struct agent_node_opts o = { .stdio = true };
	int rfd = fcntl(0, F_DUPFD_CLOEXEC, 3), wfd = fcntl(1, F_DUPFD_CLOEXEC, 3);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct stop_scope stop;
	char dir[PATH_MAX], hello[128];
	int ret;

	if (rfd < 0 || wfd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(2, 1) < 0) {
		wgb_err("agent: cannot set up its descriptors: %s", strerror(errno));
		return WGB_EXIT_FAIL;
	}
	close(null);
	/* The controller gone, its session's pipes are closed: a message to
	 * stderr must not kill the agent before it has removed what it made. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	ret = scratch_dir(dir, sizeof(dir));
	if (ret) {
		wgb_err("agent: no scratch directory in /tmp: %s", strerror(-ret));
		return WGB_EXIT_FAIL;
	}
	o.dir = dir;
	stop_install(&stop);
	snprintf(hello, sizeof(hello), "hello wgbench-agent %d %s %s %d\n", AGENT_PROTO, WGB_VERSION,
		 WGB_GITREV, (int)getpid());
	ret = agent_chan_write(wfd, hello, strlen(hello));
	if (!ret)
		ret = agent_node_serve(rfd, wfd, &o);
	stop_restore(&stop);
	remove_dir(dir);
	close(rfd);
	close(wfd);
	return ret ? WGB_EXIT_FAIL : WGB_EXIT_OK;
}

int agent_main(int argc, char *argv[])
{
	struct agent a = { -1, -1 };
	double t_init;
	int rc, i;

	if (argc == 1 && !strcmp(argv[0], "--stdio"))
		return agent_stdio();
	/* a copy just sent by a controller: checked, in place, then the agent */
	if (argc == 3 && !strcmp(argv[0], "--stdio") && !strcmp(argv[1], "--install"))
		return agent_ssh_install_self(argv[2]) ? WGB_EXIT_USAGE : agent_stdio();
	if (argc == 2 && !strcmp(argv[0], "--install"))
		return agent_ssh_install_self(argv[1]) ? WGB_EXIT_USAGE : WGB_EXIT_OK;
	if (getpid() != 1) {
		wgb_err("agent: runs as init inside a wgbench guest (wgbench run --backend vm), or "
			"with --stdio on a machine of --backend hosts (its controller starts it over ssh)");
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
