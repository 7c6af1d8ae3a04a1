/*
 * sim_series.h - series.csv: one row per sample instant of a simulation,
 * written as the run goes (memory holds one row, never the run).
 *
 * Columns: time (ISO 8601 UTC), then the world's own (SIM_SERIES_WORLD:
 * "sim:queued", "sim:in_flight", "sim:spot", "sim:on_demand",
 * "sim:spot_price", "sim:on_demand_price", "sim:cost"), then every series
 * the engine holds at the first row, by name (byte order), its newest
 * value, empty while it has none; then for each group in farm order
 * "GROUP:desired" (empty until decided), "GROUP:spot" and
 * "GROUP:on_demand" (running instances per market of its simulated
 * capacity; as the target last reported them when it is not simulated,
 * empty when unknown). Names hold no ':', so these never collide with a
 * series. Series made after the first row are not columns (a policy's
 * read of "NAME.suffix" before anything published it makes an empty
 * one): the close says how many, and names the first that had a sample.
 */
#ifndef SIM_SERIES_H
#define SIM_SERIES_H

#include <stddef.h>
#include <stdint.h>

struct scaled_engine;
struct sim_world;
struct sim_series;

/* The world's columns, after time (column 1): 2 .. 1 + SIM_SERIES_WORLD. */
enum {
	SIM_SERIES_QUEUED = 2, SIM_SERIES_IN_FLIGHT, SIM_SERIES_SPOT, SIM_SERIES_OD,
	SIM_SERIES_SPOT_PRICE, SIM_SERIES_OD_PRICE, SIM_SERIES_COST,
	SIM_SERIES_WORLD = SIM_SERIES_COST - 1
};

/* The default sample interval: the smallest group `every` (1 min without
 * a group), raised to 1 min when that gives more than SIM_SERIES_MAX_ROWS
 * rows over span_ms; whole seconds (at least 1 s). */
#define SIM_SERIES_MAX_ROWS 100000
int64_t sim_series_default_every(const struct scaled_engine *e, int64_t span_ms);

/* Open path for writing (the columns are fixed at the first row). 0, or
 * -errno with "path: reason" in err. */
int sim_series_open(struct sim_series **out, const char *path, const struct scaled_engine *e,
		    const struct sim_world *w, char *err, size_t errlen);
/* The row for instant t (the engine and the world brought to t). 0, or
 * -ENOMEM / -EIO (the write failed: the close names it). */
int sim_series_row(struct sim_series *s, int64_t t);
/* Flush and close; NULL is a no-op. 0, or -errno with "path: reason" in
 * err. *late: series made after the first row (not in the file);
 * *late_name: the first of them with a sample (NULL: none had one), the
 * engine's string. */
int sim_series_close(struct sim_series *s, size_t *late, const char **late_name, char *err,
		     size_t errlen);

#endif
