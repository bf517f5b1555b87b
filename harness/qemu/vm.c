/* vm.c — vm_run(): the host side of --backend vm (see vm.h).
 *
 * Steps: find QEMU and the kernel; write the initramfs into a private
 * temporary directory; boot (KVM if /dev/kvm answers, else TCG; a KVM guest
 * that dies or shows no sign of life within KVM_PROBE_S is relaunched with
 * TCG and run.json says why; a microvm guest that dies before booting or
 * comes up without a precise clocksource is relaunched on q35); follow the control port until "done"; unpack
 * the results; add console.log and the guest's facts to run.json. A hang
 * timeout, SIGINT/SIGTERM or any error kills the guest: no QEMU outlives
 * this function (and PR_SET_PDEATHSIG covers wgbench itself dying).
 */
#include "vm_impl.h"
#include "opts.h"
#include "report.h"
#include "results.h"
#include "stop.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define KVM_PROBE_S 10.0
#define BOOT_TIMEOUT_S 120.0

struct vm_state {
	struct vm_qemu_cfg q;
	char tmp[PATH_MAX], initrd[PATH_MAX], ctl[PATH_MAX], res[PATH_MAX];
	char console[PATH_MAX], qlog[PATH_MAX];
	char qemu[PATH_MAX], qemu_version[128], agent[PATH_MAX], pvh[PATH_MAX];
	char kvm_failure[256], microvm_failure[256], clock[64];
	off_t ctl_off, con_off;
	double t_start, boot_s, ready_s, guest_ready_uptime, end_s, guest_end_uptime;
	bool booted, ready, ended, done, quiet;
	int done_rc, pinned;
	pid_t pid;
	const struct vm_guest_cmd *cmd;   /* NULL: a run */
};

int vm_agent_binary(char *buf, size_t len)
{
	const char *env = getenv("WGB_AGENT_BIN");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return realpath(env, buf) ? 0 : -errno;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -errno;
	exe[n] = 0;
#if defined(__SANITIZE_ADDRESS__)
	/* An ASan binary cannot be init: the sanitizer runtime needs /proc
	 * before main() mounts it. The guest runs the plain build next door. */
	*strrchr(exe, '/') = 0;
	if (util_fmt(buf, len, "%s/../build/wgbench", exe) || access(buf, X_OK)) {
		wgb_err("this is a sanitizer build; the guest needs the plain one: "
			"run `make` (build/wgbench) or set WGB_AGENT_BIN");
		return -ENOENT;
	}
	return 0;
#else
	return util_fmt(buf, len, "%s", exe);
#endif
}

/* New bytes of a file QEMU is writing, from *off on; NUL-terminated. */
static char *read_new(const char *path, off_t *off)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || st.st_size <= *off || !(buf = malloc((size_t)(st.st_size - *off) + 1))) {
		close(fd);
		return NULL;
	}
	n = pread(fd, buf, (size_t)(st.st_size - *off), *off);
	close(fd);
	if (n <= 0) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

