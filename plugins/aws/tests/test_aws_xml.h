/*
 * test_aws_xml.h - what the files of test_aws_xml share: reading a fixture
 * (aws_xml_fx.c), and the refusal tests (test_aws_xml_hostile.c).
 */
#ifndef TEST_AWS_XML_H
#define TEST_AWS_XML_H

#include <stddef.h>

/* AWS_XML_FIXTURES/name, whole, NUL terminated (not counted in *len); the
 * test fails when it cannot be read. The caller frees it. */
char *aws_xml_fx(const char *name, size_t *len);

/* Run the refusal tests; cmocka's count of failures. */
int aws_xml_hostile_run(void);

#endif
