/* stop.h — SIGINT/SIGTERM as one flag that every wait loop polls.
 *
 * Signals force one global on the harness; this is it. stop_install()
 * routes both signals to the flag, without SA_RESTART (a blocking poll() or
 * read() returns EINTR, so the waiting loop sees the stop). Installs nest:
 * the outermost one clears the flag and its stop_restore() puts back what
 * was there before; an inner one (topo_up() inside a run, the vms guests'
 * boot inside a run) changes nothing, so a signal during the inner one stays
 * visible to the outer one. The flag stays set after the outermost restore,
 * until the next outermost install, so a caller can still ask why it ended.
 */
#ifndef WGB_STOP_H
#define WGB_STOP_H

#include <signal.h>
#include <stdbool.h>

struct stop_scope {
	struct sigaction old[2];    /* SIGINT, SIGTERM as they were */
	bool outer;
};

void stop_install(struct stop_scope *s);
void stop_restore(const struct stop_scope *s);
bool stop_requested(void);
/* The signal that asked to stop, 0 if none. */
int stop_signal(void);
/* For loops that take the flag as a parameter (traffic_run()). */
const volatile sig_atomic_t *stop_flag(void);

#endif