static void follow_control(struct vm_state *s)
{
	char *text = read_new(s->ctl, &s->ctl_off), *line, *nl;
	double now = util_now_mono() - s->t_start;

	for (line = text; line && (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = 0;
		s->ctl_off += nl - line + 1;
		wgb_debug("guest: %s", line);
		if (!strncmp(line, "boot ", 5)) {
			s->booted = true;
			s->boot_s = now;
		} else if (!strncmp(line, "ready ", 6)) {
			s->ready = true;
			s->ready_s = now;
			s->guest_ready_uptime = strtod(line + 6, NULL);
		} else if (!strncmp(line, "clock ", 6)) {
			snprintf(s->clock, sizeof(s->clock), "%s", line + 6);
		} else if (!strncmp(line, "end ", 4)) {
			s->ended = true;
			s->end_s = now;
			s->guest_end_uptime = strtod(line + 4, NULL);
		} else if (!strncmp(line, "done ", 5)) {
			s->done = true;
			s->done_rc = atoi(line + 5);
		} else if (!strncmp(line, "error ", 6)) {
			wgb_err("guest: %s", line + 6);
		}
	}
	free(text);
}

static void follow_console(struct vm_state *s)
{
	char *text = read_new(s->console, &s->con_off);

	if (!text)
		return;
	s->con_off += (off_t)strlen(text);
	if (!s->quiet)
		fputs(text, stderr);
	free(text);
}

static void reset_outputs(struct vm_state *s)
{
	unlink(s->ctl);
	unlink(s->res);
	unlink(s->console);
	s->ctl_off = s->con_off = 0;
	s->booted = s->ready = s->ended = s->done = false;
	s->clock[0] = 0;
}

/* A microvm guest must boot and run on a precise clock, else it is
 * relaunched on q35 (-EAGAIN) with the reason in microvm_failure. */
static int check_microvm(struct vm_state *s, bool exited, int status)
{
	if (strcmp(s->q.boot.kind, "microvm"))
		return 0;
	if (exited && !s->booted)
		snprintf(s->microvm_failure, sizeof(s->microvm_failure),
			 "microvm guest exited (%s %d) before booting",
			 WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	else if (s->clock[0] && !vm_clock_precise(s->clock))
		snprintf(s->microvm_failure, sizeof(s->microvm_failure),
			 "microvm guest came up on clocksource %.64s", s->clock);
	else
		return 0;
	return -EAGAIN;
}

/* 0 when the guest said "done"; -EAGAIN when KVM or microvm failed (retry
 * with TCG or q35); else -errno after saying why. */
static int watch(struct vm_state *s, double timeout)
{
	int status;

	for (;;) {
		pid_t w = waitpid(s->pid, &status, WNOHANG);
		double t = util_now_mono() - s->t_start;

		follow_control(s);
		follow_console(s);
		if (s->booted && !s->pinned)
			s->pinned = vm_qemu_pin_vcpus(s->pid, s->q.vcpus) > 0 ? 1 : -1;
		if (w == s->pid) {
			s->pid = 0;
			if (s->done)
				return 0;
			if (check_microvm(s, true, status))
				return -EAGAIN;
			if (s->q.kvm && !s->booted) {
				snprintf(s->kvm_failure, sizeof(s->kvm_failure),
					 "KVM guest exited (%s %d) before booting",
					 WIFEXITED(status) ? "exit" : "signal",
					 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
				return -EAGAIN;
			}
			wgb_err("the guest stopped before its run finished (%s; see %s and %s)",
				s->ready ? "during the run" : "during boot", s->console, s->qlog);
			return -EIO;
		}
		if (check_microvm(s, false, 0))
			return -EAGAIN;
		if (stop_requested()) {
			wgb_err("interrupted: guest killed");
			return -EINTR;
		}
		if (s->q.kvm && !s->booted && t > KVM_PROBE_S) {
			snprintf(s->kvm_failure, sizeof(s->kvm_failure),
				 "KVM guest showed no sign of life within %.0f s", KVM_PROBE_S);
			return -EAGAIN;
		}
		if (!s->booted && t > BOOT_TIMEOUT_S) {
			wgb_err("the guest did not boot within %.0f s (hang?): killed; see %s",
				BOOT_TIMEOUT_S, s->console);
			return -ETIMEDOUT;
		}
		if (t > timeout) {
			wgb_err("the guest run exceeded %.0f s (hang?): killed; see %s", timeout, s->console);
			return -ETIMEDOUT;
		}
		usleep(20000);
	}
}

/* Generous: boot plus every measured test with its setup, twice over (a
 * command says its own). */
static double run_timeout(const struct opts *o, const struct vm_guest_cmd *cmd)
{
	double n = (double)(o->n_variants ? o->n_variants : 1) * (o->n_scenarios ? o->n_scenarios : 5) *
		   (o->repeat + 1);
	const char *env = getenv("WGB_VM_TIMEOUT");

	if (env && atof(env) > 0)
		return atof(env);
	if (cmd && cmd->timeout_s > 0)
		return BOOT_TIMEOUT_S + cmd->timeout_s;
	if (o->repeat_auto)   /* the rounds stop within the budget (3 min per scenario) */
		return BOOT_TIMEOUT_S + 2 * (n * (o->duration + o->omit + 15) + (o->budget_min > 0 ?
			o->budget_min * 60 : 180.0 * (o->n_scenarios ? o->n_scenarios : 5)));
	return BOOT_TIMEOUT_S + 2 * n * (o->duration + o->omit + 15);
}

static int boot_and_run(const struct opts *o, struct vm_state *s, const struct vm_kernel *k)
{
	bool kvm = !strcmp(o->accel, "kvm") || (!strcmp(o->accel, "auto") && vm_kvm_usable());
	int r;

	for (;;) {
		s->q.kvm = kvm;
		r = vm_boot_plan(k, kvm, s->microvm_failure[0] != 0, &s->q.boot);
		if (r)
			return r;
		/* microvm enters the ELF directly (PVH); q35 keeps the bzImage. */
		s->q.kernel = k->image;
		if (!strcmp(s->q.boot.kind, "microvm") && !s->pvh[0] &&
		    vm_boot_pvh(k, s->tmp, s->pvh, sizeof(s->pvh)))
			s->pvh[0] = '-';  /* not possible: bzImage */
		if (!strcmp(s->q.boot.kind, "microvm") && s->pvh[0] != '-')
			s->q.kernel = s->pvh;
		reset_outputs(s);
		s->t_start = util_now_mono();
		r = vm_qemu_start(&s->q, &s->pid);
		if (r)
			return r;
		r = watch(s, run_timeout(o, s->cmd));
		vm_qemu_kill(s->pid);
		s->pid = 0;
		if (r != -EAGAIN)
			return r;
		if (!kvm) {
			wgb_warn("%s; relaunching on q35", s->microvm_failure);
			continue;
		}
		if (!strcmp(o->accel, "kvm")) {
			wgb_err("--accel kvm: %s (see %s)", s->kvm_failure, s->qlog);
			return -EIO;
		}
		wgb_warn("%s; falling back to TCG", s->kvm_failure);
		kvm = false;
	}
}

static void jset_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v && *v ? json_object_new_string(v) : NULL);
}

/* run.json comes from the guest (its kernel release, CPUs, memory); the
 * host adds what only it knows. */
static int amend_run_json(const char *out_dir, const struct opts *o, const struct vm_state *s,
			  const struct vm_kernel *k)
{
	char path[PATH_MAX];
	struct json_object *root, *vm, *host = NULL;
	const char *text;
	int r;

	if (util_fmt(path, sizeof(path), "%s/run.json", out_dir))
		return -ENAMETOOLONG;
	root = json_object_from_file(path);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		root = json_object_new_object();
	}
	vm = json_object_new_object();
	jset_str(vm, "accelerator", s->q.kvm ? "kvm" : "tcg");
	jset_str(vm, "kvm_fallback_reason", s->kvm_failure);
	jset_str(vm, "machine", s->q.boot.kind);
	jset_str(vm, "microvm_fallback_reason", s->microvm_failure[0] ? s->microvm_failure :
		 s->q.boot.why_not_microvm);
	jset_str(vm, "cpu", s->q.boot.cpu);
	jset_str(vm, "kernel_cmdline", s->q.boot.append);
	jset_str(vm, "kernel_entry", s->q.kernel == s->pvh ? "pvh" : "bzimage");
	jset_str(vm, "clocksource", s->clock);
	if (s->q.boot.tsc_khz)
		json_object_object_add(vm, "tsc_khz_given", json_object_new_int64((int64_t)s->q.boot.tsc_khz));
	/* Guest seconds per host second between "ready" and "end": 1 when the
	 * guest's clock (which timed every throughput figure) runs true. */
	if (s->ended && s->end_s - s->ready_s > 1)
		json_object_object_add(vm, "guest_clock_rate_vs_host", json_object_new_double(
			(s->guest_end_uptime - s->guest_ready_uptime) / (s->end_s - s->ready_s)));
	json_object_object_add(vm, "module_signatures_stripped",
			       json_object_new_boolean(s->q.boot.strip_module_sigs));
	json_object_object_add(vm, "vcpus", json_object_new_int((int)s->q.vcpus));
	json_object_object_add(vm, "memory_mb", json_object_new_int((int)s->q.memory_mb));
	json_object_object_add(vm, "vcpu_threads_pinned", json_object_new_boolean(s->pinned > 0));
	jset_str(vm, "qemu", s->qemu_version);
	jset_str(vm, "kernel_release", k->release);
	jset_str(vm, "kernel_image", k->image);
	jset_str(vm, "kernel_deb", k->deb);
	jset_str(vm, "kernel_deb_sha256", k->deb_sha256);
	json_object_object_add(vm, "boot_to_ready_s", json_object_new_double(s->ready_s));
	json_object_object_add(vm, "guest_uptime_at_ready_s", json_object_new_double(s->guest_ready_uptime));
	jset_str(vm, "console_log", "console.log");
	/* the machine the guest ran on (history's series are per machine) */
	if (!results_host_json(&host))
		json_object_object_add(vm, "host", host);
	json_object_object_add(root, "backend", json_object_new_string(opts_backend_name(o->backend)));
	json_object_object_add(root, "guest_backend", json_object_new_string("netns"));
	json_object_object_add(root, "vm", vm);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	r = util_write_file_atomic(path, text, strlen(text));
	json_object_put(root);
	return r;
}

