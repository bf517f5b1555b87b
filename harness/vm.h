/* vm.h — the QEMU backends: the same netns testbed inside a guest kernel.
 *
 * vm_run() boots the kernel under test (--kernel PATH [--modules DIR] or
 * --kernel-deb FILE) in QEMU with an initramfs that holds this program as
 * /init (the agent, cmd_agent.c), the modules the testbed needs and the
 * scenario data. The agent runs run_execute() with --backend netns
 * --wg kernel and streams the results directory back over a virtio-serial
 * port; vm_run() unpacks it into out_dir, adds console.log and the guest's
 * facts (kernel release, accelerator, vCPUs, memory) to run.json.
 *
 * Returns like run_execute(): 0, 1 (a scenario failed), or -errno after
 * printing why (-EINVAL/-ENOENT/-ENOEXEC: bad input, exit 2).
 */
#ifndef WGB_VM_H
#define WGB_VM_H

#include <stddef.h>

struct opts;

int vm_run(const struct opts *o, const char *out_dir);
/* --backend vms: one guest per node (vms.c); vm_run() hands over to it. */
int vms_run(const struct opts *o, const char *out_dir);

/* A run's temporary directory (/tmp/wgbench-<kind>-<prefix><pid>-XXXXXX),
 * after removing those of this kind and prefix whose owner is dead; the sweep
 * alone is what `wgbench cleanup` calls. kind: "vm" or "vms". */
int vm_tmpdir_make(const char *kind, const char *prefix, char *buf, size_t len);
void vm_tmpdir_sweep(const char *kind, const char *prefix);

#endif
