#!/bin/sh
# slapd.sh - run a private OpenLDAP server for tests, on loopback only.
#
#   slapd.sh start DIR [LDIF...]  configure (first time), load the LDIFs into
#                                 an empty database, start slapd and print
#                                 its URI (ldap://127.0.0.1:PORT/) when it
#                                 answers.  Starting DIR again reuses its
#                                 port and data (restart on the same port).
#   slapd.sh stop DIR             stop it (the data stays in DIR).
#   slapd.sh uri DIR / ldapi DIR / ldaps DIR
#                                 print the ldap://, ldapi:// or ldaps://
#                                 URI (ldaps only when openssl(1) exists:
#                                 DIR/ca.pem is then the CA that issued the
#                                 server certificate for 127.0.0.1).
#
# DIR holds everything: slapd.d/ (cn=config) or slapd.conf, db/, port,
# pid, log, rootpw (the rootdn password, for tests to bind with).
#
# Suffix dc=example,dc=test; rootdn cn=admin,dc=example,dc=test.  Schema:
# core, cosine, inetorgperson and conf/openldap/ad-kdc.{ldif,schema}.
# Environment: SLAPD (default: slapd in PATH or /usr/sbin), SLAPD_CONFIG
# ("ldif", the default: cn=config built from ad-kdc.ldif; "conf":
# slapd.conf including ad-kdc.schema), SLAPD_SCHEMA_DIR (/etc/ldap/schema),
# SLAPD_MODULE_DIR (/usr/lib/ldap), top_srcdir (to find conf/).
# ACLs: userPassword is for binding only; authenticated clients (simple
# bind or SASL EXTERNAL over ldapi://) read everything; anonymous nothing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=${top_srcdir:-$here/../..}
schema_dir=${SLAPD_SCHEMA_DIR:-/etc/ldap/schema}
module_dir=${SLAPD_MODULE_DIR:-/usr/lib/ldap}
style=${SLAPD_CONFIG:-ldif}
suffix="dc=example,dc=test"
rootdn="cn=admin,$suffix"

find_slapd() {
	if [ -n "${SLAPD:-}" ]; then echo "$SLAPD"; return; fi
	command -v slapd 2>/dev/null || { [ -x /usr/sbin/slapd ] && echo /usr/sbin/slapd; } || true
}
find_tool() {
	command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || true
}

die() { echo "slapd.sh: $*" >&2; exit 1; }

free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# ldapi:// URI of DIR's socket, path percent-encoded.
ldapi_uri() {
	printf 'ldapi://%s/' "$(printf '%s' "$1/ldapi" | sed 's|%|%25|g; s|/|%2F|g; s| |%20|g')"
}

# A throw-away CA and a server certificate for 127.0.0.1 (IP SAN).
make_tls() {
	d=$1
	command -v openssl >/dev/null 2>&1 || return 0
	(
		umask 077
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 7 \
			-subj "/CN=slapd.sh test CA" \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout "$d/server.key" -out "$d/server.csr" \
			-subj "/CN=127.0.0.1" &&
		printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
			> "$d/server.ext" &&
		openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" \
			-CAkey "$d/ca.key" -CAcreateserial -days 7 \
			-extfile "$d/server.ext" -out "$d/server.pem"
	) >> "$d/log" 2>&1 || die "could not make test certificates"
}

tls_ldif() {
	[ -f "$1/server.pem" ] || return 0
	printf 'olcTLSCertificateFile: %s\nolcTLSCertificateKeyFile: %s\n' \
		"$1/server.pem" "$1/server.key"
}

tls_conf() {
	[ -f "$1/server.pem" ] || return 0
	printf 'TLSCertificateFile %s\nTLSCertificateKeyFile %s\n' \
		"$1/server.pem" "$1/server.key"
}

write_config_ldif() {
	d=$1
	cat > "$d/config.ldif" <<EOC
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $d/slapd.pid
olcLogLevel: none
$(tls_ldif "$d")

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: $module_dir
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

EOC
	for s in core cosine inetorgperson; do
		cat "$schema_dir/$s.ldif" >> "$d/config.ldif"
		echo >> "$d/config.ldif"
	done
	sed '/^#/d' "$top/conf/openldap/ad-kdc.ldif" >> "$d/config.ldif"
	cat >> "$d/config.ldif" <<EOC

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcSizeLimit: 500

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $suffix
olcRootDN: $rootdn
olcRootPW: $(cat "$d/rootpw")
olcDbDirectory: $d/db
olcDbMaxSize: 67108864
olcDbIndex: objectClass eq
olcDbIndex: sAMAccountName,userPrincipalName eq
olcDbIndex: altSecurityIdentities,dNSHostName,servicePrincipalName eq
olcAccess: {0}to attrs=userPassword by anonymous auth by * none
olcAccess: {1}to * by users read by * none
EOC
	mkdir -p "$d/slapd.d"
	"$(find_tool slapadd)" -n 0 -F "$d/slapd.d" -l "$d/config.ldif" >> "$d/log" 2>&1 ||
		die "cn=config rejected (see $d/log)"
}

