/* vm.h — the QEMU backends: the testbed inside a guest kernel.
 *
 * vm_run() (--backend vm, a launcher, not a bed) boots the kernel under test
 * (--kernel PATH [--modules DIR] or --kernel-deb FILE) in QEMU with an
 * initramfs that holds this program as /init (the agent, cmd_agent.c), the
 * modules the testbed needs and the scenario data. The agent runs the netns
 * backend with --wg kernel and streams the results directory back over a
 * virtio-serial port; vm_run() unpacks it into out_dir, adds console.log and
 * the guest's facts (kernel release, accelerator, vCPUs, memory) to run.json.
 * Returns like run_execute(): 0, 1 (a scenario failed), or -errno after
 * printing why (-EINVAL/-ENOENT/-ENOEXEC: bad input, exit 2).
 *
 * vm_run_cmd() does the same for a command (tune) that runs whole in the
 * guest, on the host's paths, its output directory coming back.
 *
 * vms_bed_open() (--backend vms, vms*.c) is a bed (bed.h): a guest per node.
 *
 * The QEMU mechanics below are shared by vm.c (one guest), vms*.c (a guest
 * per node) and the guest agent (cmd_agent.c, agent_node.c):
 *
 * vm_kernel.c     find the kernel image, its release and its modules tree
 * vm_initramfs.c  write the guest's initramfs (newc cpio, written in C)
 * vm_cpio.c       the newc cpio writer and a careful reader (results)
 * vm_qemu.c       start QEMU, watch it, KVM -> TCG fallback, pinning
 * vm_boot.c       machine, CPU and kernel command line of a guest; its clock
 * vm.c            vm_run(): the whole host side of --backend vm
 * vm_args.c       the guest's arguments (vm_impl.h)
 * vms*.c          --backend vms (vms_impl.h)
 * cmd_agent.c     the guest side (PID 1)
 */
#ifndef WGB_VM_H
#define WGB_VM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct opts;

/* Names of the virtio-serial ports and of files inside the initramfs. */
#define VM_PORT_CONTROL "wgbench.control"
#define VM_PORT_RESULTS "wgbench.results"
#define VM_ARGS_FILE "/wgbench/args"         /* agent's run options, NUL-separated */
#define VM_MODULES_FILE "/wgbench/modules"   /* modules to load, in order, one a line */
#define VM_GUEST_OUT "/tmp/results"
/* A command's leading "--link GUEST HOST" triples in VM_ARGS_FILE: HOST is
 * made a symbolic link to GUEST in the guest before the command runs. */
#define VM_LINK_FLAG "--link"

/* Exit status the agent reports for a kernel without WireGuard etc. */
#define VM_AGENT_BADINPUT 2

struct vm_kernel {
	char image[PATH_MAX];        /* the bzImage */
	char moddir[PATH_MAX];       /* .../lib/modules/<release>, "" if none */
	char release[128];
	char deb[PATH_MAX];          /* --kernel-deb, "" otherwise */
	char deb_sha256[65];
	bool wg_builtin;
};

int vm_kernel_resolve(const struct opts *o, struct vm_kernel *k);
/* Modules (by name) the guest needs; required ones must resolve. Writes the
 * absolute paths, dependencies first, into a malloc'd array (*out, *n). */
int vm_kernel_modules(const struct vm_kernel *k, char ***out, size_t *n);
void vm_strv_free(char **v, size_t n);

/* node_run() on this machine, no shell; stdout to out_path (truncated) if
 * given, else /dev/null; stderr kept. 0, or -EIO after printing what failed. */
int vm_exec(const char *const argv[], const char *out_path);

/* newc cpio writer. */
struct vm_cpio;
int vm_cpio_open(int fd, struct vm_cpio **out);
int vm_cpio_dir(struct vm_cpio *c, const char *name, unsigned int mode);
int vm_cpio_file(struct vm_cpio *c, const char *name, unsigned int mode,
		 const void *data, size_t len);
/* Copies a host file (its bytes, not a link) into the archive. */
int vm_cpio_copy(struct vm_cpio *c, const char *name, const char *src, unsigned int mode);
int vm_cpio_symlink(struct vm_cpio *c, const char *name, const char *target);
int vm_cpio_node(struct vm_cpio *c, const char *name, unsigned int mode,
		 unsigned int major, unsigned int minor);
/* Adds a directory tree (regular files and directories) under name. */
int vm_cpio_tree(struct vm_cpio *c, const char *name, const char *src);
/* Writes the trailer and frees c (also NULL-safe on error paths). */
int vm_cpio_close(struct vm_cpio *c);
/* Extracts regular files and directories of an archive into dir; refuses
 * absolute names and "..". */
int vm_cpio_extract(const char *archive, const char *dir);

/* The initramfs: the agent binary as /init, its libraries, modules, data,
 * and the agent's arguments. */
