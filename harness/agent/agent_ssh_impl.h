/* agent_ssh_impl.h — what the files of the ssh transport share
 * (agent_ssh.h): agent_ssh.c (sessions, copies), agent_ssh_dest.c (the
 * destination, pure), agent_ssh_self.c (this binary, its install). */
#ifndef WGB_AGENT_SSH_IMPL_H
#define WGB_AGENT_SSH_IMPL_H

#include <stddef.h>

/* The path of this binary (/proc/self/exe). */
int agent_ssh_exe(char *buf, size_t len);

#endif
