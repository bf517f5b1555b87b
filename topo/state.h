/* state.h — the state file of a testbed and its lock.
 *
 * /run/wgbench/<prefix>state.json records what a testbed has made so far;
 * it is rewritten atomically (write, fsync, rename) after every step that
 * creates something, so a reader sees the old or the new file, never half.
 * /run/wgbench/<prefix>lock is flock()ed by whoever builds, uses or tears
 * down the testbed, and exists only while held: unlocking removes it.
 */
#ifndef WGB_STATE_H
#define WGB_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "topo.h"

#define STATE_DIR "/run/wgbench"
#define STATE_SCHEMA "wgbench.topo-state/1"

struct state_end {
	bool made;
	pid_t pid;                 /* wireguard-go, else 0 */
};

struct topo_state {
	char prefix[TOPO_PREFIX_MAX + 1];
	enum tun_kind wg;          /* resolved: kernel, wireguard-go or none */
	enum topo_shape shape;     /* "topology": site or p2p (absent: site) */
	unsigned int ip, inner;    /* "ip", "inner": enum topo_family (absent: 4) */
	unsigned int tunnels;
	bool persistent;
	bool complete;             /* every step done */
	pid_t owner;               /* the process that built it */
	double created;            /* wall clock, seconds */
	char wg_version[96];
	char last_step[48];
	bool netns_made[NODE__COUNT];
	struct state_end end[TOPO_TUNNELS_MAX][2];   /* [k][0]: gw1, [k][1]: gw2 */
};

/* <STATE_DIR>/<prefix><what>, what = "state.json" or "lock". */
int state_path(const char *prefix, const char *what, char *buf, size_t len);

/* Serialise and parse; state_from_json() returns -EINVAL and names the bad
 * field in why. *out is malloc'd. */
int state_to_json(const struct topo_state *s, char **out);
int state_from_json(const char *text, struct topo_state *s, char *why, size_t why_len);

int state_save(const struct topo_state *s);
/* -ENOENT if there is no state file. */
int state_load(const char *prefix, struct topo_state *s);
int state_remove(const char *prefix);
/* The "modified" mark: a run --attach'ed to the testbed has changed it
 * (what: a line saying who and how) and not yet put it back. A claim refuses
 * a marked testbed, since its values are no longer those `topo up` set;
 * state_remove() clears the mark. get: -ENOENT when unmarked. */
int state_mark_set(const char *prefix, const char *what);
int state_mark_clear(const char *prefix);
int state_mark_get(const char *prefix, char **what);
/* Every prefix with a state file; *prefixes malloc'd, each too. */
int state_list(char ***prefixes, size_t *n);

/* Take the lock, waiting up to wait seconds; -EBUSY if another process
 * holds it past that. */
int state_lock(const char *prefix, double wait, int *fd);
/* Remove the lock file and release it; NULL-safe on -1. */
void state_unlock(const char *prefix, int *fd);

#endif