static int prepare(const struct opts *o, struct vm_state *s, const struct vm_kernel *k,
		   const char *out_dir)
{
	struct vm_initramfs_spec spec = { 0 };
	struct vm_agent_argv *a;
	char datadir[PATH_MAX];
	int r;

	vm_qemu_version(s->qemu, s->qemu_version, sizeof(s->qemu_version));
	if (vm_tmpdir_make("vm", o->prefix, s->tmp, sizeof(s->tmp))) {
		s->tmp[0] = 0;
		return -errno;
	}
	if (util_fmt(s->initrd, sizeof(s->initrd), "%s/initramfs.cpio", s->tmp) ||
	    util_fmt(s->ctl, sizeof(s->ctl), "%s/control", s->tmp) ||
	    util_fmt(s->res, sizeof(s->res), "%s/results.cpio", s->tmp) ||
	    util_fmt(s->console, sizeof(s->console), "%s/console.log", out_dir) ||
	    util_fmt(s->qlog, sizeof(s->qlog), "%s/qemu.log", out_dir))
		return -ENAMETOOLONG;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	if ((r = vm_agent_args(o, s->cmd, a))) {
		free(a);
		return r;
	}
	spec.agent_bin = s->agent;
	spec.kernel = k;
	spec.args = a->v;
	spec.n_args = a->n;
	spec.files = a->files;
	spec.n_files = a->n_files;
	spec.datadir = vm_datadir(datadir, sizeof(datadir)) ? NULL : datadir;
	vm_boot_plan(k, false, true, &s->q.boot);
	spec.strip_module_sigs = s->q.boot.strip_module_sigs;
	r = vm_initramfs_write(s->initrd, &spec);
	free(a);
	if (r) {
		if (r != -ENOENT)
			wgb_err("writing the guest's initramfs: %s", strerror(-r));
		return r;
	}
	s->q = (struct vm_qemu_cfg){
		.qemu = s->qemu, .kernel = k->image, .initrd = s->initrd,
		.console_log = s->console, .qemu_log = s->qlog, .control_out = s->ctl,
		.results_out = s->res, .vcpus = o->vcpus, .memory_mb = o->memory_mb,
	};
	return 0;
}

