/*
 * sandbox.c - the one sandboxed lua_State of a farm (see sandbox.h).
 *
 * Three guards, all owned by struct sandbox and reached from Lua through the
 * allocator's userdata (lua_getallocf), so no registry lookup is needed on
 * the hot path:
 *   - memory: sandbox_alloc counts every block and refuses growth past the
 *     cap; Lua turns that into a memory error and the state stays usable;
 *   - time: the deadline of the running sandbox_pcall, from its start,
 *     checked by a count hook and by C code whose cost is not instructions
 *     (sandbox_deadline.c, sandbox_lib.c);
 *   - reach: only base/table/string/math/utf8/tz, minus anything that loads
 *     bytecode or touches files, plus our own text-only require that reads
 *     regular files only (a FIFO would block the load).
 *
 * The rest of the sandbox is in sandbox_*.c (see sandbox_int.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "sandbox.h"
#include "sandbox_int.h"
#include "sandbox_watchdog.h"
#include "tz.h"

#define SANDBOX_DEFAULT_MEM (64u << 20)
#define SANDBOX_DEFAULT_DEADLINE_MS 50
/* Extra room the message handler may use past the cap: building a
 * traceback right after a script filled its memory must not fail. */
#define SANDBOX_HANDLER_HEADROOM (64u << 10)
#define SANDBOX_MODNAME_MAX 128
/* The part of the cap kept for the engine (views, a group's globals table,
 * the traceback): 1/16 of it. */
#define SANDBOX_RESERVE_SHIFT 4
/* A block at least this large is a chance to look at the deadline: what
 * makes it (a concatenation, string.rep, a table's rehash) costs time the
 * instruction count does not see. */
#define SANDBOX_CHARGE_BYTES (64u << 10)
/* A farm file or module larger than this is refused before it is read. */
#define SANDBOX_FILE_MAX (16u << 20)

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
		size_t cap = sb->mem_limit - sb->reserve;

		if (sb->in_handler)
			cap = sb->mem_limit + SANDBOX_HANDLER_HEADROOM;
		else if (sb->reserve_open)
			cap = sb->mem_limit;
		if (nsize - old > cap || sb->mem_used + (nsize - old) > cap ||
		    (nsize - old >= SANDBOX_CHARGE_BYTES && sandbox_past_deadline(sb)))
			return NULL;
	}
	void *p = realloc(ptr, nsize);
	if (!p)
		return NULL; /* the old block is untouched, as Lua expects */
	sb->mem_used = sb->mem_used - old + nsize;
	return p;
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

void sandbox_push_handler(struct sandbox *sb)
{
	/* A light C function: pushing it allocates nothing. */
	lua_pushcfunction(sb->L, sandbox_msghandler);
}

int sandbox_pcall(struct sandbox *sb, int nargs, int nresults, char **errmsg)
{
	lua_State *L = sb->L;
	int base = lua_gettop(L) - nargs; /* the function's slot */
	int ret;

	sandbox_push_handler(sb);
	lua_insert(L, base);
	ret = sandbox_pcall_handled(sb, nargs, nresults, errmsg);
	lua_remove(L, base);
	return ret;
}

int sandbox_pcall_handled(struct sandbox *sb, int nargs, int nresults, char **errmsg)
{
	lua_State *L = sb->L;
	int base = lua_gettop(L) - nargs - 1; /* the handler's slot */
	int status, ret = 0;

	if (sb->depth++ == 0) {
		sb->timed_out = false;
		sb->load_where[0] = '\0';
		if (sb->wd) {
			/* the watchdog's thread keeps the time */
			sandbox_watchdog_arm(sb->wd, sb->deadline_ms * 1000000,
					     (unsigned long)pthread_self());
		} else {
			/* charged from the start: one stopwatch read a call */
			sb->started_ns = clock_stopwatch_ns();
			sb->deadline_ns = sb->started_ns + sb->deadline_ms * 1000000;
		}
	}
	status = lua_pcall(L, nargs, nresults, base);
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
		if (sb->wd)
			sandbox_watchdog_disarm(sb->wd);
		/* Past a deadline the hook looks at every instruction: back to
		 * the hook between deadlines for the next call. */
		if (sb->timed_out)
			sandbox_rest_hook(sb);
		sb->timed_out = false;
	}
	return ret;
}

void sandbox_set_deadline_ms(struct sandbox *sb, int64_t deadline_ms)
{
	sb->deadline_ms = deadline_ms > 0 ? deadline_ms : SANDBOX_DEFAULT_DEADLINE_MS;
}

void sandbox_set_declaring(struct sandbox *sb, const void *who)
{
	bool on = who != NULL;

	sb->declaring = on;
	sb->declarer = who;
	/* While the farm loads, the hook also follows the lines, so that a
	 * memory error (which Lua raises without a position) can be placed. */
	sandbox_rest_hook(sb);
}

const void *sandbox_declarer(lua_State *L)
{
	return sandbox_of(L)->declarer;
}

int64_t sandbox_recent_ns(const struct sandbox *sb)
{
	return sb->wd ? sandbox_watchdog_looked_ns(sb->wd) : sb->started_ns;
}

size_t sandbox_mem_used(const struct sandbox *sb)
{
	return sb->mem_used;
}

