/*
 * aws_creds_fx.h - what test_aws_creds.c and test_aws_creds_ini.c share: a
 * fake environment (no test touches the process's), the fixture folder,
 * and a check that no message holds a secret.
 */
#ifndef AWS_CREDS_FX_H
#define AWS_CREDS_FX_H

#include <stddef.h>

#include "aws_creds.h"

#define FX_DIR SCALED_SOURCE_DIR "/plugins/aws/tests/fixtures/creds"
#define CREDS FX_DIR "/credentials"
#define CONFIG FX_DIR "/config"
/* Every secret key in the fixtures and tests holds FX_SECRET_MARK, every
 * session or authorization token FX_TOKEN_MARK. */
#define FX_SECRET_MARK "S3CR3T"
#define FX_TOKEN_MARK "T0K3N"

#define FX_MAX_VARS 32

/* Name/value pairs, the last set of a name winning. */
struct fx_env {
	const char *var[FX_MAX_VARS][2];
	size_t n;
};

/* An environment naming the fixtures' two files, nothing else. */
struct fx_env fx_files(void);

/* The struct aws_creds_env reading e. */
struct aws_creds_env fx_env_of(struct fx_env *e);
void fx_set(struct fx_env *e, const char *name, const char *value);

/* Record a message every test made (errors, origins, descriptions): fails
 * the test when it holds a marker above or any 8 bytes of a known secret. */
void fx_msg(const char *msg);
/* Messages checked so far. */
size_t fx_msgs(void);

/* Load the configuration with e and farm_profile: its return value; err
 * goes through fx_msg. */
int fx_load(struct aws_creds_config *cfg, struct fx_env *e, const char *farm_profile,
	    char *err, size_t errlen);

/* Run the tests of test_aws_creds_ini.c and test_aws_creds_region.c: the
 * number that failed. */
int fx_run_ini_tests(void);
int fx_run_region_tests(void);

#endif
