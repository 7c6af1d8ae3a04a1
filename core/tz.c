/*
 * tz.c - local time from compiled zone files (see tz.h).
 *
 * A TZif file (RFC 8536, tzfile(5)) is a 44-byte header ("TZif", a version
 * byte, 15 reserved bytes, six big-endian counts: isutcnt isstdcnt leapcnt
 * timecnt typecnt charcnt) and a data block:
 *
 *   timecnt transition times (4 bytes, or 8 in the second block)
 *   timecnt type indices (1 byte each)
 *   typecnt local time types (utoff: 4 bytes signed, isdst: 1, desigidx: 1)
 *   charcnt bytes of NUL-terminated abbreviations
 *   leapcnt leap records, isstdcnt and isutcnt indicators (unused here)
 *
 * Version 2 and later repeat header and block with 64-bit times, then a
 * footer "\n<POSIX TZ string>\n" that gives local time on and after the
 * last transition ("CET-1CEST,M3.5.0,M10.5.0/3"). A version 1 file is read
 * from its only block. Before the first transition, time type 0 holds;
 * with no transitions at all, the footer (or type 0).
 *
 * The footer's TZ string is read and applied by tz_posix.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "alloc.h"
#include "tz.h"
#include "tz_int.h"

#define TZ_FILE_MAX (256u << 10) /* real files are a few KiB */
#define TZ_HEADER_LEN 44
#define TZ_TYPES_MAX 256         /* a type index is one byte */
#define TZ_UTOFF_MAX 93599       /* under 26 hours (RFC 8536 3.2) */
#define TZ_FOOTER_MAX 256

struct tz_type {
	int32_t utoff;
	bool isdst;
	char abbr[TZ_ABBR_MAX + 1];
};

/* One block: the struct, then times, types and type indices. */
struct tz_zone {
	struct tz_zone *next;
	char name[TZ_NAME_MAX + 1];
	size_t ntimes, ntypes;
	int64_t *times;
	struct tz_type *types;
	uint8_t *type_of; /* the type of each transition */
	bool has_footer;
	struct tz_posix footer;
};

struct tz_header {
	int version; /* 1, 2, 3, ... */
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

struct tz_buf {
	const uint8_t *p;
	size_t left;
};

/* tz_read_block's answer when the allocation fails (not a file's fault). */
static const char tz_no_memory[] = "out of memory";

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz_zone *tz_cache; /* under tz_lock */
static size_t tz_cached;
static char *tz_dir;             /* NULL: TZ_DIR */

/* ------------------------------------------------------------ TZif data -- */

static const uint8_t *tz_take(struct tz_buf *b, size_t n)
{
	const uint8_t *p = b->p;

	if (b->left < n)
		return NULL;
	b->p += n;
	b->left -= n;
	return p;
}

static uint32_t tz_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t tz_be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)tz_be32(p) << 32 | tz_be32(p + 4));
}

static const char *tz_read_header(struct tz_buf *b, struct tz_header *h)
{
	const uint8_t *p = tz_take(b, TZ_HEADER_LEN);
	uint32_t *counts[] = { &h->isutcnt, &h->isstdcnt, &h->leapcnt,
			       &h->timecnt, &h->typecnt,  &h->charcnt };

	if (!p)
		return b->left < 4 || memcmp(b->p, "TZif", 4) != 0
			       ? "not a TZif file (no \"TZif\" at the start)"
			       : "truncated in a header";
	if (memcmp(p, "TZif", 4) != 0)
		return "not a TZif file (no \"TZif\" at the start)";
	if (p[4] != 0 && (p[4] < '2' || p[4] > '9'))
		return "unknown TZif version";
	h->version = p[4] ? p[4] - '0' : 1;
	for (int i = 0; i < 6; i++)
		*counts[i] = tz_be32(p + 20 + 4 * i);
	return NULL;
}