static void remove_tmp(struct vm_state *s)
{
	const char *rm[] = { "rm", "-rf", s->tmp, NULL };

	if (s->tmp[0] && getenv("WGB_VM_KEEP"))
		wgb_warn("WGB_VM_KEEP: kept %s", s->tmp);
	else if (s->tmp[0])
		vm_exec(rm, NULL);
}

/* A results directory out of the guest: its run.json gets the guest's
 * facts, and its tables and plots are made here (the guest has no gnuplot). */
static int finish_dir(const char *dir, const struct opts *o, const struct vm_state *s,
		      const struct vm_kernel *k)
{
	int r = amend_run_json(dir, o, s, k);

	if (!r && s->done_rc >= 0 && report_write(dir, o->quiet))
		wgb_warn("the report of %s could not be made completely", dir);
	return r;
}

/* A command's output: every directory in it (to depth levels) holding a
 * run.json is one run's results (a tune's steps/NN-NAME/). */
static int finish_tree(const char *dir, const struct opts *o, const struct vm_state *s,
		       const struct vm_kernel *k, int depth)
{
	char path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int r = 0;

	if (util_fmt(path, sizeof(path), "%s/run.json", dir))
		return -ENAMETOOLONG;
	if (!access(path, F_OK) && (r = finish_dir(dir, o, s, k)))
		return r;
	if (depth == 0 || !(d = opendir(dir)))
		return 0;
	while (!r && (e = readdir(d)))
		if (e->d_name[0] != '.' && !util_fmt(path, sizeof(path), "%s/%s", dir, e->d_name) &&
		    !lstat(path, &st) && S_ISDIR(st.st_mode))
			r = finish_tree(path, o, s, k, depth - 1);
	closedir(d);
	return r;
}

