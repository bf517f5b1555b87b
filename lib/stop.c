/* stop.c — see stop.h. */
#include "stop.h"

#include <string.h>

/* Signals force one global: the number of the signal that asked to stop. */
static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

void stop_install(struct stop_scope *s)
{
	struct sigaction sa, cur;

	memset(s, 0, sizeof(*s));
	sigaction(SIGINT, NULL, &cur);
	if (cur.sa_handler == on_signal)
		return;   /* an outer scope has it: leave its flag alone */
	s->outer = true;
	stop_sig = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &s->old[0]);
	sigaction(SIGTERM, &sa, &s->old[1]);
}

void stop_restore(const struct stop_scope *s)
{
	if (!s->outer)
		return;
	sigaction(SIGINT, &s->old[0], NULL);
	sigaction(SIGTERM, &s->old[1], NULL);
}

bool stop_requested(void)
{
	return stop_sig != 0;
}

int stop_signal(void)
{
	return (int)stop_sig;
}

const volatile sig_atomic_t *stop_flag(void)
{
	return &stop_sig;
}
