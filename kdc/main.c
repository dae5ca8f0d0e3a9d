/*
 * main.c - pkinit-kdc entry point (options; the server lives in server.c).
 */
#include "config.h"

#include <stdio.h>

#include "version.h"

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("%s\n", kdc_version());
	return 0;
}
