/* netns.h — persistent named network namespaces, made the way `ip netns add`
 * makes them: /run/netns/<name> is a bind mount of a namespace created with
 * unshare(CLONE_NEWNET), so `ip netns list/exec` see them.
 *
 * The one place the harness moves a thread between namespaces. The calling
 * thread changes namespace only inside these functions (and between
 * netns_enter() and netns_leave()); each returns with the thread in the
 * namespace it started in, but netns_join(). 0 or -errno.
 */
#ifndef WGB_NETNS_H
#define WGB_NETNS_H

#include <stddef.h>
#include <sys/types.h>

#define NETNS_RUN_DIR "/run/netns"

int netns_path(const char *name, char *buf, size_t len);
/* Make /run/netns a shared mount point, as `ip netns add` does; idempotent.
 * Call it once before creating namespaces from several threads. */
int netns_prepare(void);
/* Create <name> and leave the calling thread INSIDE it, with *back an fd of
 * the namespace it came from (for netns_leave()). -EEXIST if it exists. */
int netns_create_enter(const char *name, int *back);
/* Enter the namespace at path, keeping in *back an fd of the one the thread
 * was in; on failure *back is -1 and the thread has not moved. Silent (0 or
 * -errno): the caller knows which node it was and words the message. */
int netns_enter(const char *path, int *back);
/* Return to *back and close it; a no-op on -1; *back is -1 afterwards. A
 * failure (the thread is left in the node's namespace) is printed here. */
int netns_leave(int *back);
/* Enter for good (a child before exec): nothing to come back to. Silent. */
int netns_join(const char *path);
/* fn(arg) in the namespace at path (NULL: here), and back; fn's result, or
 * -errno after one line naming the namespace when it could not enter. */
int netns_call(const char *path, int (*fn)(void *arg), void *arg);
/* Unmount and unlink /run/netns/<name>; 0 if it did not exist. */
int netns_delete(const char *name);
int netns_exists(const char *name);

#endif
