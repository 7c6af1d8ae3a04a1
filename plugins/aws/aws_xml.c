/*
 * aws_xml.c - an AWS Query API answer streamed through expat into records
 * (aws_xml.h).
 *
 * Before expat sees a byte: the size and UTF-8 are checked here, so that a
 * bad byte is named as such. expat then runs with namespaces on (names
 * arrive as "uri\1local"; the local part is what paths name), its encoding
 * fixed to UTF-8 whatever the declaration says, and a handler that stops
 * at a DOCTYPE. While it runs, the open elements' names are on a stack and
 * so are the open records: an element opens a record when its path from
 * the innermost open record is one of that record's lists, and starts a
 * value when it is one of its fields. The first refusal stops the parser;
 * every record is freed and the reason, with expat's position, goes out.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "aws_xml.h"

/* Not a character XML allows, so it cannot occur in a namespace URI. */
#define AWS_XML_NS_SEP '\x01'

struct aws_xml_open { /* one open record */
	const struct aws_xml_shape *shape;
	struct aws_xml_rec *rec;
	unsigned depth; /* of its element; the document element is 1 */
};

struct aws_xml_state {
	XML_Parser p;
	const struct aws_xml_shape *shapes;
	size_t n_shapes, which, records;
	struct aws_xml_rec root;
	unsigned depth;                             /* elements open */
	char names[AWS_XML_MAX_DEPTH + 1][AWS_XML_MAX_NAME + 1]; /* by depth, from 1 */
	struct aws_xml_open open[AWS_XML_MAX_DEPTH + 1];
	unsigned n_open;
	long field;           /* the value being read: index in the top record, or -1 */
	char *text;
	size_t text_len, text_cap;
	int rc;               /* the first refusal, 0 while there is none */
	char why[320];
	unsigned long line, col;
};

static int aws_xml_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int aws_xml_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Stop the parser with a reason, at expat's current position (the first
 * reason wins: expat may call a handler or two after being stopped). */
static void aws_xml_stop(struct aws_xml_state *st, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void aws_xml_stop(struct aws_xml_state *st, int rc, const char *fmt, ...)
{
	va_list ap;

	if (st->rc)
		return;
	st->rc = rc;
	va_start(ap, fmt);
	vsnprintf(st->why, sizeof st->why, fmt, ap);
	va_end(ap);
	st->line = (unsigned long)XML_GetCurrentLineNumber(st->p);
	st->col = (unsigned long)XML_GetCurrentColumnNumber(st->p) + 1;
	XML_StopParser(st->p, XML_FALSE);
}

/* Offset of the first byte that does not belong to well-formed UTF-8
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF, no
 * sequence cut short), or len when there is none. */
static size_t aws_xml_utf8_bad(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;

	while (i < len) {
		unsigned c = s[i], lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		else
			return i;
		if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
		i += n + 1;
	}
	return len;
}

/* Line (from 1) and column (characters from 1) of offset at in s, whose
 * bytes before it are well-formed UTF-8. */
static void aws_xml_position(const unsigned char *s, size_t at, unsigned long *line,
			     unsigned long *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < at; i++) {
		if (s[i] == '\n')
			++*line, *col = 1;
		else if ((s[i] & 0xc0) != 0x80)
			++*col;
	}
}

static int aws_xml_rec_init(struct aws_xml_rec *r, const struct aws_xml_shape *s,
			    unsigned long line)
{
	size_t nf = 0, nl = 0;

	memset(r, 0, sizeof *r);
	r->line = line;
	while (s->fields && s->fields[nf])
		nf++;
	while (s->lists && s->lists[nl].path)
		nl++;
	if (nf && !(r->val = calloc(nf, sizeof *r->val)))
		return -ENOMEM;
	r->n_val = nf;
	if (nl && !(r->lists = calloc(nl, sizeof *r->lists)))
		return -ENOMEM; /* the caller frees r */
	r->n_lists = nl;
	return 0;
}

void aws_xml_rec_free(struct aws_xml_rec *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_val; i++)
		free(r->val[i]);
	for (size_t j = 0; j < r->n_lists; j++) {
		for (size_t k = 0; k < r->lists[j].n; k++)
			aws_xml_rec_free(&r->lists[j].v[k]);
		free(r->lists[j].v);
	}
	free(r->val);
	free(r->lists);
	memset(r, 0, sizeof *r);
}

char *aws_xml_take(struct aws_xml_rec *r, size_t i)
{
	char *v;

	if (!r || i >= r->n_val)
		return NULL;
	v = r->val[i];
	r->val[i] = NULL;
	return v;
}

/* 1 when path names exactly the open elements below depth from (from + 1
 * up to the innermost). */
static int aws_xml_match(const struct aws_xml_state *st, unsigned from, const char *path)
{
	for (unsigned d = from + 1; d <= st->depth; d++) {
		size_t n = strlen(st->names[d]);

		if (strncmp(path, st->names[d], n))
			return 0;
		path += n;
		if (d < st->depth) {
			if (*path != '/')
				return 0;
			path++;
		}
	}
	return *path == '\0';
}

