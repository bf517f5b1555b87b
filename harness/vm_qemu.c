/* vm_qemu.c — one QEMU guest: its command line, its threads, its end.
 *
 * The machine, CPU and kernel command line come from vm_boot.c (microvm
 * with the host's TSC frequency under TCG, q35 otherwise).
 * -cpu qemu64,+rdrand: the guest's CRNG is ready at once (without RDRAND
 * key generation blocks for seconds); -cpu max makes TCG several times slower.
 * Results leave on their own virtio-serial ports (control lines and a cpio
 * stream), written by QEMU to files; the console goes to console.log.
 */
#include "vm_impl.h"
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
	const char *env = getenv("WGB_QEMU"), *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	int ret = -ENOENT;

	if (env && *env) {
		if (access(env, X_OK))
			goto missing;
		return util_fmt(buf, len, "%s", env);
	}
	copy = strdup(path ? path : "/usr/bin:/bin");
	if (!copy)
		return -ENOMEM;
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
		if (!util_fmt(buf, len, "%s/qemu-system-x86_64", dir) && !access(buf, X_OK)) {
			ret = 0;
			break;
		}
	free(copy);
	if (!ret)
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

#define ARG(s) do { if (n + 1 >= ARRAY_SIZE(argv)) return; argv[n++] = (s); } while (0)

static void exec_qemu(const struct vm_qemu_cfg *c)
{
	char smp[32], mem[32], ser[PATH_MAX + 32], ctl[PATH_MAX + 48], res[PATH_MAX + 48];
	char append[sizeof(c->boot.append) + 96], vser[64];
	const char *argv[96];
	size_t n = 0;
	int fd;

	snprintf(smp, sizeof(smp), "%u", c->vcpus);
	snprintf(mem, sizeof(mem), "%u", c->memory_mb);
	snprintf(ser, sizeof(ser), "file:%s", c->console_log);
	snprintf(ctl, sizeof(ctl), "file,id=ctl,path=%s", c->control_out);
	snprintf(res, sizeof(res), "file,id=res,path=%s", c->results_out);
	snprintf(append, sizeof(append), "%s rdinit=/init -- agent%s%s", c->boot.append,
		 c->append ? " " : "", c->append ? c->append : "");
	snprintf(vser, sizeof(vser), "%s,id=vser", c->boot.serial_dev);
	ARG(c->qemu);
	ARG("-name"); ARG("wgbench,debug-threads=on");
	ARG("-machine"); ARG(c->boot.machine);
	ARG("-cpu"); ARG(c->boot.cpu);
	ARG("-smp"); ARG(smp);
	ARG("-m"); ARG(mem);
	ARG("-nodefaults"); ARG("-no-user-config"); ARG("-nographic"); ARG("-no-reboot");
	ARG("-serial"); ARG(ser);
	ARG("-kernel"); ARG(c->kernel);
	ARG("-initrd"); ARG(c->initrd);
	ARG("-append"); ARG(append);
	for (size_t i = 0; c->extra && c->extra[i]; i++)
		ARG(c->extra[i]);
	if (!c->control_out)
		goto exec;
	ARG("-device"); ARG(vser);
	ARG("-chardev"); ARG(ctl);
	ARG("-device"); ARG("virtserialport,bus=vser.0,chardev=ctl,name=" VM_PORT_CONTROL);
	ARG("-chardev"); ARG(res);
	ARG("-device"); ARG("virtserialport,bus=vser.0,chardev=res,name=" VM_PORT_RESULTS);
exec:
	argv[n] = NULL;

	/* No QEMU outlives wgbench, however wgbench ends. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(127);
	if (c->netns) {
		fd = open(c->netns, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET)) {
			fprintf(stderr, "wgbench: QEMU cannot enter %s: %s\n", c->netns, strerror(errno));
			return;
		}
		close(fd);
	}
	fd = open(c->qemu_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, 0);
	execv(c->qemu, (char *const *)argv);
	fprintf(stderr, "wgbench: exec %s: %s\n", c->qemu, strerror(errno));
}

int vm_qemu_start(const struct vm_qemu_cfg *cfg, pid_t *pid)
{
	pid_t p = fork();

	if (p < 0)
		return -errno;
	if (p == 0) {
		exec_qemu(cfg);
		_exit(127);
	}
	*pid = p;
	return 0;
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
