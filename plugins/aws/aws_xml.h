/*
 * aws_xml.h - read an XML answer of AWS's Query APIs (EC2, Auto Scaling)
 * with expat: stream the document once and collect the text of the
 * elements at given paths, with repeated elements as lists of records.
 * Generic: the answers themselves (which paths, what they mean) are in
 * aws_answers.h.
 *
 * A shape says what to collect under one element: fields (values, by path)
 * and lists (repeated elements, by path, each with a shape of its own). A
 * path is element names joined with '/', relative to the shape's element,
 * matched exactly: "MixedInstancesPolicy/InstancesDistribution/SpotMaxPrice"
 * is that and nothing deeper or shallower. A list's shape whose first field
 * is "" collects each repeated element's own text there (CloudWatch's
 * <Values><member>1.5</member>...): such an element holds no element.
 * Names are local names: a namespace (AWS's xmlns) is not checked.
 * Elements that no shape names are skipped, and so are attributes,
 * comments and processing instructions.
 *
 * Refused (-EBADMSG, a reason in err, nothing returned): an empty answer,
 * one over AWS_XML_MAX_DOC, bytes that are not UTF-8, XML that is not
 * well-formed or is cut short (expat's reason, with line and column), a
 * DOCTYPE (so no entity can be declared, let alone expanded), a document
 * element that no shape names, nesting deeper than AWS_XML_MAX_DEPTH, more
 * than AWS_XML_MAX_RECORDS records, a value over AWS_XML_MAX_VALUE bytes, a
 * field that holds an element, a field given twice in one record.
 *
 * Ownership: the caller keeps the document and the shapes; the records are
 * the caller's after a success, freed with aws_xml_rec_free. No global
 * state: each call has a parser of its own, so threads may parse at once.
 */
#ifndef AWS_XML_H
#define AWS_XML_H

#include <stddef.h>

/* Limits. A page of 1000 EC2 instances is a few MiB; AWS pages are far
 * below all of these. */
#define AWS_XML_MAX_DOC (16u << 20)  /* bytes in one answer */
#define AWS_XML_MAX_DEPTH 64          /* elements open at once */
#define AWS_XML_MAX_RECORDS 50000     /* records (list entries) in one answer */
#define AWS_XML_MAX_VALUE 65536       /* bytes of one field's text */
#define AWS_XML_MAX_NAME 256          /* bytes of one element's local name */

/* What to collect under one element. fields: NULL-terminated paths of
 * values (NULL: none). lists: repeated elements, ended by an entry whose
 * path is NULL (NULL: none). path: for a document shape, the document
 * element's name ("DescribeInstancesResponse"); for a list, the path from
 * the enclosing element to each repeated one ("reservationSet/item"). */
struct aws_xml_shape {
	const char *path;
	const char *const *fields;
	const struct aws_xml_shape *lists;
};

struct aws_xml_recs;

/* One element's collection: val[i] is the text of shape->fields[i] (NUL
 * terminated, "" for an empty element) or NULL when it was absent;
 * lists[j] the records of shape->lists[j]. line: where its element began. */
struct aws_xml_rec {
	char **val;
	size_t n_val;
	struct aws_xml_recs *lists;
	size_t n_lists;
	unsigned long line;
};

struct aws_xml_recs {
	struct aws_xml_rec *v;
	size_t n;
	size_t cap;
};

/* Parse doc (len bytes, not NUL terminated) as one of the n document
 * shapes, the one whose path is the document element's name. 0, *which
 * set to its index and *out filled (the caller's; aws_xml_rec_free), or a
 * negative errno with *out zeroed and a reason in err (may be NULL) that
 * starts with "what: ": -EBADMSG for an answer refused (above), -ENOMEM,
 * -EINVAL for a NULL argument or no shapes. */
int aws_xml_parse(const char *doc, size_t len, const struct aws_xml_shape *shapes, size_t n,
		  const char *what, size_t *which, struct aws_xml_rec *out, char *err,
		  size_t errlen);

/* Take field i's text out of r: the caller owns it; r keeps NULL. */
char *aws_xml_take(struct aws_xml_rec *r, size_t i);

/* Free what r holds and zero it; harmless on a zeroed record. */
void aws_xml_rec_free(struct aws_xml_rec *r);

#endif