struct vm_file {
	const char *guest;           /* absolute path inside the guest */
	const char *host;
};
struct vm_initramfs_spec {
	const char *agent_bin;
	const struct vm_kernel *kernel;
	const char *const *args;     /* run options for the agent */
	size_t n_args;
	const struct vm_file *files; /* variant files */
	size_t n_files;
	const char *datadir;         /* host dir holding scenarios/ (and plots/) */
	bool strip_module_sigs;      /* drop appended module signatures */
};
int vm_initramfs_write(const char *path, const struct vm_initramfs_spec *s);
/* The data directory (holding scenarios/) of this wgbench, or -ENOENT. */
int vm_datadir(char *buf, size_t len);

/* How a guest boots (vm_boot.c). */
struct vm_boot {
	char kind[16];               /* "microvm" or "q35" (run.json) */
	char machine[48];            /* -machine */
	char cpu[32];                /* -cpu */
	char serial_dev[32];         /* the virtio-serial bus device */
	char append[384];            /* kernel command line, without rdinit */
	unsigned long tsc_khz;       /* given to the guest (tsc_early_khz), 0 if not */
	bool strip_module_sigs;
	char why_not_microvm[128];   /* "" when microvm, or under KVM */
};
/* TCG: microvm with the host's TSC frequency when the kernel and the host
 * allow it, else q35; KVM (or force_q35, or WGB_VM_Q35 set): q35. */
int vm_boot_plan(const struct vm_kernel *k, bool kvm, bool force_q35, struct vm_boot *b);
/* The kernel as an ELF for PVH boot (microvm enters it directly), decompressed
 * from the bzImage; cached next to a .deb's image, else in tmpdir.
 * -ENOTSUP without CONFIG_PVH, else 0 or -errno. */
int vm_boot_pvh(const struct vm_kernel *k, const char *tmpdir, char *out, size_t len);
/* tsc, hpet, acpi_pm or kvm-clock: fine for timing throughput. */
bool vm_clock_precise(const char *clocksource);

/* QEMU. */
struct vm_qemu_cfg {
	const char *qemu;            /* binary */
	const char *kernel;
	const char *initrd;
	const char *console_log;
	const char *qemu_log;
	const char *control_out;
	const char *results_out;
	unsigned int vcpus, memory_mb;
	bool kvm;
	struct vm_boot boot;         /* machine, CPU, command line */
	/* --backend vms (vms.c): control_out NULL leaves out the file ports;
	 * append adds to the "agent" tail of the kernel command line; extra adds
	 * arguments (NICs, the control socket), NULL-terminated. */
	const char *append;
	const char *const *extra;
	const char *netns;           /* run QEMU in this network namespace (NULL: here) */
};
int vm_qemu_find(char *buf, size_t len);
int vm_qemu_version(const char *qemu, char *buf, size_t len);
int vm_qemu_start(const struct vm_qemu_cfg *cfg, pid_t *pid);
/* Pins vCPU thread i to host CPU i mod ncpus; returns how many were pinned. */
int vm_qemu_pin_vcpus(pid_t pid, unsigned int vcpus);
/* The same from host CPU first on (vms: each guest on its own cores). */
int vm_qemu_pin_vcpus_at(pid_t pid, unsigned int vcpus, unsigned int first);
void vm_qemu_kill(pid_t pid);
bool vm_kvm_usable(void);
/* The wgbench binary that becomes the guest's /init (vm.c). */
int vm_agent_binary(char *buf, size_t len);

int vm_run(const struct opts *o, const char *out_dir);
/* A command other than run inside the guest (--backend vm for tune): the
 * guest's agent gets name, then args and the run options, all naming the
 * host's paths: each of files (and each --variant) is in the initramfs and
 * linked in the guest at its host path, and out (the host's --out) is a link
 * to VM_GUEST_OUT there, so whatever the command writes names the paths of
 * this machine. out comes back into out_dir; every run.json in it (a tune's
 * steps/NN-NAME/) gets the guest's facts, and the report of each such
 * results directory is made here. timeout_s: the guest's whole session (0:
 * as for a run). Returns what the command returned in the guest (0, 1,
 * -errno) or -errno. */
struct vm_guest_cmd {
	const char *name;            /* "tune" or "tune-advice" */
	const char *const *args;
	size_t n_args;
	const char *const *files;    /* host paths the args name */
	size_t n_files;
	const char *out;
	double timeout_s;
};
int vm_run_cmd(const struct opts *o, const char *out_dir, const struct vm_guest_cmd *cmd);
/* --backend vms: one guest per node (vms.c); a bed_open_fn of bed.h. */
struct bed;
int vms_bed_open(const struct opts *o, const char *out_dir, struct bed **out);

/* A run's temporary directory (/tmp/wgbench-<kind>-<prefix><pid>-XXXXXX),
 * after removing those of this kind and prefix whose owner is dead; the sweep
 * alone is what `wgbench cleanup` calls. kind: "vm" or "vms". */
int vm_tmpdir_make(const char *kind, const char *prefix, char *buf, size_t len);
void vm_tmpdir_sweep(const char *kind, const char *prefix);

#endif
