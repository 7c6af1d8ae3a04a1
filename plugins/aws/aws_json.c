/*
 * aws_json.c - a signed AWS JSON-protocol request and its errors
 * (aws_json.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_json.h"
#include "aws_sign.h"
#include "aws_values.h"
#include "aws_xml.h"

int aws_json_sign(struct sigv4_signer *s, const struct aws_endpoint *ep,
		  const struct sigv4_credentials *cred, const char *region, const char *service,
		  const char *content_type, const char *target, const char *body, size_t len,
		  int64_t t_ms, struct aws_json_headers *out, char *err, size_t errlen)
{
	struct sigv4_header h[] = { { "Host", ep->host }, { "Content-Type", content_type },
				    { "X-Amz-Target", target } };

	return aws_sign_post(s, ep, cred, region, service, h, 3, body, len, t_ms, out->h,
			     sizeof out->h / sizeof out->h[0], err, errlen);
}

void aws_json_headers_free(struct aws_json_headers *h)
{
	aws_sign_lines_free(h->h, sizeof h->h / sizeof h->h[0]);
}

static const char *json_str(const cJSON *o, const char *const *names)
{
	for (; *names; names++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, *names);

		if (cJSON_IsString(v) && v->valuestring && *v->valuestring)
			return v->valuestring;
	}
	return NULL;
}

/* <ErrorResponse><Errors><Error><Code/><Message/> (or <Error> directly
 * under it), as moto words its authentication failures in any protocol. */
static int xml_error(const char *doc, size_t len, char *why, size_t whylen)
{
	static const char *const fields[] = { "Errors/Error/Code", "Errors/Error/Message",
					      "Error/Code", "Error/Message", NULL };
	static const struct aws_xml_shape shape = { "ErrorResponse", fields, NULL };
	struct aws_xml_rec r;
	const char *code, *msg;
	size_t which;
	int rc = -EBADMSG;

	if (aws_xml_parse(doc, len, &shape, 1, "error", &which, &r, NULL, 0) < 0)
		return -EBADMSG;
	code = r.val[0] && *r.val[0] ? r.val[0] : r.val[2];
	msg = r.val[0] && *r.val[0] ? r.val[1] : r.val[3];
	if (code && *code) {
		if (msg && *msg)
			snprintf(why, whylen, "%s: %s", code, msg);
		else
			snprintf(why, whylen, "%s", code);
		aws_values_clean(why);
		rc = 0;
	}
	aws_xml_rec_free(&r);
	return rc;
}

int aws_json_is_xml(const char *doc, size_t len)
{
	size_t i = 0;

	while (i < len && (doc[i] == ' ' || doc[i] == '\t' || doc[i] == '\r' || doc[i] == '\n'))
		i++;
	return i < len && doc[i] == '<';
}

int aws_json_error(const char *doc, size_t len, char *why, size_t whylen)
{
	static const char *const codes[] = { "__type", "code", "Code", NULL };
	static const char *const msgs[] = { "message", "Message", NULL };
	cJSON *o;
	const char *code, *msg, *hash;

	if (aws_json_is_xml(doc, len))
		return xml_error(doc, len, why, whylen);
	o = cJSON_ParseWithLength(doc, len);
	if (!cJSON_IsObject(o) || !(code = json_str(o, codes))) {
		cJSON_Delete(o);
		return -EBADMSG;
	}
	if ((hash = strrchr(code, '#')) && hash[1])
		code = hash + 1; /* "com.amazonaws.sqs#QueueDoesNotExist" */
	msg = json_str(o, msgs);
	if (msg)
		snprintf(why, whylen, "%s: %s", code, msg);
	else
		snprintf(why, whylen, "%s", code);
	aws_values_clean(why);
	cJSON_Delete(o);
	return 0;
}
