/* fuzz_latency_pkt.c — the latency probe's packet (latency_pkt_parse), the
 * one parser that reads bytes from the network. Its contract is exactness:
 * what it accepts, latency_pkt_encode() writes back byte for byte; what it
 * refuses leaves *out untouched. */
#include "fuzz.h"
#include "latency.h"

#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct latency_pkt blank = { .seq = 0x5a5a5a5a5a5a5a5aull };
	struct latency_pkt p = blank;
	uint8_t out[LATENCY_PKT_MAX];

	if (latency_pkt_parse(data, size, &p)) {
		fuzz_check(p.flags == blank.flags && p.len == blank.len && p.session == blank.session &&
			   p.seq == blank.seq && p.t_send == blank.t_send && p.t_refl_rx == blank.t_refl_rx &&
			   p.t_refl_tx == blank.t_refl_tx && p.clock_id == blank.clock_id);
		return 0;
	}
	fuzz_check(p.len == size && size >= LATENCY_HDR_LEN && size <= LATENCY_PKT_MAX);
	fuzz_check(!latency_pkt_encode(&p, out, sizeof(out)));
	fuzz_check(!memcmp(out, data, size));
	return 0;
}
