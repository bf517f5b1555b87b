/* vm_qemu.c — one QEMU guest: its command line, its threads, its end.
 *
 * The machine, CPU and kernel command line come from vm_boot.c (microvm
 * with the host's TSC frequency under TCG, q35 otherwise).
 * -cpu qemu64,+rdrand: the guest's CRNG is ready at once (without RDRAND
 * key generation blocks for seconds); -cpu max makes TCG several times slower.
 * Results leave on their own virtio-serial ports (control lines and a cpio
 * stream), written by QEMU to files; the console goes to console.log.
 */
#include "vm.h"
#include "node.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define KVM_GET_API_VERSION_IOCTL 0xAE00

int vm_qemu_find(char *buf, size_t len)
{
	const char *env = getenv("WGB_QEMU");

	if (env && *env) {
		if (access(env, X_OK))
			goto missing;
		return util_fmt(buf, len, "%s", env);
	}
	if (!node_which("qemu-system-x86_64", buf, len))
		return 0;
missing:
	wgb_err("QEMU not found: %s is not an executable qemu-system-x86_64 "
		"(install the qemu-system-x86 package)", env && *env ? env : "PATH");
	return -ENOENT;
}

int vm_qemu_version(const char *qemu, char *buf, size_t len)
{
	char tmp[] = "/tmp/wgbench-qemu-version-XXXXXX", *text = NULL;
	const char *argv[] = { qemu, "--version", NULL };
	int fd, r;

	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	close(fd);
	r = vm_exec(argv, tmp);
	if (!r)
		r = util_read_file(tmp, &text, NULL);
	unlink(tmp);
	if (r)
		return r;
	text[strcspn(text, "\n")] = 0;
	r = util_fmt(buf, len, "%s", text);
	free(text);
	return r;
}

bool vm_kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = ioctl(fd, KVM_GET_API_VERSION_IOCTL, 0) == 12;
	close(fd);
	return ok;
}

/* QEMU's command line; the strings it points to live in *b. */
struct qemu_argv {
	char smp[32], mem[32], ser[PATH_MAX + 32], ctl[PATH_MAX + 48], res[PATH_MAX + 48];
	char append[sizeof(((struct vm_boot *)0)->append) + 96], vser[64];
	const char *argv[96];
};

#define ARG(s) do { if (n + 1 >= ARRAY_SIZE(b->argv)) return -E2BIG; b->argv[n++] = (s); } while (0)

static int qemu_argv(const struct vm_qemu_cfg *c, struct qemu_argv *b)
{
	size_t n = 0;

	snprintf(b->smp, sizeof(b->smp), "%u", c->vcpus);
	snprintf(b->mem, sizeof(b->mem), "%u", c->memory_mb);
	snprintf(b->ser, sizeof(b->ser), "file:%s", c->console_log);
	snprintf(b->ctl, sizeof(b->ctl), "file,id=ctl,path=%s", c->control_out);
	snprintf(b->res, sizeof(b->res), "file,id=res,path=%s", c->results_out);
	snprintf(b->append, sizeof(b->append), "%s rdinit=/init -- agent%s%s", c->boot.append,
		 c->append ? " " : "", c->append ? c->append : "");
	snprintf(b->vser, sizeof(b->vser), "%s,id=vser", c->boot.serial_dev);
	ARG(c->qemu);
	ARG("-name"); ARG("wgbench,debug-threads=on");
	ARG("-machine"); ARG(c->boot.machine);
	ARG("-cpu"); ARG(c->boot.cpu);
	ARG("-smp"); ARG(b->smp);
	ARG("-m"); ARG(b->mem);
	ARG("-nodefaults"); ARG("-no-user-config"); ARG("-nographic"); ARG("-no-reboot");
	ARG("-serial"); ARG(b->ser);
	ARG("-kernel"); ARG(c->kernel);
	ARG("-initrd"); ARG(c->initrd);
	ARG("-append"); ARG(b->append);
	for (size_t i = 0; c->extra && c->extra[i]; i++)
		ARG(c->extra[i]);
	if (!c->control_out)
		goto done;
	ARG("-device"); ARG(b->vser);
	ARG("-chardev"); ARG(b->ctl);
	ARG("-device"); ARG("virtserialport,bus=vser.0,chardev=ctl,name=" VM_PORT_CONTROL);
	ARG("-chardev"); ARG(b->res);
	ARG("-device"); ARG("virtserialport,bus=vser.0,chardev=res,name=" VM_PORT_RESULTS);
done:
	b->argv[n] = NULL;
	return 0;
}

int vm_qemu_start(const struct vm_qemu_cfg *cfg, pid_t *pid)
{
	/* No QEMU outlives wgbench, however wgbench ends (node_exec's
	 * PR_SET_PDEATHSIG); its output goes to its log. */
	struct node_spawn_opts o = { .stdout_path = cfg->qemu_log, .stdin_null = true };
	struct qemu_argv *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	ret = qemu_argv(cfg, b);
	if (ret)
		wgb_err("QEMU's command line is too long");
	else
		ret = node_exec(cfg->netns, b->argv, &o, pid);
	free(b);
	return ret;
}

int vm_qemu_pin_vcpus(pid_t pid, unsigned int vcpus)
{
	return vm_qemu_pin_vcpus_at(pid, vcpus, 0);
}

/* QEMU names its vCPU threads "CPU <i>/TCG" or "CPU <i>/KVM" (debug-threads). */
int vm_qemu_pin_vcpus_at(pid_t pid, unsigned int vcpus, unsigned int first)
{
	char dir[64], path[PATH_MAX], comm[64];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct dirent *e;
	int pinned = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		unsigned int i;
		cpu_set_t set;
		char *text = NULL;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", dir, e->d_name);
		if (util_read_file(path, &text, NULL))
			continue;
		snprintf(comm, sizeof(comm), "%s", text);
		free(text);
		if (sscanf(comm, "CPU %u/", &i) != 1 || i >= vcpus)
			continue;
		CPU_ZERO(&set);
		CPU_SET((first + i) % (unsigned int)(ncpu > 0 ? ncpu : 1), &set);
		if (!sched_setaffinity(atoi(e->d_name), sizeof(set), &set))
			pinned++;
	}
	closedir(d);
	return pinned;
}

void vm_qemu_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
