/* verdict_seq.c — see verdict_seq.h. */
#include "verdict_seq.h"

#include <errno.h>
#include <math.h>

#define VERDICT_SEQ_ROUNDS_MAX 1000

int verdict_seq_plan(unsigned int min_rounds, double budget_s, double round_s,
		     struct verdict_seq_plan *out)
{
	double fit;
	unsigned int k, j, max;

	if (min_rounds < 2 || min_rounds > VERDICT_SEQ_ROUNDS_MAX || !(budget_s > 0) || !(round_s > 0))
		return -EINVAL;
	fit = floor(budget_s / round_s);
	max = fit > VERDICT_SEQ_ROUNDS_MAX ? VERDICT_SEQ_ROUNDS_MAX : (unsigned int)fit;
	if (max < min_rounds)
		max = min_rounds;
	k = max - min_rounds + 1;
	if (k > VERDICT_SEQ_LOOKS_MAX)
		k = VERDICT_SEQ_LOOKS_MAX;
	*out = (struct verdict_seq_plan){ .min_rounds = min_rounds, .max_rounds = max, .looks = k,
					  .alpha = STATS_ALPHA, .alpha_look = STATS_ALPHA / k,
					  .budget_s = budget_s, .round_s = round_s };
	/* geometric from MIN to MAX: early looks are where a large change stops
	 * the run, later ones need the growing n less often */
	for (j = 0; j < k; j++) {
		double g = k > 1 ? min_rounds * pow((double)max / min_rounds, (double)j / (k - 1)) : max;
		unsigned int r = (unsigned int)lround(g);

		if (j && r <= out->look_round[j - 1])
			r = out->look_round[j - 1] + 1;
		if (r > max - (k - 1 - j))
			r = max - (k - 1 - j);
		out->look_round[j] = r;
	}
	return 0;
}

size_t verdict_seq_undecided(const size_t count[VERDICT_COUNT])
{
	return count[VERDICT_INCONCLUSIVE] + count[VERDICT_DISTURBED];
}

bool verdict_seq_is_look(const struct verdict_seq_plan *p, unsigned int round)
{
	unsigned int j;

	for (j = 0; j < p->looks; j++)
		if (p->look_round[j] == round)
			return true;
	return false;
}

bool verdict_seq_budget_ends(const struct verdict_seq_plan *p, double elapsed_s, double last_s)
{
	return elapsed_s + last_s > p->budget_s;
}

enum verdict_seq_stop verdict_seq_after_look(const struct verdict_seq_plan *p, unsigned int round,
					     const size_t count[VERDICT_COUNT], bool budget_ends)
{
	if (!verdict_seq_undecided(count))
		return VERDICT_SEQ_DECIDED;
	if (round >= p->max_rounds)
		return VERDICT_SEQ_LOOKS_USED;
	return budget_ends ? VERDICT_SEQ_BUDGET : VERDICT_SEQ_GO_ON;
}

const char *verdict_seq_stop_name(enum verdict_seq_stop s)
{
	switch (s) {
	case VERDICT_SEQ_DECIDED: return "decided";
	case VERDICT_SEQ_LOOKS_USED: return "looks used";
	case VERDICT_SEQ_BUDGET: return "budget";
	case VERDICT_SEQ_GO_ON: break;
	}
	return "";
}