static int collect(const struct opts *o, struct vm_state *s, const struct vm_kernel *k,
		   const char *out_dir)
{
	int r = vm_cpio_extract(s->res, out_dir);

	if (r) {
		wgb_err("the guest's results stream is incomplete (%s)", strerror(-r));
		return r;
	}
	r = s->cmd ? finish_tree(out_dir, o, s, k, 3) : finish_dir(out_dir, o, s, k);
	if (r)
		return r;
	r = s->done_rc;
	if (r < 0)
		wgb_err("the %s inside the guest failed (%s): see %s", s->cmd ? s->cmd->name : "run",
			strerror(-r), s->console);
	if (!vm_clock_precise(s->clock))
		wgb_warn("the guest ran on clocksource '%s': its timings are coarse", s->clock);
	if (s->ended && s->end_s - s->ready_s > 1) {
		double rate = (s->guest_end_uptime - s->guest_ready_uptime) / (s->end_s - s->ready_s);

		if (rate < 0.95 || rate > 1.05)
			wgb_warn("the guest's clock ran at %.3f x the host's: its throughput figures "
				 "are off by as much", rate);
	}
	if (!o->quiet)
		fprintf(stderr, "wgbench: guest %s (%s, %s, clocksource %s), boot to ready %.2f s, "
			"results in %s\n", k->release, s->q.kvm ? "KVM" : "TCG", s->q.boot.kind,
			s->clock[0] ? s->clock : "?", s->ready_s, out_dir);
	return r;
}

int vm_run(const struct opts *o, const char *out_dir)
{
	return vm_run_cmd(o, out_dir, NULL);
}

int vm_run_cmd(const struct opts *o, const char *out_dir, const struct vm_guest_cmd *cmd)
{
	struct stop_scope stop;
	struct vm_state *s;
	struct vm_kernel k;
	int r;

	if (o->wg == TUN_WGGO) {
		wgb_err("--backend vm measures the guest kernel's WireGuard: use --wg kernel (or none)");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->quiet = o->quiet;
	s->cmd = cmd;
	r = vm_kernel_resolve(o, &k);
	if (!r && *k.moddir) {
		char **mods = NULL;
		size_t n = 0;

		r = vm_kernel_modules(&k, &mods, &n);  /* fails early on a kernel without WireGuard */
		vm_strv_free(mods, n);
	}
	if (!r)
		r = vm_qemu_find(s->qemu, sizeof(s->qemu));
	if (!r)
		r = vm_agent_binary(s->agent, sizeof(s->agent));
	if (!r)
		r = util_mkdir_p(out_dir, 0755);
	if (!r)
		r = prepare(o, s, &k, out_dir);
	if (r)
		goto out;
	stop_install(&stop);
	r = boot_and_run(o, s, &k);
	stop_restore(&stop);
	if (!r)
		r = collect(o, s, &k, out_dir);
out:
	if (s->pid)
		vm_qemu_kill(s->pid);
	remove_tmp(s);
	free(s);
	return r;
}

/* The temporary directory of a guest run is /tmp/wgbench-<kind>-<prefix><pid>-XXXXXX:
 * the prefix says whose it is, the pid whether its owner still lives, so one
 * that a killed (-9) run left can be found and removed. */
void vm_tmpdir_sweep(const char *kind, const char *prefix)
{
	char want[64], path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir("/tmp");

	snprintf(want, sizeof(want), "wgbench-%s-%s", kind, prefix);
	while (d && (e = readdir(d))) {
		const char *rm[] = { "rm", "-rf", path, NULL };
		int pid;

		if (strncmp(e->d_name, want, strlen(want)) ||
		    sscanf(e->d_name + strlen(want), "%d-", &pid) != 1 || pid <= 0 ||
		    !(kill(pid, 0) && errno == ESRCH) ||
		    util_fmt(path, sizeof(path), "/tmp/%s", e->d_name))
			continue;
		wgb_warn("removing %s, left by a killed run (pid %d)", path, pid);
		vm_exec(rm, NULL);
	}
	if (d)
		closedir(d);
}

int vm_tmpdir_make(const char *kind, const char *prefix, char *buf, size_t len)
{
	vm_tmpdir_sweep(kind, prefix);
	if (util_fmt(buf, len, "/tmp/wgbench-%s-%s%d-XXXXXX", kind, prefix, (int)getpid()))
		return -ENAMETOOLONG;
	if (!mkdtemp(buf)) {
		buf[0] = 0;
		return -errno;
	}
	return 0;
}
