/*
 * sandbox.c - the one sandboxed lua_State of a farm (see sandbox.h).
 *
 * Three guards, all owned by struct sandbox and reached from Lua through the
 * allocator's userdata (lua_getallocf), so no registry lookup is needed on
 * the hot path:
 *   - memory: sandbox_alloc counts every block and refuses growth past the
 *     cap; Lua turns that into a memory error and the state stays usable;
 *   - time: a count hook compares the real stopwatch with the deadline of
 *     the running sandbox_pcall and raises an error once it has passed;
 *   - reach: only base/table/string/math/utf8, minus anything that loads
 *     bytecode or touches files, plus our own text-only require.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "sandbox.h"

#define SANDBOX_DEFAULT_MEM (64u << 20)
#define SANDBOX_DEFAULT_DEADLINE_MS 50
/* How many VM instructions run between two looks at the stopwatch. */
#define SANDBOX_HOOK_COUNT 1000
/* Extra room the message handler may use past the cap: building a
 * traceback right after a script filled its memory must not fail. */
#define SANDBOX_HANDLER_HEADROOM (64u << 10)
#define SANDBOX_MODNAME_MAX 128

struct sandbox {
	lua_State *L;
	size_t mem_used, mem_limit;
	bool in_handler;   /* the message handler runs: allow the headroom */
	int64_t deadline_ms;
	int64_t deadline_ns; /* stopwatch time after which the hook raises */
	bool timed_out;      /* the hook fired during the current call */
	int depth;           /* nested sandbox_pcall calls */
	bool declaring;      /* the farm file runs: declarations allowed */
	char *policy_dir, *farm_dir;
};

/* Registry key of the table of loaded modules (its address is the key). */
static const char sandbox_loaded_key = 'm';

static char *sandbox_strdup_err(const char *msg)
{
	return alloc_strdup(msg ? msg : "(no message)");
}

static void sandbox_seterr(char **errmsg, const char *msg)
{
	if (errmsg)
		*errmsg = sandbox_strdup_err(msg);
}

/* ------------------------------------------------------------ allocator -- */

static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct sandbox *sb = ud;
	/* For a new block osize is a type tag, not a size. */
	size_t old = ptr ? osize : 0;

	if (nsize == 0) {
		free(ptr);
		sb->mem_used -= old;
		return NULL;
	}
	if (nsize > old) {
		size_t cap = sb->mem_limit;

		if (sb->in_handler)
			cap += SANDBOX_HANDLER_HEADROOM;
		if (nsize - old > cap || sb->mem_used + (nsize - old) > cap)
			return NULL;
	}
	void *p = realloc(ptr, nsize);
	if (!p)
		return NULL; /* the old block is untouched, as Lua expects */
	sb->mem_used = sb->mem_used - old + nsize;
	return p;
}

static struct sandbox *sandbox_of(lua_State *L)
{
	void *ud;

	lua_getallocf(L, &ud);
	return ud;
}

/* ---------------------------------------------------- deadline and errors -- */

static void sandbox_hook(lua_State *L, lua_Debug *ar)
{
	struct sandbox *sb = sandbox_of(L);

	int64_t now;

	(void)ar;
	/* The hook stays installed for the life of the state (installing it
	 * per call costs more than a short policy runs), so it also fires
	 * outside sandbox_pcall: nothing to police there. */
	if (sb->depth == 0)
		return;
	now = clock_stopwatch_ns();
	/* Armed lazily: the first firing inside a call starts the clock, so
	 * a short policy (most of them: under SANDBOX_HOOK_COUNT instructions)
	 * never reads it. The deadline starts at most that many instructions
	 * late - microseconds against a limit of milliseconds. */
	if (sb->deadline_ns == 0) {
		sb->deadline_ns = now + sb->deadline_ms * 1000000;
		return;
	}
	if (now < sb->deadline_ns)
		return;
	sb->timed_out = true;
	/* Once past the deadline, look at every chance: a script that catches
	 * the error must not get another thousand instructions for free. */
	lua_sethook(L, sandbox_hook, LUA_MASKCOUNT, 1);
	luaL_where(L, 0);
	lua_pushfstring(L, "policy exceeded its deadline of %I ms",
			(lua_Integer)sb->deadline_ms);
	lua_concat(L, 2);
	lua_error(L);
}

