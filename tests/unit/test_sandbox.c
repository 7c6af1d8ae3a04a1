/*
 * test_sandbox.c - the sandboxed lua_State: what is reachable, require,
 * text-only chunks, the deadline, the memory cap, reproducible random.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

#include "log.h"
#include "sandbox_fx.h"

struct fixture {
	struct sandbox *sb;
	char dir[64];      /* temp root */
	char policy[96];   /* dir/policies */
	char farm[96];     /* dir/farm */
};

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

struct dumpbuf {
	char data[4096];
	size_t len;
};

static int writer(lua_State *L, const void *p, size_t sz, void *ud)
{
	struct dumpbuf *b = ud;

	(void)L;
	if (sz > sizeof(b->data) - b->len)
		return 1;
	memcpy(b->data + b->len, p, sz);
	b->len += sz;
	return 0;
}

/* Real bytecode of `return 42`, made by a stock Lua state. */
static char *make_bytecode(size_t *len)
{
	lua_State *L = luaL_newstate();
	struct dumpbuf b = { .len = 0 };
	char *copy;

	assert_int_equal(luaL_loadstring(L, "return 42"), LUA_OK);
	assert_int_equal(lua_dump(L, writer, &b, 0), 0);
	lua_close(L);
	copy = malloc(b.len);
	memcpy(copy, b.data, b.len);
	*len = b.len;
	assert_true(copy[0] == '\033' && memcmp(copy + 1, "Lua", 3) == 0);
	return copy;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct sandbox_limits lim = { .mem_limit = 0, .deadline_ms = 2000 };
	size_t bclen;
	char *bc;
	char sub[160];

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/scaled-sandbox-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->policy, sizeof(fx->policy), "%s/policies", fx->dir);
	snprintf(fx->farm, sizeof(fx->farm), "%s/farm", fx->dir);
	assert_int_equal(mkdir(fx->policy, 0700), 0);
	assert_int_equal(mkdir(fx->farm, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/pkg", fx->farm);
	assert_int_equal(mkdir(sub, 0700), 0);

	write_file(fx->farm, "helper.lua", "return { x = 42 }\n", 18);
	write_file(fx->farm, "pkg/sub.lua", "return ... .. '!'\n", 18);
	write_file(fx->farm, "both.lua", "return 'farm'\n", 14);
	write_file(fx->policy, "both.lua", "return 'policy'\n", 16);
	write_file(fx->farm, "nothing.lua", "local x = 1\n", 12);
	write_file(fx->farm, "broken.lua", "return +\n", 9);
	bc = make_bytecode(&bclen);
	write_file(fx->farm, "bc.lua", bc, bclen);
	free(bc);

	fx->sb = sandbox_new(&lim, fx->policy, fx->farm, NULL);
	assert_non_null(fx->sb);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	sandbox_free(fx->sb);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static void test_globals_removed(void **state)
{
	struct fixture *fx = *state;
	static const char *const gone[] = { "io", "os", "debug", "package", "coroutine",
					    "load", "loadfile", "dofile", "string.dump",
					    "('').dump", "loadstring", "module", NULL };
	char code[128];

	for (int i = 0; gone[i]; i++) {
		snprintf(code, sizeof(code), "return type(%s)", gone[i]);
		sfx_want_string(fx->sb, code, "nil");
	}
	/* and what must stay */
	sfx_want_string(fx->sb, "return type(table.concat) .. type(string.format) .. "
		          "type(math.floor) .. type(utf8.char) .. type(pairs) .. type(require)",
		          "functionfunctionfunctionfunctionfunctionfunction");
}

static void test_require_farm_module(void **state)
{
	struct fixture *fx = *state;

	sfx_want_string(fx->sb, "return tostring(require('helper').x)", "42");
	/* cached: the same table twice */
	sfx_want_string(fx->sb, "return tostring(rawequal(require 'helper', require 'helper'))",
		          "true");
	/* dots are directories; the module gets its name as argument */
	sfx_want_string(fx->sb, "return require 'pkg.sub'", "pkg.sub!");
	/* the policy directory comes first */
	sfx_want_string(fx->sb, "return require 'both'", "policy");
	/* a module that returns nothing is true */
	sfx_want_string(fx->sb, "return tostring(require 'nothing')", "true");
}

static void test_require_refused(void **state)
{
	struct fixture *fx = *state;

	sfx_want_error(fx->sb, "require '../x'", -EINVAL, "module names are letters");
	sfx_want_error(fx->sb, "require 'a/b'", -EINVAL, "module names are letters");
	sfx_want_error(fx->sb, "require 'a..b'", -EINVAL, "module names are letters");
	sfx_want_error(fx->sb, "require '.a'", -EINVAL, "module names are letters");
	sfx_want_error(fx->sb, "require ''", -EINVAL, "module names are letters");
	sfx_want_error(fx->sb, "require 'os'", -EINVAL, "module 'os' not found");
	sfx_want_error(fx->sb, "require 'bc'", -EINVAL, "attempt to load a binary chunk");
	sfx_want_error(fx->sb, "require 'broken'", -EINVAL, "error loading module 'broken'");
	/* a failed module is not cached as loaded */
	sfx_want_error(fx->sb, "require 'broken'", -EINVAL, "error loading module 'broken'");
}

/* A FIFO named like a module (or like the farm) must not block the load:
 * it is refused as not a regular file, at once. */
static void test_fifo_refused(void **state)
{
	struct fixture *fx = *state;
	char path[160], *msg = NULL;

	snprintf(path, sizeof(path), "%s/pipe.lua", fx->farm);
	assert_int_equal(mkfifo(path, 0600), 0);
	sfx_want_error(fx->sb, "require 'pipe'", -EINVAL, "not a regular file");
	assert_int_equal(sandbox_load_file(fx->sb, path, &msg), -ENOENT);
	assert_non_null(msg);
	if (!strstr(msg, "pipe.lua: not a regular file"))
		fail_msg("message '%s'", msg);
	free(msg);
	/* a directory is refused the same way */
	snprintf(path, sizeof(path), "%s/dir.lua", fx->farm);
	assert_int_equal(mkdir(path, 0700), 0);
	sfx_want_error(fx->sb, "require 'dir'", -EINVAL, "not a regular file");
	/* a first line starting with '#' is skipped and line numbers kept */
	write_file(fx->farm, "hash.lua", "#!/usr/bin/env lua\nreturn +\n", 28);
	sfx_want_error(fx->sb, "require 'hash'", -EINVAL, "hash.lua:2:");
}

static void test_bytecode_refused(void **state)
{
	struct fixture *fx = *state;
	lua_State *L = sandbox_state(fx->sb);
	char path[160], *msg = NULL;
	size_t len;
	char *bc = make_bytecode(&len);
	int top = lua_gettop(L);

	/* sandbox_load_string stops at the first NUL: the header is enough */
	bc[len - 1] = '\0';
	assert_int_equal(sandbox_load_string(fx->sb, "bc", bc, &msg), -EINVAL);
	assert_non_null(strstr(msg, "attempt to load a binary chunk (mode is 't')"));
	free(msg);
	free(bc);
	assert_int_equal(sandbox_load_string(fx->sb, "bc", "\033Lua\x54", &msg), -EINVAL);
	assert_non_null(strstr(msg, "binary chunk"));
	free(msg);

	snprintf(path, sizeof(path), "%s/bc.lua", fx->farm);
	assert_int_equal(sandbox_load_file(fx->sb, path, &msg), -EINVAL);
	assert_non_null(strstr(msg, "binary chunk"));
	free(msg);
	assert_int_equal(lua_gettop(L), top);

	snprintf(path, sizeof(path), "%s/none.lua", fx->farm);
	assert_int_equal(sandbox_load_file(fx->sb, path, &msg), -ENOENT);
	assert_non_null(strstr(msg, "cannot open"));
	free(msg);

	/* a syntax error names the chunk and line */
	assert_int_equal(sandbox_load_string(fx->sb, "farm.lua", "x = 1\ny = +", &msg), -EINVAL);
	assert_non_null(strstr(msg, "farm.lua:2:"));
	free(msg);
	assert_int_equal(lua_gettop(L), top);
}

static void test_runtime_error(void **state)
{
	struct fixture *fx = *state;

	sfx_want_error(fx->sb, "local x = nil; return x.y", -EINVAL, "test:1: attempt to index");
	sfx_want_error(fx->sb, "error('boom')", -EINVAL, "stack traceback:");
	sfx_want_error(fx->sb, "error({})", -EINVAL, "(error object is a table value)");
	sfx_want_error(fx->sb, "setmetatable({}, { __gc = function() end })", -EINVAL,
		         "__gc metamethods are not allowed");
	/* Lua's own pcall semantics are kept */
	sfx_want_string(fx->sb, "local ok, e = pcall(error, 'x', 0); return tostring(ok) .. e",
		          "falsex");
	sfx_want_string(fx->sb, "return tostring(select('#', pcall(function() "
		          "return 1, 2, 3 end)))", "4");
	sfx_want_string(fx->sb, "local ok, v = pcall(function() return 'v' end); "
		          "return tostring(ok) .. v", "truev");
	sfx_want_string(fx->sb, "local ok, e = xpcall(function() error('e', 0) end, "
		          "function(m) return 'h:' .. m end); return tostring(ok) .. e", "falseh:e");
	sfx_want_string(fx->sb, "local ok, a, b = xpcall(function(x, y) return y, x end, "
		          "print, 'p', 'q'); return tostring(ok) .. a .. b", "trueqp");
	sfx_want_string(fx->sb, "return getmetatable(setmetatable({}, { __index = "
		          "{ k = 'mt' } })).__index.k", "mt");
}

static void test_deadline(void **state)
{
	struct fixture *fx = *state;
	lua_State *L = sandbox_state(fx->sb);

	sandbox_set_deadline_ms(fx->sb, 20);
	sfx_want_error(fx->sb, "while true do end", -ETIMEDOUT,
		         "policy exceeded its deadline of 20 ms");
	/* the state is usable afterwards */
	sfx_want_string(fx->sb, "return tostring(1 + 1)", "2");
	/* catching the error does not help */
	sfx_want_error(fx->sb, "while true do pcall(function() while true do end end) end",
		         -ETIMEDOUT, "deadline of 20 ms");
	sfx_want_error(fx->sb, "while true do xpcall(function() while true do end end, "
		         "function(m) return m end) end", -ETIMEDOUT, "deadline of 20 ms");
	/* a message handler that loops is stopped too */
	sfx_want_error(fx->sb, "xpcall(function() while true do end end, "
		         "function(m) while true do end end)", -ETIMEDOUT, "deadline");
	sfx_want_string(fx->sb, "return 'alive'", "alive");
	assert_int_equal(lua_gettop(L), 0);
}

static void test_memory_cap(void **state)
{
	struct sandbox_limits lim = { .mem_limit = 4u << 20, .deadline_ms = 60000 };
	struct sandbox *sb = sandbox_new(&lim, NULL, NULL, NULL);

	(void)state;
	assert_non_null(sb);
	assert_int_equal(sandbox_mem_limit(sb), 4u << 20);
	assert_true(sandbox_mem_used(sb) > 0 && sandbox_mem_used(sb) < (1u << 20));

	sfx_want_error(sb, "local t = {} for i = 1, 1e9 do t[i] = i end", -ENOMEM,
		         "not enough memory");
	assert_true(sandbox_mem_used(sb) <= sandbox_mem_limit(sb));
	sfx_want_string(sb, "return 'after table'", "after table");

	sfx_want_error(sb, "local s = 'x' while true do s = s .. s end", -ENOMEM,
		         "not enough memory");
	sfx_want_error(sb, "return string.rep('x', 1 << 30)", -ENOMEM, "not enough memory");
	sfx_want_string(sb, "return 'after string'", "after string");

	/* Memory full to the last few bytes (a list of small tables kept in a
	 * global) while the message handler builds its traceback: the error
	 * still comes out as itself, traceback included. */
	sfx_want_error(sb, "pcall(function() local l while true do l = { l } keep = l end end) "
		         "error('boom', 0)", -EINVAL, "boom\nstack traceback:");
	sfx_want_string(sb, "keep = nil collectgarbage() return 'freed'", "freed");
	/* a script may catch a memory error itself */
	sfx_want_string(sb, "local ok, e = pcall(function() local t = {} "
		          "for i = 1, 1e9 do t[i] = i end end) return e", "not enough memory");
	sandbox_free(sb);
}

static void test_random_reproducible(void **state)
{
	const char *code = "local t = {} for i = 1, 5 do t[i] = math.random(1, 1000000) end "
			   "return table.concat(t, ',') .. ',' .. math.random()";
	struct sandbox *a = sandbox_new(NULL, NULL, NULL, NULL);
	struct sandbox *b = sandbox_new(NULL, NULL, NULL, NULL);
	const char *sa, *sb;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(sfx_run(a, code, 1, NULL), 0);
	assert_int_equal(sfx_run(b, code, 1, NULL), 0);
	sa = lua_tostring(sandbox_state(a), -1);
	sb = lua_tostring(sandbox_state(b), -1);
	assert_string_equal(sa, sb);
	/* and it is a sequence, not a constant */
	assert_int_equal(sfx_run(b, code, 1, NULL), 0);
	assert_string_not_equal(sa, lua_tostring(sandbox_state(b), -1));
	sandbox_free(a);
	sandbox_free(b);
}

static char last_line[256];
static int n_lines, n_suppressed;

static void capture(void *arg, int level, const char *line)
{
	(void)arg;
	(void)level;
	snprintf(last_line, sizeof(last_line), "%s", line);
	n_lines++;
	if (strstr(line, "lines from print suppressed"))
		n_suppressed++;
}

static void test_print_goes_to_log(void **state)
{
	struct fixture *fx = *state;

	log_set_sink(capture, NULL);
	sfx_want_string(fx->sb, "print('a', 1, nil, true) return ''", "");
	log_set_sink(NULL, NULL);
	if (!strstr(last_line, "lua: a\t1\tnil\ttrue"))
		fail_msg("log line: '%s'", last_line);
}

/* print is rate-limited per farm: a burst, then about 10 lines a second;
 * what is dropped is counted in one line that comes with the next print
 * that gets through. */
static void test_print_rate_limited(void **state)
{
	struct fixture *fx = *state;
	struct timespec pause = { 0, 300 * 1000 * 1000 };

	n_lines = n_suppressed = 0;
	log_set_sink(capture, NULL);
	sfx_want_string(fx->sb, "for i = 1, 100000 do print('spam', i) end return ''", "");
	assert_true(n_lines >= 1 && n_lines <= 40);
	assert_int_equal(n_suppressed, 0);
	nanosleep(&pause, NULL); /* the bucket refills */
	sfx_want_string(fx->sb, "print('after') return ''", "");
	log_set_sink(NULL, NULL);
	assert_int_equal(n_suppressed, 1);
	if (!strstr(last_line, "lua: after"))
		fail_msg("log line: '%s'", last_line);
}

/* A C function called from Lua that calls back into Lua (the test runner
 * and config do this): nested calls share the outer deadline. */
static int l_nested(lua_State *L)
{
	struct sandbox *sb = lua_touserdata(L, lua_upvalueindex(1));
	char *msg = NULL;
	int rc;

	lua_pushvalue(L, 1);
	rc = sandbox_pcall(sb, 0, 1, &msg);
	if (rc < 0) {
		lua_pushinteger(L, rc);
		free(msg);
	}
	return 1;
}

static void test_nested_pcall(void **state)
{
	struct fixture *fx = *state;
	lua_State *L = sandbox_state(fx->sb);

	lua_pushlightuserdata(L, fx->sb);
	lua_pushcclosure(L, l_nested, 1);
	lua_setglobal(L, "nested");
	sfx_want_string(fx->sb, "return nested(function() return 'in' end)", "in");
	sfx_want_string(fx->sb, "return tostring(nested(function() error('x') end))",
		          "-22"); /* -EINVAL */
	sandbox_set_deadline_ms(fx->sb, 20);
	sfx_want_error(fx->sb, "nested(function() while true do end end) while true do end",
		         -ETIMEDOUT, "deadline of 20 ms");
	sfx_want_string(fx->sb, "return 'ok'", "ok");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_globals_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_require_farm_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_require_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bytecode_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
		cmocka_unit_test(test_memory_cap),
		cmocka_unit_test(test_random_reproducible),
		cmocka_unit_test_setup_teardown(test_print_goes_to_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print_rate_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_pcall, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
