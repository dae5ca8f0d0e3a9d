/* version.h - program version string. */
#ifndef PKINIT_KDC_VERSION_H
#define PKINIT_KDC_VERSION_H
const char *kdc_version(void);
#endif