/* A new record at the end of list, for shape. */
static void aws_xml_push(struct aws_xml_state *st, struct aws_xml_recs *list,
			 const struct aws_xml_shape *shape)
{
	struct aws_xml_rec *r;
	int rc;

	if (++st->records > AWS_XML_MAX_RECORDS) {
		aws_xml_stop(st, -EBADMSG, "more than %d records (<%s>)", AWS_XML_MAX_RECORDS,
			     st->names[st->depth]);
		return;
	}
	if (list->n == list->cap) {
		size_t cap = list->cap ? 2 * list->cap : 4;
		struct aws_xml_rec *v = realloc(list->v, cap * sizeof *v);

		if (!v) {
			aws_xml_stop(st, -ENOMEM, "out of memory");
			return;
		}
		list->v = v;
		list->cap = cap;
	}
	r = &list->v[list->n++];
	rc = aws_xml_rec_init(r, shape, (unsigned long)XML_GetCurrentLineNumber(st->p));
	if (rc) {
		aws_xml_stop(st, rc, "out of memory");
		return;
	}
	st->open[st->n_open++] = (struct aws_xml_open){ shape, r, st->depth };
	if (r->n_val && !*shape->fields[0]) { /* field "": the element's own text */
		st->field = 0;
		st->text_len = 0;
	}
}

/* The document element: which shape, and the root record. */
static void aws_xml_root(struct aws_xml_state *st, const char *name)
{
	char want[200] = "";
	size_t used = 0;

	for (size_t i = 0; i < st->n_shapes; i++) {
		if (!strcmp(st->shapes[i].path, name)) {
			st->which = i;
			if (aws_xml_rec_init(&st->root, &st->shapes[i],
					     (unsigned long)XML_GetCurrentLineNumber(st->p))) {
				aws_xml_stop(st, -ENOMEM, "out of memory");
				return;
			}
			st->open[st->n_open++] =
				(struct aws_xml_open){ &st->shapes[i], &st->root, 1 };
			return;
		}
		if (used < sizeof want) {
			int w = snprintf(want + used, sizeof want - used, "%s<%s>",
					 i == 0 ? "" : i + 1 == st->n_shapes ? " or " : ", ",
					 st->shapes[i].path);
			used += w > 0 ? (size_t)w : 0;
		}
	}
	aws_xml_stop(st, -EBADMSG, "document element <%s> is not %s", name, want);
}

static void XMLCALL aws_xml_start(void *ud, const XML_Char *qname, const XML_Char **attrs)
{
	struct aws_xml_state *st = ud;
	const char *name = strrchr(qname, AWS_XML_NS_SEP);
	const struct aws_xml_open *top;
	size_t n;

	(void)attrs;
	if (st->rc)
		return;
	name = name ? name + 1 : qname;
	n = strlen(name);
	if (st->depth == AWS_XML_MAX_DEPTH) {
		aws_xml_stop(st, -EBADMSG, "elements nested deeper than %d", AWS_XML_MAX_DEPTH);
		return;
	}
	if (n > AWS_XML_MAX_NAME) {
		aws_xml_stop(st, -EBADMSG, "an element name of %zu bytes, over %d", n,
			     AWS_XML_MAX_NAME);
		return;
	}
	if (st->field >= 0) {
		aws_xml_stop(st, -EBADMSG, "<%s> holds an element <%s> where a value belongs",
			     st->names[st->depth], name);
		return;
	}
	memcpy(st->names[++st->depth], name, n + 1);
	if (st->depth == 1) {
		aws_xml_root(st, name);
		return;
	}
	top = &st->open[st->n_open - 1];
	for (size_t j = 0; j < top->rec->n_lists; j++) {
		if (aws_xml_match(st, top->depth, top->shape->lists[j].path)) {
			aws_xml_push(st, &top->rec->lists[j], &top->shape->lists[j]);
			return;
		}
	}
	for (size_t i = 0; i < top->rec->n_val; i++) {
		if (!aws_xml_match(st, top->depth, top->shape->fields[i]))
			continue;
		if (top->rec->val[i]) {
			aws_xml_stop(st, -EBADMSG, "<%s> given twice in one <%s>", name,
				     st->names[top->depth]);
			return;
		}
		st->field = (long)i;
		st->text_len = 0;
		return;
	}
}

static void XMLCALL aws_xml_text(void *ud, const XML_Char *s, int len)
{
	struct aws_xml_state *st = ud;
	size_t n = (size_t)len;

	if (st->rc || st->field < 0 || len <= 0)
		return;
	if (n > AWS_XML_MAX_VALUE - st->text_len) {
		aws_xml_stop(st, -EBADMSG, "<%s> holds more than %d bytes", st->names[st->depth],
			     AWS_XML_MAX_VALUE);
		return;
	}
	if (st->text_len + n + 1 > st->text_cap) {
		size_t cap = st->text_cap ? st->text_cap : 64;
		char *t;

		while (cap < st->text_len + n + 1)
			cap *= 2;
		t = realloc(st->text, cap);
		if (!t) {
			aws_xml_stop(st, -ENOMEM, "out of memory");
			return;
		}
		st->text = t;
		st->text_cap = cap;
	}
	memcpy(st->text + st->text_len, s, n);
	st->text_len += n;
}

