/*
 * sandbox_fx.h - running Lua code in a sandbox and checking what it gives,
 * for the sandbox tests (test_sandbox, test_sandbox_bounds).
 */
#ifndef SCALED_TEST_SANDBOX_FX_H
#define SCALED_TEST_SANDBOX_FX_H

#include "sandbox.h"

/* Load and run code; on success leave nres results on the stack. */
int sfx_run(struct sandbox *sb, const char *code, int nres, char **msg);
/* Run code returning one string and compare it. */
void sfx_want_string(struct sandbox *sb, const char *code, const char *want);
/* Run code expecting the error want_rc whose message contains want, with
 * nothing left on the stack. */
void sfx_want_error(struct sandbox *sb, const char *code, int want_rc, const char *want);

#endif
