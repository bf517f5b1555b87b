/* latency_impl.h — private to latency*.c: clocks, sockets and the receive
 * path that the probe and the reflector share (latency_sock.c). */
#ifndef WGB_LATENCY_IMPL_H
#define WGB_LATENCY_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct latency_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* One datagram as received. */
struct latency_rx {
	size_t len;
	uint64_t t;          /* the receive time on CLOCK_MONOTONIC: the kernel's stamp if kernel */
	uint64_t t_user;     /* the monotonic clock read right after recvmsg */
	bool kernel;
	struct sockaddr_storage from;
	socklen_t fromlen;
};

uint64_t latency_mono_ns(void);
/* CPU time of the calling thread, and of another running thread. */
double latency_thread_cpu_s(void);
double latency_thread_cpu_of(pthread_t t);
/* This machine's monotonic clock: a hash of the boot id and the time
 * namespace (the one thing that could offset CLOCK_MONOTONIC between two
 * processes of one boot); 0 if unknown, which matches nothing. */
uint64_t latency_clock_id(void);

/* A numeric address (no name lookup). */
int latency_resolve(const char *addr, uint16_t port, struct latency_addr *out);
/* A non-blocking UDP socket made in the namespace at netns_path (NULL: here). */
int latency_socket(const char *netns_path, int family, int *fd);
/* Ask for kernel receive stamps; the API that took, or "none". */
const char *latency_enable_stamps(int fd, bool user_clock);
int latency_bound_port(int fd, uint16_t *port);
/* One datagram without blocking: 0, or -EAGAIN when there is none.
 * Truncated ones (larger than cap - 1) are reported with len = cap. */
int latency_recv(int fd, uint8_t *buf, size_t cap, struct latency_rx *rx);
/* Pin a thread to cpus[0..n) (n == 0: leave it). */
int latency_pin(pthread_t t, const int *cpus, int n);
/* Make an eventfd readable. */
void latency_wake(int efd);

#endif