/* Bytes of the data block that follows header h, times tsize bytes. */
static uint64_t tz_block_len(const struct tz_header *h, unsigned tsize)
{
	return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
	       (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

/* Read the data block into a new zone (*out). Returns NULL or why not. */
static const char *tz_read_block(struct tz_buf *b, const struct tz_header *h, unsigned tsize,
				 struct tz_zone **out)
{
	const uint8_t *times, *idx, *types, *chars;
	struct tz_zone *z;

	if (h->typecnt == 0 || h->typecnt > TZ_TYPES_MAX)
		return "no local time types, or more than 256";
	if (h->charcnt == 0)
		return "no abbreviations";
	if ((h->isutcnt && h->isutcnt != h->typecnt) || (h->isstdcnt && h->isstdcnt != h->typecnt))
		return "indicator counts differ from the type count";
	if (h->leapcnt)
		return "leap seconds are not supported (a \"right/\" zone?)";
	if (tz_block_len(h, tsize) > b->left)
		return "truncated in a data block";
	times = tz_take(b, (size_t)h->timecnt * tsize);
	idx = tz_take(b, h->timecnt);
	types = tz_take(b, (size_t)h->typecnt * 6);
	chars = tz_take(b, h->charcnt);
	tz_take(b, (size_t)h->isstdcnt + h->isutcnt);

	z = alloc_zero(1, sizeof(*z) + (size_t)h->timecnt * (sizeof(int64_t) + 1) +
				  (size_t)h->typecnt * sizeof(struct tz_type));
	if (!z)
		return tz_no_memory;
	z->ntimes = h->timecnt;
	z->ntypes = h->typecnt;
	z->times = (int64_t *)(z + 1);
	z->types = (struct tz_type *)(z->times + z->ntimes);
	z->type_of = (uint8_t *)(z->types + z->ntypes);
	*out = z;
	for (size_t i = 0; i < z->ntimes; i++) {
		const uint8_t *p = times + i * tsize;

		z->times[i] = tsize == 8 ? tz_be64(p) : (int32_t)tz_be32(p);
		if (i > 0 && z->times[i] <= z->times[i - 1])
			return "transition times not in ascending order";
		if (idx[i] >= z->ntypes)
			return "a transition names a local time type that does not exist";
		z->type_of[i] = idx[i];
	}
	for (size_t i = 0; i < z->ntypes; i++) {
		const uint8_t *p = types + 6 * i;
		struct tz_type *ty = &z->types[i];
		const char *abbr = (const char *)chars + p[5];
		size_t room = h->charcnt - p[5], len;

		ty->utoff = (int32_t)tz_be32(p);
		ty->isdst = p[4];
		if (ty->utoff < -TZ_UTOFF_MAX || ty->utoff > TZ_UTOFF_MAX)
			return "a UT offset of 26 hours or more";
		if (p[4] > 1)
			return "a DST flag other than 0 or 1";
		if (p[5] >= h->charcnt)
			return "an abbreviation index past the abbreviations";
		len = strnlen(abbr, room);
		if (len == room)
			return "an abbreviation without its NUL";
		if (len > TZ_ABBR_MAX)
			return "an abbreviation longer than 15 characters";
		memcpy(ty->abbr, abbr, len);
	}
	return NULL;
}

/* The footer of a version 2+ file: "\n" TZ string "\n". */
static const char *tz_read_footer(struct tz_buf *b, struct tz_zone *z)
{
	const uint8_t *nl;
	char text[TZ_FOOTER_MAX];
	size_t len;

	if (b->left == 0 || b->p[0] != '\n')
		return "no footer (the TZ string after the data)";
	nl = memchr(b->p + 1, '\n', b->left - 1);
	if (!nl)
		return "footer without its closing newline";
	len = (size_t)(nl - b->p - 1);
	if (len >= sizeof(text))
		return "footer longer than 255 bytes";
	memcpy(text, b->p + 1, len);
	text[len] = '\0';
	if (len == 0)
		return NULL; /* no rule: the last transition's type goes on */
	if (!tz_posix_parse(text, &z->footer))
		return "footer is not a TZ string this reader understands";
	z->has_footer = true;
	return NULL;
}

/* Parse a whole file. Returns 0, -EBADMSG (*why says why) or -ENOMEM
 * (*why NULL). */
static int tz_parse(const uint8_t *data, size_t len, struct tz_zone **out, const char **why)
{
	struct tz_buf b = { data, len };
	struct tz_header h;
	struct tz_zone *z = NULL;

	*out = NULL;
	*why = tz_read_header(&b, &h);
	if (!*why && h.version >= 2) { /* skip the version 1 block */
		if (tz_block_len(&h, 4) > b.left)
			*why = "truncated in a data block";
		else
			tz_take(&b, (size_t)tz_block_len(&h, 4));
		if (!*why && !(*why = tz_read_header(&b, &h)) && h.version < 2)
			*why = "second header is not version 2 or later";
	}
	if (!*why)
		*why = tz_read_block(&b, &h, h.version >= 2 ? 8 : 4, &z);
	if (!*why && h.version >= 2)
		*why = tz_read_footer(&b, z);
	if (*why) {
		alloc_free(z);
		if (*why != tz_no_memory)
			return -EBADMSG;
		*why = NULL;
		return -ENOMEM;
	}
	*out = z;
	return 0;
}

/* ------------------------------------------------------------- lookups -- */

static void tz_zone_local(const struct tz_zone *z, int64_t t, struct tz_local *out)
{
	const struct tz_type *ty = &z->types[0];
	int64_t local, days, sod, year;
	const char *abbr;
	int32_t off;
	bool dst;

	if (z->has_footer && (z->ntimes == 0 || t >= z->times[z->ntimes - 1])) {
		dst = z->footer.has_dst && tz_posix_dst(&z->footer, t);
		off = dst ? z->footer.dst_off : z->footer.std_off;
		abbr = dst ? z->footer.dst_abbr : z->footer.std_abbr;
	} else {
		if (z->ntimes > 0 && t >= z->times[0]) {
			size_t lo = 0, hi = z->ntimes; /* last time <= t is in [lo, hi) */

			while (hi - lo > 1) {
				size_t mid = lo + (hi - lo) / 2;

				if (z->times[mid] <= t)
					lo = mid;
				else
					hi = mid;
			}
			ty = &z->types[z->type_of[lo]];
		}
		off = ty->utoff;
		dst = ty->isdst;
		abbr = ty->abbr;
	}
	local = t + off;
	days = tz_floor_div(local, 86400);
	sod = local - days * 86400;
	tz_civil_from_days(days, &year, &out->month, &out->day);
	out->year = (int)year;
	out->hour = (int)(sod / 3600);
	out->min = (int)(sod / 60 % 60);
	out->sec = (int)(sod % 60);
	out->wday = tz_weekday(days);
	out->yday = (int)(days - tz_days_from_civil(year, 1, 1) + 1);
	out->utc_offset = off;
	out->isdst = dst;
	snprintf(out->abbr, sizeof(out->abbr), "%s", abbr);
}

bool tz_name_ok(const char *name)
{
	size_t len = strlen(name), part = 0;

	if (len == 0 || len > TZ_NAME_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = name[i];

		if (c == '/' || c == '\0') {
			if (part == 0) /* leading, trailing or double '/' */
				return false;
			part = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-') {
			part++;
		} else {
			return false; /* '.' among them: no "..", no "zone.tab" */
		}
	}
	return true;
}

static int tz_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int tz_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Read dir/name into a new zone. Called with tz_lock held. */
static int tz_load(const char *name, struct tz_zone **out, char *err, size_t errlen)
{
	const char *dir = tz_dir ? tz_dir : TZ_DIR, *why = NULL;
	char path[4096];
	uint8_t *buf = NULL;
	size_t len = 0, cap;
	struct stat st;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return tz_fail(err, errlen, -ENOENT, "tz: unknown time zone '%s'", name);
		rc = -errno;
		return tz_fail(err, errlen, rc, "tz: cannot open %s: %s", path, strerror(-rc));
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		rc = tz_fail(err, errlen, rc, "tz: cannot stat %s: %s", path, strerror(-rc));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = tz_fail(err, errlen, -ENOENT, "tz: unknown time zone '%s'%s", name,
			     S_ISDIR(st.st_mode) ? " (a directory of zones)" : "");
		goto out;
	}
	if (st.st_size > (off_t)TZ_FILE_MAX) {
		why = "larger than 256 KiB";
		goto out;
	}
	cap = (size_t)st.st_size + 1; /* +1: an empty file still gets a block */
	buf = alloc_mem(cap);
	if (!buf) {
		rc = tz_fail(err, errlen, -ENOMEM, "tz: out of memory");
		goto out;
	}
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			rc = tz_fail(err, errlen, rc, "tz: cannot read %s: %s", path, strerror(-rc));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = tz_parse(buf, len, out, &why);
	if (rc == -ENOMEM)
		tz_fail(err, errlen, rc, "tz: out of memory");
	else if (rc == 0)
		snprintf((*out)->name, sizeof((*out)->name), "%s", name);
out:
	if (why)
		rc = tz_fail(err, errlen, -EBADMSG, "tz: bad zone file %s: %s", path, why);
	alloc_free(buf);
	close(fd);
	return rc;
}

int tz_local(const char *zone, int64_t t_s, struct tz_local *out, char *err, size_t errlen)
{
	struct tz_zone *z, *spare = NULL;
	int rc = 0;

	if (!zone || !tz_name_ok(zone)) {
		char shown[64];
		size_t i = 0;

		for (; zone && zone[i] && i < sizeof(shown) - 1; i++) /* printable */
			shown[i] = zone[i] >= ' ' && zone[i] < 127 ? zone[i] : '?';
		shown[i] = '\0';
		return tz_fail(err, errlen, -EINVAL, "tz: invalid time zone name '%s%s' (parts of "
			       "letters, digits, '_', '+' and '-' joined by '/', like "
			       "'Europe/Berlin')", shown, zone && zone[i] ? "..." : "");
	}
	if (t_s < TZ_TIME_MIN || t_s > TZ_TIME_MAX)
		return tz_fail(err, errlen, -ERANGE, "tz: time %lld is outside the years 1 to 9999",
			       (long long)t_s);
	pthread_mutex_lock(&tz_lock);
	for (z = tz_cache; z && strcmp(z->name, zone) != 0; z = z->next)
		;
	if (!z) {
		rc = tz_load(zone, &z, err, errlen);
		if (rc == 0 && tz_cached < TZ_CACHE_MAX) {
			z->next = tz_cache;
			tz_cache = z;
			tz_cached++;
		} else {
			spare = z;
		}
	}
	if (rc == 0)
		tz_zone_local(z, t_s, out);
	pthread_mutex_unlock(&tz_lock);
	alloc_free(spare);
	return rc;
}

void tz_cache_clear(void)
{
	struct tz_zone *z;

	pthread_mutex_lock(&tz_lock);
	z = tz_cache;
	tz_cache = NULL;
	tz_cached = 0;
	pthread_mutex_unlock(&tz_lock);
	while (z) {
		struct tz_zone *next = z->next;

		alloc_free(z);
		z = next;
	}
}

int tz_set_dir(const char *dir)
{
	char *copy = dir ? alloc_strdup(dir) : NULL;

	if (dir && !copy)
		return -ENOMEM;
	pthread_mutex_lock(&tz_lock);
	alloc_free(tz_dir);
	tz_dir = copy;
	pthread_mutex_unlock(&tz_lock);
	tz_cache_clear();
	return 0;
}

/* ----------------------------------------------------------------- Lua -- */

/* tz.localtime(t_seconds, zone) -> table (see tz.h). */
static int l_localtime(lua_State *L)
{
	const char *zone = luaL_checkstring(L, 2);
	struct tz_local lt;
	char err[512];
	int64_t t;

	if (lua_isinteger(L, 1)) {
		t = lua_tointeger(L, 1);
	} else {
		lua_Number x = luaL_checknumber(L, 1);

		if (!(x >= (lua_Number)TZ_TIME_MIN && x < (lua_Number)TZ_TIME_MAX + 1))
			return luaL_error(L, "tz: time %f is outside the years 1 to 9999", x);
		t = (int64_t)x; /* toward zero: down for a negative fraction */
		t -= (lua_Number)t > x;
	}
	if (tz_local(zone, t, &lt, err, sizeof(err)) < 0)
		return luaL_error(L, "%s", err);
	lua_createtable(L, 0, 11);
	lua_pushinteger(L, lt.year);
	lua_setfield(L, -2, "year");
	lua_pushinteger(L, lt.month);
	lua_setfield(L, -2, "month");
	lua_pushinteger(L, lt.day);
	lua_setfield(L, -2, "day");
	lua_pushinteger(L, lt.hour);
	lua_setfield(L, -2, "hour");
	lua_pushinteger(L, lt.min);
	lua_setfield(L, -2, "min");
	lua_pushinteger(L, lt.sec);
	lua_setfield(L, -2, "sec");
	lua_pushinteger(L, lt.wday + 1);
	lua_setfield(L, -2, "wday");
	lua_pushinteger(L, lt.yday);
	lua_setfield(L, -2, "yday");
	lua_pushboolean(L, lt.isdst);
	lua_setfield(L, -2, "isdst");
	lua_pushinteger(L, lt.utc_offset);
	lua_setfield(L, -2, "offset");
	lua_pushstring(L, lt.abbr);
	lua_setfield(L, -2, "zone");
	return 1;
}

int tz_lua_open(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "localtime", l_localtime },
		{ NULL, NULL },
	};

	luaL_newlib(L, funcs);
	return 1;
}