/* Message handler: message plus traceback. It never calls a __tostring
 * metamethod (that would run script code after the deadline). */
static int sandbox_msghandler(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	const char *msg = lua_tostring(L, 1);

	sb->in_handler = true;
	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	sb->in_handler = false;
	return 1;
}

int sandbox_pcall(struct sandbox *sb, int nargs, int nresults, char **errmsg)
{
	lua_State *L = sb->L;
	int base = lua_gettop(L) - nargs; /* the function's slot */
	int status, ret = 0;

	if (sb->depth++ == 0) {
		sb->timed_out = false;
		sb->deadline_ns = 0; /* armed by the hook's first firing */
	}
	/* A light C function: pushing it allocates nothing. */
	lua_pushcfunction(L, sandbox_msghandler);
	lua_insert(L, base);
	status = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	sb->in_handler = false; /* the handler may have been cut short */

	if (status != LUA_OK) {
		if (sb->timed_out)
			ret = -ETIMEDOUT;
		else if (status == LUA_ERRMEM)
			ret = -ENOMEM;
		else
			ret = -EINVAL;
		if (errmsg) {
			const char *msg = lua_tostring(L, -1);

			/* Past the deadline the error may have turned into a
			 * memory error on its way up; say what really happened. */
			if (ret == -ETIMEDOUT && (!msg || !strstr(msg, "deadline")))
				*errmsg = alloc_printf("policy exceeded its deadline of %lld ms",
						       (long long)sb->deadline_ms);
			else
				*errmsg = sandbox_strdup_err(msg);
		}
		lua_pop(L, 1);
	}
	if (--sb->depth == 0) {
		/* Past a deadline the hook looks at every instruction: back to
		 * every SANDBOX_HOOK_COUNT for the next call. */
		if (sb->timed_out)
			lua_sethook(L, sandbox_hook, LUA_MASKCOUNT, SANDBOX_HOOK_COUNT);
		sb->timed_out = false;
		sb->deadline_ns = 0;
	}
	return ret;
}

void sandbox_set_deadline_ms(struct sandbox *sb, int64_t deadline_ms)
{
	sb->deadline_ms = deadline_ms > 0 ? deadline_ms : SANDBOX_DEFAULT_DEADLINE_MS;
}

void sandbox_set_declaring(struct sandbox *sb, bool on)
{
	sb->declaring = on;
}

bool sandbox_declaring(const struct sandbox *sb)
{
	return sb->declaring;
}

size_t sandbox_mem_used(const struct sandbox *sb)
{
	return sb->mem_used;
}

size_t sandbox_mem_limit(const struct sandbox *sb)
{
	return sb->mem_limit;
}

lua_State *sandbox_state(struct sandbox *sb)
{
	return sb->L;
}

/* ----------------------------------------------------------------- loading -- */

/* A load error names its chunk ("farm.lua:3: ..."), except the few Lua
 * raises without a position ("C stack overflow" for nesting past its
 * limit): those get "name: " in front so every message says where. */
static int sandbox_load_status(lua_State *L, int status, const char *name, char **errmsg)
{
	/* Lua shortens long paths from the left ("...farms/farm.lua:3:"):
	 * look for the base name. */
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	const char *msg;

	if (status == LUA_OK)
		return 0;
	msg = lua_tostring(L, -1);
	if (errmsg) {
		if (msg && strstr(msg, base))
			*errmsg = sandbox_strdup_err(msg);
		else
			*errmsg = alloc_printf("%s: %s", name, msg ? msg : "cannot load");
	}
	lua_pop(L, 1);
	if (status == LUA_ERRMEM)
		return -ENOMEM;
	if (status == LUA_ERRFILE)
		return -ENOENT;
	return -EINVAL;
}

int sandbox_load_file(struct sandbox *sb, const char *path, char **errmsg)
{
	return sandbox_load_status(sb->L, luaL_loadfilex(sb->L, path, "t"), path, errmsg);
}