const char *sandbox_load_where(const struct sandbox *sb)
{
	return sb->load_where[0] ? sb->load_where : NULL;
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

/* Open path for reading without ever blocking: a FIFO (or a device)
 * named like a module would hang the load past any deadline, so only a
 * regular file is read. Returns the fd, or -1 with *absent set when there
 * is no such file, or -1 with the reason pushed. */
static int sandbox_open_regular(lua_State *L, const char *path, bool *absent)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	*absent = false;
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			*absent = true;
		else
			lua_pushfstring(L, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		lua_pushfstring(L, "%s: not a regular file (a FIFO, device or directory cannot "
				"be loaded)", path);
		close(fd);
		return -1;
	}
	if ((uintmax_t)st.st_size > SANDBOX_FILE_MAX) {
		lua_pushfstring(L, "%s: larger than %d MiB", path, (int)(SANDBOX_FILE_MAX >> 20));
		close(fd);
		return -1;
	}
	return fd;
}

/* luaL_loadfilex(L, path, "t") for regular files only: pushes the chunk
 * or the message and returns the status (LUA_ERRFILE with nothing pushed
 * when *absent). Like Lua, it skips a UTF-8 BOM and a first line that
 * starts with '#' (keeping line numbers). */
static int sandbox_loadfile(lua_State *L, const char *path, bool *absent)
{
	char *buf = NULL, *text, chunk[4096 + 2];
	size_t len = 0, cap = 0;
	int fd = sandbox_open_regular(L, path, absent), status;

	if (fd < 0)
		return LUA_ERRFILE;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb = cap < SANDBOX_FILE_MAX ? alloc_resize(buf, cap = cap ? 2 * cap : 8192)
							  : NULL;
			if (!nb) {
				alloc_free(buf);
				close(fd);
				lua_pushfstring(L, "%s: cannot read (no memory, or larger than %d MiB)",
						path, (int)(SANDBOX_FILE_MAX >> 20));
				return LUA_ERRFILE;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lua_pushfstring(L, "cannot read %s: %s", path, strerror(errno));
			alloc_free(buf);
			close(fd);
			return LUA_ERRFILE;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	text = buf; /* the first pass allocated it */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (len > 0 && text[0] == '#') {
		char *nl = memchr(text, '\n', len);

		len = nl ? len - (size_t)(nl - text) : 0;
		text = nl ? nl : text;
	}
	snprintf(chunk, sizeof(chunk), "@%s", path);
	status = luaL_loadbufferx(L, text, len, chunk, "t");
	alloc_free(buf);
	return status;
}

int sandbox_load_file(struct sandbox *sb, const char *path, char **errmsg)
{
	bool absent;
	int status = sandbox_loadfile(sb->L, path, &absent);

	if (status == LUA_ERRFILE && absent)
		lua_pushfstring(sb->L, "cannot open %s: %s", path, strerror(ENOENT));
	return sandbox_load_status(sb->L, status, path, errmsg);
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
	bool absent;
	int n, status;

	if (!dir)
		return LUA_ERRFILE;
	n = snprintf(path, sizeof(path), "%s/%s.lua", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return LUA_ERRFILE;
	/* name was checked: turn the dots of the module part into slashes. */
	for (char *p = path + strlen(dir) + 1; p < path + n - 4; p++)
		if (*p == '.')
			*p = '/';
	status = sandbox_loadfile(L, path, &absent);
	if (status == LUA_ERRFILE && !absent) /* there but unreadable: say so */
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

/* ------------------------------------------------------------------- setup -- */

static int sandbox_setup(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base },
		{ LUA_TABLIBNAME, luaopen_table },
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
		{ "tz", tz_lua_open }, /* local time in a zone (tz.h) */
		{ NULL, NULL },
	};

	for (const luaL_Reg *lib = libs; lib->func; lib++) {
		luaL_requiref(L, lib->name, lib->func, 1);
		lua_pop(L, 1);
	}
	lua_pushglobaltable(L);
	sandbox_base_open(L);
	lua_pushcfunction(L, l_require);
	lua_setfield(L, -2, "require");
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
	sandbox_lib_open(L);
	sandbox_env_protect(L);
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
	sb->reserve = sb->mem_limit >> SANDBOX_RESERVE_SHIFT;
	sandbox_set_deadline_ms(sb, lim ? lim->deadline_ms : 0);
	if (policy_dir && !(sb->policy_dir = alloc_strdup(policy_dir)))
		goto nomem;
	if (farm_dir && !(sb->farm_dir = alloc_strdup(farm_dir)))
		goto nomem;
	sb->L = lua_newstate(sandbox_alloc, sb);
	if (!sb->L)
		goto nomem;
	lua_atpanic(sb->L, sandbox_panic);
	if (!lim || lim->deadline_signal >= 0) {
		int rc = sandbox_watchdog_start(sb->L, sandbox_hook,
						lim ? lim->deadline_signal : 0, &sb->wd);

		if (rc < 0)
			LOG_INFO("policy deadline: no watchdog (%s); a count hook watches it, "
				 "and policies run slower",
				 rc == -EBUSY ? "its signal has another handler or is blocked"
				 : rc == -EINVAL ? "the signal is not a real-time one"
				 : rc == -EAGAIN ? "64 run in this process already, or no thread"
				 : strerror(-rc));
	}
	sandbox_rest_hook(sb);
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
	sandbox_watchdog_stop(sb->wd);
	if (sb->L)
		lua_close(sb->L);
	alloc_free(sb->policy_dir);
	alloc_free(sb->farm_dir);
	alloc_free(sb);
}