write_config_conf() {
	d=$1
	cat > "$d/slapd.conf" <<EOC
include $schema_dir/core.schema
include $schema_dir/cosine.schema
include $schema_dir/inetorgperson.schema
include $top/conf/openldap/ad-kdc.schema
pidfile $d/slapd.pid
$(tls_conf "$d")
modulepath $module_dir
moduleload back_mdb
sizelimit 500

database mdb
suffix "$suffix"
rootdn "$rootdn"
rootpw $(cat "$d/rootpw")
directory $d/db
maxsize 67108864
index objectClass eq
index sAMAccountName,userPrincipalName eq
index altSecurityIdentities,dNSHostName,servicePrincipalName eq
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
EOC
}

cfg_args() {
	if [ -f "$1/slapd.conf" ]; then echo "-f $1/slapd.conf"; else echo "-F $1/slapd.d"; fi
}

wait_up() {
	d=$1; uri=$2
	i=0
	while [ $i -lt 100 ]; do
		if ldapsearch -x -H "$uri" -D "$rootdn" -w "$(cat "$d/rootpw")" \
		    -b "$suffix" -s base -o nettimeout=1 dn >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$(cat "$d/pid")" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

do_start() {
	d=$1; shift
	slapd=$(find_slapd)
	setsid=$(command -v setsid 2>/dev/null || true)
	[ -n "$slapd" ] && [ -x "$slapd" ] || die "slapd not found"
	mkdir -p "$d"
	d=$(cd "$d" && pwd)
	if [ -f "$d/pid" ] && kill -0 "$(cat "$d/pid")" 2>/dev/null; then
		die "already running in $d"
	fi
	if [ ! -f "$d/configured" ]; then
		[ -f "$d/rootpw" ] || (umask 077; echo "secret-$$" > "$d/rootpw")
		mkdir -p "$d/db"
		make_tls "$d"
		case "$style" in
		ldif) write_config_ldif "$d" ;;
		conf) write_config_conf "$d" ;;
		*) die "SLAPD_CONFIG must be ldif or conf" ;;
		esac
		for f in "$@"; do
			"$(find_tool slapadd)" $(cfg_args "$d") -b "$suffix" -l "$f" >> "$d/log" 2>&1 ||
				die "could not load $f (see $d/log)"
		done
		touch "$d/configured"
	fi
	tries=0
	while :; do
		[ -f "$d/port" ] || free_port > "$d/port"
		port=$(cat "$d/port")
		uri="ldap://127.0.0.1:$port/"
		listen="$uri $(ldapi_uri "$d")"
		if [ -f "$d/server.pem" ]; then
			[ -f "$d/tlsport" ] || free_port > "$d/tlsport"
			listen="$listen ldaps://127.0.0.1:$(cat "$d/tlsport")/"
		fi
		rm -f "$d/ldapi"
		# -d 0 keeps slapd in the foreground so that its pid is ours;
		# setsid (which does not fork here: a background job of a
		# non-interactive shell leads no group) puts it in a session of
		# its own, so a test runner that kills its child's process
		# group does not take slapd with it.
		$setsid "$slapd" $(cfg_args "$d") -h "$listen" \
			-d 0 </dev/null >> "$d/log" 2>&1 &
		echo $! > "$d/pid"
		if wait_up "$d" "$uri"; then
			echo "$uri" > "$d/uri"
			echo "$uri"
			return 0
		fi
		do_stop "$d" 2>/dev/null || true
		tries=$((tries + 1))
		# The port may have been taken meanwhile; a restart must keep it.
		[ $tries -lt 3 ] || die "slapd did not come up (see $d/log)"
		[ -f "$d/uri" ] || rm -f "$d/port" "$d/tlsport"
	done
}

do_stop() {
	d=$1
	[ -f "$d/pid" ] || return 0
	pid=$(cat "$d/pid")
	if kill "$pid" 2>/dev/null; then
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$d/pid"
}

cmd=${1:-}
[ $# -ge 2 ] || die "usage: $0 start DIR [LDIF...] | stop DIR | uri|ldapi|ldaps DIR"
shift
case "$cmd" in
start) do_start "$@" ;;
stop) do_stop "$1" ;;
uri) cat "$1/uri" ;;
ldapi) ldapi_uri "$(cd "$1" && pwd)"; echo ;;
ldaps) [ -f "$1/tlsport" ] && echo "ldaps://127.0.0.1:$(cat "$1/tlsport")/" ;;
*) die "unknown command $cmd" ;;
esac
