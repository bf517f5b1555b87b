/* vm_impl.h — private to vm.c and vm_*.c: the guest's arguments. */
#ifndef WGB_VM_IMPL_H
#define WGB_VM_IMPL_H

#include "vm.h"
#include "opts.h"

/* What goes into /wgbench/args: [a command, its links and its own
 * arguments,] then this run's options; the files go in beside. */
struct vm_agent_argv {
	const char *v[64 + 16 * OPTS_MAX_LIST];
	size_t n;
	char num[12][32];
	size_t n_num;
	char names[2 * OPTS_MAX_LIST][96];
	struct vm_file files[2 * OPTS_MAX_LIST];
	size_t n_files;
};

/* Fills a from o (and cmd, NULL for a plain run); -E2BIG when it holds too
 * many arguments or files. */
int vm_agent_args(const struct opts *o, const struct vm_guest_cmd *cmd, struct vm_agent_argv *a);

#endif