static void XMLCALL aws_xml_end(void *ud, const XML_Char *qname)
{
	struct aws_xml_state *st = ud;
	struct aws_xml_open *top;
	char *v;

	(void)qname;
	if (st->rc || !st->depth)
		return;
	top = &st->open[st->n_open - 1];
	if (st->field >= 0) {
		v = malloc(st->text_len + 1);
		if (!v) {
			aws_xml_stop(st, -ENOMEM, "out of memory");
			return;
		}
		if (st->text_len)
			memcpy(v, st->text, st->text_len);
		v[st->text_len] = '\0';
		top->rec->val[st->field] = v;
		st->field = -1;
	}
	if (top->depth == st->depth) /* a record's element (its own text read above) */
		st->n_open--;
	st->depth--;
}

/* A DOCTYPE is where entities are declared; an answer has none. */
static void XMLCALL aws_xml_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
				    const XML_Char *pubid, int has_internal_subset)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
	aws_xml_stop(ud, -EBADMSG, "a DOCTYPE, refused (an AWS answer has none, and its "
		     "entities could expand without bound)");
}

/* Never reached without a DOCTYPE; here in case expat ever calls it first. */
static void XMLCALL aws_xml_entity(void *ud, const XML_Char *name, int is_param,
				   const XML_Char *value, int value_len, const XML_Char *base,
				   const XML_Char *sysid, const XML_Char *pubid,
				   const XML_Char *notation)
{
	(void)is_param, (void)value, (void)value_len, (void)base, (void)sysid, (void)pubid;
	(void)notation;
	aws_xml_stop(ud, -EBADMSG, "an entity declaration (%s), refused", name);
}

int aws_xml_parse(const char *doc, size_t len, const struct aws_xml_shape *shapes, size_t n,
		  const char *what, size_t *which, struct aws_xml_rec *out, char *err,
		  size_t errlen)
{
	struct aws_xml_state *st = NULL;
	unsigned long line, col;
	size_t bad;
	int rc;

	if (out)
		memset(out, 0, sizeof *out);
	if (!what)
		what = "answer";
	if (!shapes || !n || !which || !out || (!doc && len))
		return aws_xml_fail(err, errlen, -EINVAL, "%s: no document, shapes or output",
				    what);
	if (!len)
		return aws_xml_fail(err, errlen, -EBADMSG, "%s: an empty answer", what);
	if (len > AWS_XML_MAX_DOC)
		return aws_xml_fail(err, errlen, -EBADMSG,
				    "%s: an answer of %zu bytes, over the limit of %u", what, len,
				    AWS_XML_MAX_DOC);
	bad = aws_xml_utf8_bad((const unsigned char *)doc, len);
	if (bad < len) {
		aws_xml_position((const unsigned char *)doc, bad, &line, &col);
		return aws_xml_fail(err, errlen, -EBADMSG,
				    "%s: line %lu, column %lu: byte 0x%02x is not UTF-8", what,
				    line, col, (unsigned char)doc[bad]);
	}
	st = calloc(1, sizeof *st);
	if (!st || !(st->p = XML_ParserCreateNS("UTF-8", AWS_XML_NS_SEP))) {
		rc = aws_xml_fail(err, errlen, -ENOMEM, "%s: out of memory", what);
		goto out;
	}
	st->shapes = shapes;
	st->n_shapes = n;
	st->field = -1;
	XML_SetUserData(st->p, st);
	XML_SetElementHandler(st->p, aws_xml_start, aws_xml_end);
	XML_SetCharacterDataHandler(st->p, aws_xml_text);
	XML_SetStartDoctypeDeclHandler(st->p, aws_xml_doctype);
	XML_SetEntityDeclHandler(st->p, aws_xml_entity);
	XML_SetParamEntityParsing(st->p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (XML_Parse(st->p, doc, (int)len, XML_TRUE) == XML_STATUS_OK && !st->rc) {
		*which = st->which;
		*out = st->root;
		memset(&st->root, 0, sizeof st->root);
		rc = 0;
	} else if (st->rc) {
		rc = aws_xml_fail(err, errlen, st->rc, "%s: line %lu, column %lu: %s", what,
				  st->line, st->col, st->why);
	} else {
		enum XML_Error e = XML_GetErrorCode(st->p);

		rc = e == XML_ERROR_NO_MEMORY ? -ENOMEM : -EBADMSG;
		rc = aws_xml_fail(err, errlen, rc, "%s: not well-formed XML at line %lu, "
				  "column %lu: %s", what,
				  (unsigned long)XML_GetCurrentLineNumber(st->p),
				  (unsigned long)XML_GetCurrentColumnNumber(st->p) + 1,
				  XML_ErrorString(e));
	}
out:
	if (st) {
		if (st->p)
			XML_ParserFree(st->p);
		aws_xml_rec_free(&st->root);
		free(st->text);
		free(st);
	}
	return rc;
}
