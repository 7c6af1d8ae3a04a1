/*
 * sim_ondemand.h - the on-demand price table (`--on-demand TABLE.csv`,
 * the format of ../shared/testdata/spot/ondemand_prices_2016-12.csv):
 *
 *   region,instance_type,ondemand_usd_per_hour
 *   us-west-1,c3.2xlarge,0.478
 *
 * Read whole and strictly (one header, UTF-8, '\n' line ends, no quoting,
 * three fields, a non-negative decimal price, each region and type once),
 * then one row looked up.
 */
#ifndef SIM_ONDEMAND_H
#define SIM_ONDEMAND_H

#include <stddef.h>

/* The table may be at most this big. */
#define SIM_ONDEMAND_MAX_BYTES (1024L * 1024)

/* The price of `type` in `region` from the table at path. 0 and *price;
 * -EINVAL with "path:line: reason" for a bad row, or "path: no row for
 * REGION TYPE" when there is none; another negative errno with "path:
 * reason" when it cannot be read. */
int sim_ondemand_price(const char *path, const char *region, const char *type, double *price,
		       char *err, size_t errlen);

/* The region of an availability zone: "us-west-1a" -> "us-west-1" (the
 * zone's last letter dropped). 0, or -EINVAL when zone is not a region and
 * a letter. */
int sim_ondemand_region(const char *zone, char *region, size_t len);

#endif