int sandbox_load_string(struct sandbox *sb, const char *chunkname, const char *text,
			char **errmsg)
{
	char name[256];

	/* Lua prints a chunk name as it is only after '=' or '@'; anything
	 * else would read [string "..."] in every message. */
	if (!chunkname)
		chunkname = "=?";
	if (chunkname[0] != '=' && chunkname[0] != '@') {
		snprintf(name, sizeof(name), "=%s", chunkname);
		chunkname = name;
	}
	return sandbox_load_status(sb->L,
				   luaL_loadbufferx(sb->L, text, strlen(text), chunkname, "t"),
				   chunkname, errmsg);
}

/* ----------------------------------------------------------------- require -- */

/* Module names are [A-Za-z0-9_] words joined by single dots. */
static bool sandbox_modname_ok(const char *name, size_t len)
{
	if (len == 0 || len >= SANDBOX_MODNAME_MAX || name[0] == '.' || name[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (c == '.') {
			if (name[i + 1] == '.')
				return false;
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '_')) {
			return false;
		}
	}
	return true;
}

/* Try dir/name.lua. Returns the loadfilex status; LUA_ERRFILE with nothing
 * pushed when the file is not there. */
static int sandbox_require_try(lua_State *L, const char *dir, const char *name)
{
	char path[4096];
	int n, status;
	FILE *f;

	if (!dir)
		return LUA_ERRFILE;
	n = snprintf(path, sizeof(path), "%s/%s.lua", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return LUA_ERRFILE;
	/* name was checked: turn the dots of the module part into slashes. */
	for (char *p = path + strlen(dir) + 1; p < path + n - 4; p++)
		if (*p == '.')
			*p = '/';
	f = fopen(path, "r");
	if (!f)
		return LUA_ERRFILE;
	fclose(f);
	status = luaL_loadfilex(L, path, "t");
	if (status == LUA_ERRFILE) /* there but unreadable: say so */
		status = LUA_ERRSYNTAX;
	return status;
}

static int l_require(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	size_t len;
	const char *name = luaL_checklstring(L, 1, &len);
	int status;

	luaL_argcheck(L, sandbox_modname_ok(name, len), 1,
		      "module names are letters, digits, '_' and single dots");
	lua_settop(L, 1);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &sandbox_loaded_key);
	if (lua_getfield(L, 2, name) != LUA_TNIL)
		return 1;
	lua_pop(L, 1);

	status = sandbox_require_try(L, sb->policy_dir, name);
	if (status == LUA_ERRFILE)
		status = sandbox_require_try(L, sb->farm_dir, name);
	if (status == LUA_ERRFILE)
		return luaL_error(L, "module '%s' not found (looked in the policy directory "
				  "%s and the farm directory %s)", name,
				  sb->policy_dir ? sb->policy_dir : "(none)",
				  sb->farm_dir ? sb->farm_dir : "(none)");
	if (status != LUA_OK)
		return luaL_error(L, "error loading module '%s': %s", name, lua_tostring(L, -1));

	lua_pushvalue(L, 1);
	lua_call(L, 1, 1);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, 2, name);
	return 1;
}

/* --------------------------------------------------------- base overrides -- */

/* pcall/xpcall that do not swallow the deadline: once the hook fired, the
 * error goes on up to sandbox_pcall whatever the script does about it.
 * Results start at index `first`; below them is a slot for the boolean. */
static int l_pcall_finish(lua_State *L, int status, int first)
{
	if (status != LUA_OK) {
		if (sandbox_of(L)->timed_out)
			return lua_error(L);
		lua_pushboolean(L, 0);
		lua_insert(L, -2);
		return 2; /* false, message */
	}
	lua_pushboolean(L, 1);
	lua_replace(L, first - 1);
	return lua_gettop(L) - first + 2;
}

static int l_pcall(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_pushnil(L);     /* slot for the boolean */
	lua_insert(L, 1);   /* nil, f, args... */
	return l_pcall_finish(L, lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0), 2);
}

/* The script's message handler, called through this one. An error raised by
 * the deadline hook runs the handler with hooks off (Lua disables them inside
 * a hook), so past the deadline no script handler may run at all. */
static int l_xpcall_handler(lua_State *L)
{
	if (sandbox_of(L)->timed_out)
		return 1; /* the message as it is */
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

static int l_xpcall(lua_State *L)
{
	int n = lua_gettop(L);

	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, l_xpcall_handler, 1);
	lua_replace(L, 2);
	lua_pushvalue(L, 1); /* f, h, args..., f */
	lua_rotate(L, 3, 1); /* f, h, f, args... (f at 1 is the boolean's slot) */
	return l_pcall_finish(L, lua_pcall(L, n - 2, LUA_MULTRET, 2), 3);
}

