/* version.c - program version string. */
#include "config.h"

#include "version.h"

const char *
kdc_version(void)
{
	return PACKAGE_STRING;
}