/* setmetatable without __gc: a finalizer runs whenever the collector
 * decides, also outside sandbox_pcall where no deadline holds. */
static int l_setmetatable(lua_State *L)
{
	int t = lua_type(L, 2);

	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
	if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
		return luaL_error(L, "cannot change a protected metatable");
	if (t == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "__gc metamethods are not allowed in the sandbox");
	}
	lua_settop(L, 2);
	lua_setmetatable(L, 1);
	return 1;
}

/* print goes to the log (info), never to stdout. */
static int l_print(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_Buffer b;

	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
		if (i < n)
			luaL_addchar(&b, '\t');
	}
	luaL_pushresult(&b);
	LOG_INFO("lua: %s", lua_tostring(L, -1));
	return 0;
}

static const luaL_Reg sandbox_base[] = {
	{ "require", l_require },
	{ "pcall", l_pcall },
	{ "xpcall", l_xpcall },
	{ "print", l_print },
	{ "setmetatable", l_setmetatable },
	{ NULL, NULL },
};

/* ------------------------------------------------------------------- setup -- */

static int sandbox_setup(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base },
		{ LUA_TABLIBNAME, luaopen_table },
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
		{ NULL, NULL },
	};

	for (const luaL_Reg *lib = libs; lib->func; lib++) {
		luaL_requiref(L, lib->name, lib->func, 1);
		lua_pop(L, 1);
	}
	lua_pushglobaltable(L);
	luaL_setfuncs(L, sandbox_base, 0);
	lua_pushnil(L);
	lua_setfield(L, -2, "load");
	lua_pushnil(L);
	lua_setfield(L, -2, "loadfile");
	lua_pushnil(L);
	lua_setfield(L, -2, "dofile");

	/* string.dump makes bytecode; the string metatable's __index is this
	 * same table, so ("").dump goes too. */
	lua_getfield(L, -1, LUA_STRLIBNAME);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 1);

	/* Reproducible: every farm starts from the same random sequence. */
	lua_getfield(L, -1, LUA_MATHLIBNAME);
	lua_getfield(L, -1, "randomseed");
	lua_pushinteger(L, 0);
	lua_call(L, 1, 0);
	lua_pop(L, 2);

	lua_newtable(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &sandbox_loaded_key);
	return 0;
}

static int sandbox_panic(lua_State *L)
{
	LOG_ERROR("lua: unprotected error: %s", lua_tostring(L, -1));
	return 0; /* Lua aborts */
}

struct sandbox *sandbox_new(const struct sandbox_limits *lim, const char *policy_dir,
			    const char *farm_dir, char **errmsg)
{
	struct sandbox *sb = alloc_zero(1, sizeof(*sb));

	if (!sb)
		goto nomem;
	sb->mem_limit = lim && lim->mem_limit ? lim->mem_limit : SANDBOX_DEFAULT_MEM;
	sandbox_set_deadline_ms(sb, lim ? lim->deadline_ms : 0);
	if (policy_dir && !(sb->policy_dir = alloc_strdup(policy_dir)))
		goto nomem;
	if (farm_dir && !(sb->farm_dir = alloc_strdup(farm_dir)))
		goto nomem;
	sb->L = lua_newstate(sandbox_alloc, sb);
	if (!sb->L)
		goto nomem;
	lua_atpanic(sb->L, sandbox_panic);
	lua_sethook(sb->L, sandbox_hook, LUA_MASKCOUNT, SANDBOX_HOOK_COUNT);
	lua_pushcfunction(sb->L, sandbox_setup);
	if (sandbox_pcall(sb, 0, 0, errmsg) < 0) {
		sandbox_free(sb);
		return NULL;
	}
	return sb;
nomem:
	sandbox_free(sb);
	sandbox_seterr(errmsg, "lua: out of memory creating the sandbox");
	return NULL;
}

void sandbox_free(struct sandbox *sb)
{
	if (!sb)
		return;
	if (sb->L)
		lua_close(sb->L);
	alloc_free(sb->policy_dir);
	alloc_free(sb->farm_dir);
	alloc_free(sb);
}
